/**
 * The export checked offline, as the import API and Dashboards will read it: every NDJSON line and
 * every nested JSON string parses, every reference resolves to an earlier object of the export, ids are
 * unique and stable, the migration versions are ones Kibana 7.10 and OpenSearch Dashboards 1.x/2.x all
 * know, and every field a visualization, column or query uses is mapped by the index template
 * (aggregatable where it is aggregated).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSavedObjects, exportNdjson } from '../../src/dashboards/export.js';
import { FieldCatalogue, isAggregatable, templateFields } from '../../src/dashboards/fields.js';
import { MIGRATION_VERSIONS, type SavedObject } from '../../src/dashboards/savedObjects.js';
import { VisualizationFactory } from '../../src/dashboards/visualizations.js';
import { indexPattern } from '../../src/template/template.js';
import { dqlToDsl } from './dql.js';

const PREFIX = 'cloudtrail-';
const objects = buildSavedObjects({ indexPrefix: PREFIX });
const catalogue = new FieldCatalogue();

/** Attributes holding JSON text, at any depth (visState, panelsJSON, kibanaSavedObjectMeta.searchSourceJSON…). */
function nestedJson(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const at = path ? `${path}.${key}` : key;
    if (typeof child === 'string' && /JSON$|^visState$|^fields$/.test(key))
      return [{ path: at, text: child }];
    return nestedJson(child, at);
  });
}

