/**
 * `_source` filtering for search hits: `false`, a pattern or list of patterns, or `{includes, excludes}`.
 * Unfiltered sources are returned byte-for-byte; filtered ones are re-serialised, as OpenSearch does.
 */
import { globMatch } from '../index-names.js';
import { RawJson, isJsonObject, newJsonObject, parseJson, stringifyJson, type JsonObject } from '../json.js';

export interface SourceFilter {
  enabled: boolean;
  includes: string[];
  excludes: string[];
}

export function parseSourceFilter(value: unknown): SourceFilter {
  if (value === undefined || value === true) return { enabled: true, includes: [], excludes: [] };
  if (value === false) return { enabled: false, includes: [], excludes: [] };
  const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));
  if (typeof value === 'string' || Array.isArray(value))
    return { enabled: true, includes: list(value), excludes: [] };
  const spec = value as Record<string, unknown>;
  return {
    enabled: true,
    includes: list(spec.includes ?? spec.include),
    excludes: list(spec.excludes ?? spec.exclude),
  };
}

function filterObject(object: JsonObject, prefix: string, filter: SourceFilter): JsonObject {
  const out = newJsonObject();
  for (const [key, value] of Object.entries(object)) {
    const path = prefix + key;
    if (filter.excludes.some((p) => globMatch(p, path))) continue;
    const included = filter.includes.length === 0 || filter.includes.some((p) => globMatch(p, path));
    if (included) {
      if (!isJsonObject(value) || filter.excludes.length === 0) out[key] = value;
      else {
        // An object the excludes emptied is left out, as OpenSearch's filtering does.
        const inner = filterObject(value, path + '.', { ...filter, includes: [] });
        if (Object.keys(inner).length > 0 || Object.keys(value).length === 0) out[key] = inner;
      }
    } else if (
      isJsonObject(value) &&
      filter.includes.some((p) => p.startsWith(path + '.') || p.startsWith('*'))
    ) {
      const inner = filterObject(value, path + '.', filter);
      if (Object.keys(inner).length > 0) out[key] = inner;
    }
  }
  return out;
}

/** The `_source` to show for a hit, or undefined to leave it out. */
export function applySourceFilter(
  sourceText: string,
  filter: SourceFilter,
): RawJson | JsonObject | undefined {
  if (!filter.enabled) return undefined;
  if (filter.includes.length === 0 && filter.excludes.length === 0) return new RawJson(sourceText);
  return filterObject(parseJson(sourceText).value as JsonObject, '', filter);
}

/**
 * The filter a mapping's `_source` `includes`/`excludes` set on what an index stores, or undefined when it
 * stores every source whole. OpenSearch prunes the source after indexing it and before storing it: the
 * pruned fields stay searchable, but get, search hits and anything else that reads the source never see
 * them (docs.opensearch.org, mappings/metadata-fields/source, "Including or excluding fields").
 */
export function storedSourceFilter(mapping: object): SourceFilter | undefined {
  const spec = (mapping as { _source?: unknown })._source;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const filter = parseSourceFilter({ ...spec });
  return filter.includes.length > 0 || filter.excludes.length > 0 ? filter : undefined;
}

/** A source as an index with `filter` (see {@link storedSourceFilter}) stores it. */
export function storedSource(sourceText: string, filter: SourceFilter | undefined): string {
  if (filter === undefined) return sourceText;
  return stringifyJson(filterObject(parseJson(sourceText).value as JsonObject, '', filter));
}
