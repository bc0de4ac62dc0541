/**
 * The `composite` aggregation (OPENSEARCH.md §6.6): buckets for every combination of its sources'
 * values (`terms`, `date_histogram`, `histogram`), ordered by the sources, `size` at a time; `after`
 * continues after a bucket key, and `after_key` is the key to continue from. `missing_bucket` gives
 * documents without a value a `null` key (first in ascending order).
 */
import { illegalArgument } from '../../errors.js';
import { parseZone, utc } from '../../mapping/time-zones.js';
import { parsingError } from '../shard.js';
import {
  BucketDocs,
  fieldType,
  valueReader,
  renderKey,
  type AggRunner,
  type AggValue,
  type DocSet,
  type Json,
} from './context.js';
import { parseRounding } from './date-histogram.js';
import { missingValue } from './metrics.js';

interface Source {
  name: string;
  field: string;
  descending: boolean;
  missingBucket: boolean;
  type: string | undefined;
  /** Maps a field value to its key in this source (rounding for histograms). */
  key(value: AggValue): AggValue;
  format?: string;
}

type Key = (AggValue | null)[];

function parseSources(raw: unknown, sets: DocSet[]): Source[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw parsingError('Composite [sources] cannot be null or empty');
  return raw.map((entry) => {
    const [name, spec] = Object.entries(entry as Json)[0] ?? [];
    const [kind, body] = Object.entries((spec ?? {}) as Json)[0] ?? [];
    const options = (body ?? {}) as Json;
    if (typeof options.field !== 'string')
      throw parsingError(`Required one of fields [field, script], but none were specified.`);
    const field = options.field;
    const base = {
      name: name!,
      field,
      descending: String(options.order ?? 'asc') === 'desc',
      missingBucket: options.missing_bucket === true,
      type: fieldType(sets, field),
    };
    if (kind === 'terms') return { ...base, key: (value: AggValue) => value };
    if (kind === 'date_histogram') {
      const rounding = parseRounding(
        options,
        typeof options.time_zone === 'string' ? parseZone(options.time_zone) : utc,
      );
      return {
        ...base,
        type: 'date',
        key: (value: AggValue) => rounding.round(value as number),
        format: options.format as string | undefined,
      };
    }
    if (kind === 'histogram') {
      const interval = Number(options.interval);
      if (!(interval > 0)) throw illegalArgument(`[interval] must be >0 for histogram aggregation [${name}]`);
      return {
        ...base,
        type: 'double',
        key: (value: AggValue) => Math.floor((value as number) / interval) * interval,
      };
    }
    throw parsingError(`the dev server does not implement composite sources of type [${String(kind)}]`);
  });
}

function compareKeys(a: Key, b: Key, sources: Source[]): number {
  for (let i = 0; i < sources.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return sources[i]!.descending ? -order : order;
  }
  return 0;
}

/** Every key of a document: the product of its sources' values. */
function documentKeys(values: (AggValue | null)[][]): Key[] {
  let keys: Key[] = [[]];
  for (const choices of values) keys = keys.flatMap((prefix) => choices.map((value) => [...prefix, value]));
  return keys;
}

export const compositeAggregation: AggRunner = (_name, body, sets, context, subAggs) => {
  const sources = parseSources(body.sources, sets);
  const size = body.size === undefined ? 10 : Number(body.size);
  const after = body.after as Json | undefined;
  const afterKey: Key | undefined =
    after && sources.map((s) => (after[s.name] === null ? null : missingValue(after[s.name], s.type)));

  // One source: the value itself is the bucket's identity; several: their typed values joined.
  const identity = (key: Key): unknown =>
    key.length === 1 ? key[0] : key.map((v) => (v === null ? '\u0001' : `${typeof v}:${v}`)).join('\u0000');
  const buckets = new Map<unknown, { key: Key; count: number; docs?: BucketDocs }>();
  for (const set of sets) {
    const readers = sources.map((source) => valueReader(set, source.field));
    for (const doc of set.docs) {
      const choices = sources.map((source, i) => {
        const keys = [...new Set(readers[i]!(doc).map((value) => source.key(value)))];
        return keys.length > 0 ? keys : source.missingBucket ? [null] : [];
      });
      if (choices.some((keys) => keys.length === 0)) continue;
      for (const key of documentKeys(choices)) {
        if (afterKey && compareKeys(key, afterKey, sources) <= 0) continue;
        const id = identity(key);
        let bucket = buckets.get(id);
        if (!bucket)
          buckets.set(id, (bucket = { key, count: 0, docs: subAggs ? new BucketDocs() : undefined }));
        bucket.count++;
        bucket.docs?.add(set, doc);
      }
    }
  }
  const page = [...buckets.values()].sort((a, b) => compareKeys(a.key, b.key, sources)).slice(0, size);
  const renderedKey = (key: Key): Json =>
    Object.fromEntries(
      sources.map((source, i) => {
        const value = key[i] ?? null;
        if (value === null || source.type !== 'date')
          return [source.name, value === null ? null : renderKey(value, source.type).key];
        return [source.name, source.format ? renderKey(value, 'date', source.format).key_as_string : value];
      }),
    );
  const result: Json = {};
  if (page.length > 0) result.after_key = renderedKey(page[page.length - 1]!.key);
  result.buckets = page.map((bucket) => ({
    key: renderedKey(bucket.key),
    doc_count: bucket.count,
    ...(subAggs ? context.runSubAggs(subAggs, bucket.docs!.sets()) : {}),
  }));
  return result;
};