const searchSource = (object: SavedObject) =>
  JSON.parse((object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as {
    query: { query: string; language: string };
    indexRefName?: string;
  };

/** Every field name a compiled query names (`match`, `exists`, `query_string.fields`, `range`, ...). */
function queryFields(query: unknown): string[] {
  if (Array.isArray(query)) return query.flatMap(queryFields);
  if (typeof query !== 'object' || query === null) return [];
  return Object.entries(query).flatMap(([key, child]) => {
    if (['match', 'match_phrase', 'range'].includes(key)) return Object.keys(child as object);
    if (key === 'exists') return [(child as { field: string }).field];
    if (key === 'query_string') return (child as { fields: string[] }).fields;
    return queryFields(child);
  });
}

const semver = (version: string) => version.split('.').map(Number);
const notAfter = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if (x[i]! !== y[i]!) return x[i]! < y[i]!;
  return true;
};

describe('dashboards: the export, checked offline', () => {
  it('is one parseable saved object per NDJSON line, in the order built', () => {
    const ndjson = exportNdjson({ indexPrefix: PREFIX });
    assert.ok(ndjson.endsWith('\n'));
    const lines = ndjson.slice(0, -1).split('\n');
    assert.equal(lines.length, objects.length);
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as SavedObject),
      JSON.parse(JSON.stringify(objects)),
    );
    for (const object of objects) {
      assert.deepEqual(Object.keys(object).sort(), [
        'attributes',
        'id',
        'migrationVersion',
        'references',
        'type',
      ]);
      assert.equal(typeof object.attributes.title, 'string', `${object.id} has a title`);
    }
  });

  it('every nested JSON string parses (visState, panelsJSON, searchSourceJSON, fields, ...)', () => {
    let count = 0;
    for (const object of objects)
      for (const { path, text } of nestedJson(object.attributes)) {
        assert.doesNotThrow(() => JSON.parse(text), `${object.id} ${path}`);
        count++;
      }
    const expected = objects.reduce(
      (sum, object) =>
        sum +
        // fields; visState, uiStateJSON, searchSourceJSON; searchSourceJSON; panelsJSON, optionsJSON, searchSourceJSON
        { 'index-pattern': 1, visualization: 3, search: 1, dashboard: 3 }[object.type],
      0,
    );
    assert.equal(count, expected, 'every JSON-string attribute was found and parsed');
  });

  it('every reference resolves to an object earlier in the export, and every ref name is used', () => {
    const seen = new Set<string>();
    for (const object of objects) {
      for (const ref of object.references)
        assert.ok(seen.has(`${ref.type}:${ref.id}`), `${object.id} → ${ref.type} ${ref.id} comes first`);
      const names = object.references.map((ref) => ref.name);
      assert.equal(new Set(names).size, names.length, `${object.id}: reference names unique`);
      if (object.type === 'dashboard') {
        const panels = JSON.parse(String(object.attributes.panelsJSON)) as { panelRefName: string }[];
        assert.deepEqual(
          panels.map((panel) => panel.panelRefName),
          names,
        );
      } else if (object.type !== 'index-pattern') {
        const source = searchSource(object);
        assert.deepEqual(names, [source.indexRefName]);
        assert.equal(object.references[0]!.type, 'index-pattern');
      }
      seen.add(`${object.type}:${object.id}`);
    }
  });

  it('ids are unique, the same on every build, and set apart per index prefix', () => {
    const ids = objects.map((object) => object.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(buildSavedObjects({ indexPrefix: PREFIX }), objects);
    // A re-install overwrites by id: renaming one would leave the old copy behind in every Dashboards.
    const names = [
      'index-pattern',
      'search-principal-user',
      'search-writes',
      'vis-events-by-service',
      'vis-root-use',
      'dashboard-activity',
      'dashboard-security',
    ];
    for (const name of names) assert.ok(ids.includes(`cloudtrail-opensearch-cloudtrail-${name}`), name);
    const other = buildSavedObjects({ indexPrefix: 'audit-trail-' });
    assert.equal(
      other.filter((object) => ids.includes(object.id)).length,
      0,
      'no id shared with another prefix',
    );
    assert.equal(other[0]!.attributes.title, 'audit-trail-2*');
  });

  it('migration versions are pinned no later than Kibana 7.10, and coreMigrationVersion is absent', () => {
    for (const object of objects) {
      assert.deepEqual(object.migrationVersion, { [object.type]: MIGRATION_VERSIONS[object.type] });
      assert.ok(notAfter(MIGRATION_VERSIONS[object.type], '7.10.0'), object.id);
      assert.equal('coreMigrationVersion' in object, false);
    }
  });

  it('the index pattern is PREFIX2* on @timestamp, with the template fields and their aggregatability', () => {
    const pattern = objects[0]!;
    assert.equal(pattern.type, 'index-pattern');
    assert.equal(pattern.attributes.title, indexPattern(PREFIX));
    assert.equal(pattern.attributes.timeFieldName, '@timestamp');
    const fields = JSON.parse(String(pattern.attributes.fields)) as {
      name: string;
      type: string;
      aggregatable: boolean;
    }[];
    const byName = new Map(fields.map((field) => [field.name, field]));
    assert.equal(byName.get('@timestamp')?.type, 'date');
    for (const field of templateFields()) {
      const listed = byName.get(field.name);
      assert.ok(listed, `${field.name} listed`);
      assert.equal(listed.aggregatable, isAggregatable(field), field.name);
      assert.notEqual(listed.type, 'unknown', `${field.name}: a Dashboards type for ${field.esType}`);
    }
    assert.equal(byName.get('errorMessage')?.aggregatable, false, 'text is not aggregatable');
    assert.equal(byName.get('errorMessage.keyword')?.aggregatable, true);
  });

  it('every field a visualization aggregates on is mapped and aggregatable; every column is mapped', () => {
    let aggregated = 0;
    for (const object of objects) {
      if (object.type === 'visualization') {
        const visState = JSON.parse(String(object.attributes.visState)) as {
          aggs: { type: string; params: { field?: string } }[];
        };
        for (const agg of visState.aggs.filter((entry) => entry.params.field !== undefined)) {
          const field = catalogue.lookup(agg.params.field!);
          assert.ok(field && isAggregatable(field), `${object.id}: ${agg.params.field} aggregatable`);
          aggregated++;
        }
      }
      if (object.type === 'search')
        for (const column of object.attributes.columns as string[])
          assert.ok(catalogue.lookup(column), `${object.id}: column ${column}`);
    }
    assert.ok(aggregated >= objects.filter((object) => object.type === 'visualization').length);
  });

  it('every field a saved query names is mapped by the template', () => {
    for (const object of objects.filter(
      (entry) => entry.type === 'search' || entry.type === 'visualization',
    )) {
      const source = searchSource(object);
      assert.equal(source.query.language, 'kuery');
      for (const field of queryFields(dqlToDsl(source.query.query)))
        assert.ok(catalogue.lookup(field), `${object.id}: ${field} in "${source.query.query}"`);
    }
  });

  it("docs/dashboards.md shows every saved search's DQL and every pinned migration version", () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/dashboards.md', import.meta.url)), 'utf8');
    for (const object of objects.filter((entry) => entry.type === 'search')) {
      const cell = '`' + searchSource(object).query.query.replace(/\|/g, '\\|') + '`';
      assert.ok(doc.includes(cell), `${object.id}: ${cell}`);
    }
    for (const [type, version] of Object.entries(MIGRATION_VERSIONS))
      assert.ok(doc.includes(`| \`${type}\` | \`${version}\` |`), type);
  });

  it('refuses to build a chart on a field the template does not map, or maps as text', () => {
    const factory = new VisualizationFactory(catalogue, 'pattern', (kind, name) => `${kind}-${name}`);
    const bars = (field: string) => () =>
      factory.visualization({ kind: 'bars', name: 'x', title: 'x', dql: '', field });
    assert.throws(bars('userIdentity.nope'), /field "userIdentity.nope" is not mapped by the index template/);
    assert.throws(bars('errorMessage'), /mapped as text, which Dashboards cannot aggregate on/);
    assert.doesNotThrow(bars('errorMessage.keyword'));
  });
});
