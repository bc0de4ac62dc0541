/**
 * What aggregations work on: the matching documents of each shard (`DocSet`s, document numbers in
 * order, with the shard's scores for `top_hits`), and readers of a field's values for given
 * documents. An aggregation runs over the sets of every shard at once and merges by value, so a
 * bucket spans indices; a sub-aggregation runs over the bucket's own sets.
 */
import { OpenSearchError } from '../../errors.js';
import type { FlavorTraits } from '../../flavor.js';
import { formatDate } from '../../mapping/dates.js';
import type { Zone } from '../../mapping/time-zones.js';
import { NumberColumn, type FieldColumn } from '../../store/columns.js';
import { parsingError, type Scores, type Shard } from '../shard.js';
import { checkDocValues } from '../sort.js';

export type Json = Record<string, unknown>;

export interface DocSet {
  shard: Shard;
  docs: Int32Array;
  scores: Scores;
}

export interface AggContext {
  traits: FlavorTraits;
  now: number;
  /** Runs the sub-aggregations of a bucket. */
  runSubAggs(subAggs: Json | undefined, sets: DocSet[]): Json;
}

export type AggRunner = (
  name: string,
  body: Json,
  sets: DocSet[],
  context: AggContext,
  subAggs: Json | undefined,
) => Json;

/** `[1:1] [name] failed to parse field [x]` with the builder's message as its cause. */
export function aggParseError(aggType: string, fieldName: string, reason: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'x_content_parse_exception',
    `[1:1] [${aggType}] failed to parse field [${fieldName}]`,
    {},
    {
      type: 'illegal_argument_exception',
      reason,
    },
  );
}

export function requireField(aggType: string, body: Json): string {
  if (typeof body.field !== 'string') {
    if (body.script !== undefined)
      throw parsingError(`the dev server does not implement scripts in [${aggType}] aggregations`);
    throw new OpenSearchError(
      400,
      'illegal_argument_exception',
      'Required one of fields [field, script], but none were specified. ',
    );
  }
  return body.field;
}

/** A value of a field as aggregations see it: a number (numerics, dates, booleans) or a term. */
export type AggValue = number | string;

/** The field's type across shards (the first that maps it); text fields fail as sorting does. */
export function fieldType(sets: DocSet[], field: string): string | undefined {
  let type: string | undefined;
  for (const set of sets) type ??= checkDocValues(set.shard.index, field, undefined, 'agg');
  return type;
}

/** Calls `visit` with each value of `field` in each document of `set` (document by document). */
export function forEachValue(
  set: DocSet,
  field: string,
  visit: (doc: number, value: AggValue) => void,
): void {
  const read = valueReader(set, field);
  for (const doc of set.docs) for (const value of read(doc)) visit(doc, value);
}

/** A reader of one document's values of `field` in `set` (the returned array is reused). */
export function valueReader(set: DocSet, field: string): (doc: number) => AggValue[] {
  const column: FieldColumn | undefined = set.shard.column(field);
  const values: AggValue[] = [];
  if (!column) return () => values;
  const index = column.docIndex(set.shard.docCount);
  return (doc) => {
    values.length = 0;
    const [from, to] = column.pairsOf(index, doc);
    if (column instanceof NumberColumn) for (let i = from; i < to; i++) values.push(column.values.array[i]!);
    else for (let i = from; i < to; i++) values.push(column.dict.term(column.ords.array[i]!));
    return values;
  };
}

/** Documents of the set with no value in `field`. */
export function docsWithoutValue(set: DocSet, field: string): number[] {
  const column = set.shard.column(field);
  if (!column) return [...set.docs];
  const index = column.docIndex(set.shard.docCount);
  return [...set.docs].filter((doc) => (index[doc] ?? -1) < 0);
}

/** The sets restricted to the documents `keep` accepts. */
export function filterSets(sets: DocSet[], keep: (set: DocSet, doc: number) => boolean): DocSet[] {
  return sets.map((set) => ({ ...set, docs: set.docs.filter((doc) => keep(set, doc)) }));
}

export function totalDocs(sets: DocSet[]): number {
  return sets.reduce((sum, set) => sum + set.docs.length, 0);
}

/** Bucket key rendering: dates and booleans get `key_as_string`; numbers stay numbers. */
export function renderKey(
  value: AggValue,
  type: string | undefined,
  format?: string,
  zone?: Zone,
): { key: unknown; key_as_string?: string } {
  if (type === 'boolean') return { key: value, key_as_string: value === 1 ? 'true' : 'false' };
  if ((type === 'date' || type === 'date_nanos') && typeof value === 'number') {
    return { key: value, key_as_string: formatDate(value, format, zone) };
  }
  return { key: value };
}

/** Merges bucket sets: the documents of each shard that fell into a bucket. */
export class BucketDocs {
  private readonly perShard = new Map<Shard, { docs: number[]; scores: Scores }>();

  add(set: DocSet, doc: number): void {
    let entry = this.perShard.get(set.shard);
    if (!entry) {
      entry = { docs: [], scores: set.scores };
      this.perShard.set(set.shard, entry);
    }
    if (entry.docs[entry.docs.length - 1] !== doc) entry.docs.push(doc);
  }

  get count(): number {
    let count = 0;
    for (const entry of this.perShard.values()) count += entry.docs.length;
    return count;
  }

  sets(): DocSet[] {
    return [...this.perShard].map(([shard, entry]) => ({
      shard,
      docs: Int32Array.from(entry.docs),
      scores: entry.scores,
    }));
  }
}
