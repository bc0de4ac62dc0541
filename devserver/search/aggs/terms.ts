/**
 * The `terms` aggregation (OPENSEARCH.md §6.6): a bucket per value with its document count, `size`,
 * `min_doc_count` (0 lists every value of the field), `order` (by `_count`, `_key` or a
 * sub-aggregation's value, ties by key), `include`/`exclude` (values, regular expression, partitions),
 * `missing`, and `value_type` for unmapped fields. Counts are exact (one shard per index): the error
 * bound is 0.
 */
import { illegalArgument } from '../../errors.js';
import { NumberColumn, TermColumn } from '../../store/columns.js';
import { parsingError } from '../shard.js';
import {
  BucketDocs,
  docsWithoutValue,
  fieldType,
  forEachValue,
  renderKey,
  requireField,
  type AggRunner,
  type AggValue,
  type DocSet,
  type Json,
} from './context.js';
import { includeExclude } from './include-exclude.js';
import { missingValue } from './metrics.js';

interface Bucket {
  key: AggValue;
  count: number;
  sub?: Json;
}

interface OrderClause {
  path: string;
  descending: boolean;
}

const valueTypes: Record<string, string> = {
  string: 'keyword',
  long: 'long',
  double: 'double',
  date: 'date',
  boolean: 'boolean',
  ip: 'ip',
  number: 'double',
  numeric: 'double',
};

function parseOrder(order: unknown): OrderClause[] {
  if (order === undefined) return [{ path: '_count', descending: true }];
  const items = Array.isArray(order) ? order : [order];
  return items.flatMap((item) =>
    Object.entries(item as Record<string, unknown>).map(([path, direction]) => {
      const text = String(direction).toLowerCase();
      if (text !== 'asc' && text !== 'desc')
        throw parsingError(`Unknown terms order direction [${String(direction)}]`);
      return { path: path === '_term' ? '_key' : path, descending: text === 'desc' };
    }),
  );
}

/** A sub-aggregation's value for ordering: `agg` (single value) or `agg.metric`. */
function subValue(sub: Json | undefined, path: string): number {
  const [name, metric] = path.split('.');
  const result = sub?.[name!] as Json | undefined;
  if (result === undefined)
    throw illegalArgument(`Invalid aggregation order path [${path}]. Unknown aggregation [${name}]`);
  const value = metric === undefined ? (result.value ?? result.doc_count) : result[metric];
  return typeof value === 'number' ? value : Number.NEGATIVE_INFINITY;
}

function compareKeys(a: AggValue, b: AggValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every value of `field` in the shards' columns (for `min_doc_count: 0`). */
function allValues(sets: DocSet[], field: string): AggValue[] {
  const values = new Set<AggValue>();
  for (const set of sets) {
    const column = set.shard.column(field);
    if (column instanceof TermColumn)
      for (let ord = 0; ord < column.dict.size; ord++) values.add(column.dict.term(ord));
    if (column instanceof NumberColumn)
      for (let i = 0; i < column.pairCount; i++) values.add(column.values.get(i));
  }
  return [...values];
}

/** Document counts per value, each document counted once per distinct value. */
function countValues(
  sets: DocSet[],
  field: string,
  accepts: (value: AggValue) => boolean,
  missing: AggValue | undefined,
) {
  const counts = new Map<AggValue, number>();
  for (const set of sets) {
    let currentDoc = -1;
    const seen = new Set<AggValue>();
    forEachValue(set, field, (doc, value) => {
      if (doc !== currentDoc) {
        currentDoc = doc;
        seen.clear();
      }
      if (seen.has(value) || !accepts(value)) return;
      seen.add(value);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    });
    if (missing !== undefined && accepts(missing)) {
      const without = docsWithoutValue(set, field).length;
      if (without > 0) counts.set(missing, (counts.get(missing) ?? 0) + without);
    }
  }
  return counts;
}

/** The documents of each chosen bucket, for its sub-aggregations. */
function bucketDocs(
  sets: DocSet[],
  field: string,
  keys: Set<AggValue>,
  missing: AggValue | undefined,
): Map<AggValue, BucketDocs> {
  const docs = new Map<AggValue, BucketDocs>();
  const bucketOf = (key: AggValue): BucketDocs => {
    let bucket = docs.get(key);
    if (!bucket) docs.set(key, (bucket = new BucketDocs()));
    return bucket;
  };
  for (const set of sets) {
    forEachValue(set, field, (doc, value) => {
      if (keys.has(value)) bucketOf(value).add(set, doc);
    });
    if (missing !== undefined && keys.has(missing))
      for (const doc of docsWithoutValue(set, field)) bucketOf(missing).add(set, doc);
  }
  return docs;
}

export const termsAggregation: AggRunner = (name, body, sets, context, subAggs) => {
  const field = requireField('terms', body);
  const type =
    fieldType(sets, field) ?? (typeof body.value_type === 'string' ? valueTypes[body.value_type] : undefined);
  const size = body.size === undefined ? 10 : Number(body.size);
  if (!Number.isInteger(size) || size < 1)
    throw illegalArgument(`[size] must be greater than 0. Found [${String(body.size)}] in [${name}]`);
  const minDocCount = body.min_doc_count === undefined ? 1 : Number(body.min_doc_count);
  const order = parseOrder(body.order);
  const filter = includeExclude(body.include, body.exclude, type, name) ?? (() => true);
  const missing = body.missing === undefined ? undefined : missingValue(body.missing, type);

  const counts = countValues(sets, field, filter, missing);
  if (minDocCount === 0)
    for (const value of allValues(sets, field)) if (filter(value) && !counts.has(value)) counts.set(value, 0);
  let buckets: Bucket[] = [...counts]
    .filter(([, count]) => count >= minDocCount)
    .map(([key, count]) => ({ key, count }));

  const needsSubAggs = subAggs !== undefined;
  const ordersBySub = order.some((clause) => clause.path !== '_count' && clause.path !== '_key');
  const computeSub = (chosen: Bucket[]): void => {
    if (!needsSubAggs) return;
    const docs = bucketDocs(sets, field, new Set(chosen.map((b) => b.key)), missing);
    for (const bucket of chosen) bucket.sub = context.runSubAggs(subAggs, docs.get(bucket.key)?.sets() ?? []);
  };
  if (ordersBySub) computeSub(buckets);
  buckets.sort((a, b) => {
    for (const clause of order) {
      const x =
        clause.path === '_count' ? a.count : clause.path === '_key' ? a.key : subValue(a.sub, clause.path);
      const y =
        clause.path === '_count' ? b.count : clause.path === '_key' ? b.key : subValue(b.sub, clause.path);
      const c = compareKeys(x, y);
      if (c !== 0) return clause.descending ? -c : c;
    }
    return compareKeys(a.key, b.key);
  });
  const shown = buckets.slice(0, size);
  const other = buckets.slice(size).reduce((sum, bucket) => sum + bucket.count, 0);
  buckets = shown;
  if (!ordersBySub) computeSub(buckets);
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: other,
    buckets: buckets.map((bucket) => ({
      ...renderKey(bucket.key, type),
      doc_count: bucket.count,
      ...(bucket.sub ?? {}),
    })),
  };
};
