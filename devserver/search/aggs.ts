/**
 * Aggregations: `terms` (with sub-aggregations), `value_count`, `min`, `max` and `cardinality`, over the
 * indexed values, so text fields refuse them exactly as sorting does.
 */
import type { IndexState, StoredDocument } from '../cluster.js';
import { formatDate } from '../mapping/dates.js';
import { formatIp } from '../mapping/ip.js';
import type { IndexedValue } from '../mapping/values.js';
import { parsingError } from './query.js';
import { checkDocValues } from './sort.js';

export interface HitSource {
  doc: StoredDocument;
  index: IndexState;
}

type Spec = Record<string, unknown>;

/** The field's type in the first index that maps it (text fields were refused per shard already). */
function fieldType(indices: IndexState[], field: string): string | undefined {
  let type: string | undefined;
  for (const index of indices) type ??= checkDocValues(index, field, undefined, 'agg');
  return type;
}

function bucketKey(value: IndexedValue, type: string | undefined): { key: unknown; keyAsString?: string } {
  if (typeof value === 'bigint') return { key: formatIp(value) };
  if (typeof value === 'boolean') return { key: value ? 1 : 0, keyAsString: String(value) };
  if (type === 'date' && typeof value === 'number') return { key: value, keyAsString: formatDate(value) };
  return { key: value };
}

function termsAggregation(
  spec: Spec,
  hits: HitSource[],
  indices: IndexState[],
  subAggs: Spec | undefined,
): unknown {
  const field = String(spec.field);
  const size = spec.size === undefined ? 10 : Number(spec.size);
  const type = fieldType(indices, field);
  const groups = new Map<IndexedValue, HitSource[]>();
  for (const hit of hits) {
    for (const value of new Set(hit.doc.fields.get(field) ?? [])) {
      const group = groups.get(value);
      if (group) group.push(hit);
      else groups.set(value, [hit]);
    }
  }
  const sorted = [...groups].sort(
    ([ka, a], [kb, b]) => b.length - a.length || (ka < kb ? -1 : ka > kb ? 1 : 0),
  );
  const shown = sorted.slice(0, size);
  const other = sorted.slice(size).reduce((sum, [, group]) => sum + group.length, 0);
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: other,
    buckets: shown.map(([value, group]) => {
      const { key, keyAsString } = bucketKey(value, type);
      const bucket: Record<string, unknown> = { key };
      if (keyAsString !== undefined) bucket.key_as_string = keyAsString;
      bucket.doc_count = group.length;
      if (subAggs) Object.assign(bucket, runAggregations(subAggs, group, indices));
      return bucket;
    }),
  };
}

function metricAggregation(kind: string, spec: Spec, hits: HitSource[], indices: IndexState[]): unknown {
  const field = String(spec.field);
  const type = fieldType(indices, field);
  const values = hits.flatMap((hit) => hit.doc.fields.get(field) ?? []);
  if (kind === 'value_count') return { value: values.length };
  if (kind === 'cardinality') return { value: new Set(values).size };
  const numbers = values
    .map((v) => (typeof v === 'boolean' ? Number(v) : v))
    .filter((v) => typeof v === 'number');
  if (numbers.length === 0) return { value: null };
  const value = kind === 'min' ? Math.min(...numbers) : Math.max(...numbers);
  return type === 'date' ? { value, value_as_string: formatDate(value) } : { value };
}

/** Runs an `aggs` object over the matching hits. */
export function runAggregations(
  aggs: Spec,
  hits: HitSource[],
  indices: IndexState[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, rawSpec] of Object.entries(aggs)) {
    const spec = rawSpec as Spec;
    const subAggs = (spec.aggs ?? spec.aggregations) as Spec | undefined;
    const kinds = Object.keys(spec).filter((k) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta');
    const kind = kinds[0];
    if (kind === undefined) throw parsingError(`Missing definition for aggregation [${name}]`);
    const body = spec[kind] as Spec;
    if (kind === 'terms') out[name] = termsAggregation(body, hits, indices, subAggs);
    else if (['value_count', 'cardinality', 'min', 'max'].includes(kind))
      out[name] = metricAggregation(kind, body, hits, indices);
    else throw parsingError(`Unknown aggregation type [${kind}]`);
  }
  return out;
}
