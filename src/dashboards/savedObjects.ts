/**
 * The saved-object shapes of the export, as the saved-objects import API of OpenSearch Dashboards 1.x/2.x
 * and Kibana 7.10 takes them (one JSON object per NDJSON line), and the builders that fill them.
 *
 * `migrationVersion` says which migrations an object has already been through. The values are the
 * newest migration each type has in Kibana 7.10 (which OpenSearch Dashboards forked, keeping the same
 * migrations): the import then runs none on those, and a newer Dashboards or Kibana runs only its own
 * later migrations. A value newer than the server knows would be refused ("belongs to a more recent
 * version"). `coreMigrationVersion` is left out: it appeared after 7.10 (neither OpenSearch Dashboards
 * nor Kibana 7.10 knows it), and later Kibana treats an object without it as older than itself.
 */

export type SavedObjectType = 'index-pattern' | 'visualization' | 'search' | 'dashboard';

export const MIGRATION_VERSIONS: Readonly<Record<SavedObjectType, string>> = {
  'index-pattern': '7.6.0',
  visualization: '7.10.0',
  search: '7.9.3',
  dashboard: '7.9.3',
};

export interface Reference {
  name: string;
  type: SavedObjectType;
  id: string;
}

export interface SavedObject {
  type: SavedObjectType;
  id: string;
  attributes: Record<string, unknown>;
  references: Reference[];
  migrationVersion: Record<string, string>;
}

/** The reference name through which a search source points at its index pattern. */
export const INDEX_REF_NAME = 'kibanaSavedObjectMeta.searchSourceJSON.index';

export function savedObject(
  type: SavedObjectType,
  id: string,
  attributes: Record<string, unknown>,
  references: Reference[] = [],
): SavedObject {
  return { type, id, attributes, references, migrationVersion: { [type]: MIGRATION_VERSIONS[type] } };
}

/** `kibanaSavedObjectMeta` of a search or visualization: a DQL query on the index pattern. */
export function searchSourceMeta(dql: string): { searchSourceJSON: string } {
  return {
    searchSourceJSON: JSON.stringify({
      query: { query: dql, language: 'kuery' },
      filter: [],
      indexRefName: INDEX_REF_NAME,
    }),
  };
}

export function indexReference(indexPatternId: string): Reference {
  return { name: INDEX_REF_NAME, type: 'index-pattern', id: indexPatternId };
}

/** One saved object per line, in dependency order (what an object references comes before it). */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects.map((object) => JSON.stringify(object)).join('\n') + '\n';
}
