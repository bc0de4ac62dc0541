/**
 * Search sorting (OPENSEARCH.md §6.3): field sorts on keyword, numeric, date, boolean and ip values,
 * `_score` and `_doc`; `missing`, `mode`, `unmapped_type` and a date `format`; 400s for text fields
 * (no fielddata) and for unmapped fields without `unmapped_type`. The same keys drive `search_after`.
 */
import { OpenSearchError, illegalArgument, shardMeta } from '../errors.js';
import type { IndexState } from '../index-state.js';
import { formatDate } from '../mapping/dates.js';
import { parseIp } from '../mapping/ip.js';
import { numericTypes, textLikeTypes } from '../mapping/model.js';
import { NumberColumn, TermColumn } from '../store/columns.js';
import { ShardQueryError, parsingError, type Shard } from './shard.js';

export interface SortClause {
  field: string;
  descending: boolean;
  unmappedType?: string;
  missing?: unknown;
  mode?: string;
  format?: string;
}

/** A document's value for one sort clause: a number, a term, or null when it has none. */
export type SortValue = number | string | null;

/** Accepts `"f"`, `{"f":"desc"}`, `{"f":{"order":"desc",...}}` and arrays of them, plus the URL form `f:desc`. */
export function parseSort(sort: unknown): SortClause[] {
  if (sort === undefined) return [];
  const items = Array.isArray(sort) ? sort : [sort];
  return items.map((item): SortClause => {
    if (typeof item === 'string') {
      const [field, order] = item.split(':');
      return { field: field!, descending: order === 'desc' || (order === undefined && field === '_score') };
    }
    if (typeof item !== 'object' || item === null) throw parsingError(`[sort] failed to parse field [sort]`);
    const [field, spec] = Object.entries(item as Record<string, unknown>)[0] ?? ['', {}];
    const options = (typeof spec === 'string' ? { order: spec } : (spec ?? {})) as Record<string, unknown>;
    const order = String(options.order ?? (field === '_score' ? 'desc' : 'asc')).toLowerCase();
    if (order !== 'asc' && order !== 'desc')
      throw illegalArgument(`Unknown SortOrder [${String(options.order)}]`);
    return {
      field,
      descending: order === 'desc',
      unmappedType: options.unmapped_type === undefined ? undefined : String(options.unmapped_type),
      missing: options.missing,
      mode: options.mode === undefined ? undefined : String(options.mode),
      format: options.format === undefined ? undefined : String(options.format),
    };
  });
}

const fielddataMessage = (field: string): string =>
  `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, ` +
  `so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true ` +
  `on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`;

/** Throws the shard failure OpenSearch raises when `field` cannot be sorted or aggregated on. */
export function checkDocValues(
  index: IndexState,
  field: string,
  unmappedType: string | undefined,
  purpose: 'sort' | 'agg',
): string | undefined {
  const leaf = index.fieldIndex.leaves.get(field);
  const meta = shardMeta(index.name, index.uuid);
  if (!leaf) {
    if (purpose === 'agg' || unmappedType !== undefined) return undefined;
    throw new ShardQueryError(
      new OpenSearchError(
        400,
        'query_shard_exception',
        `No mapping found for [${field}] in order to sort on`,
        meta,
      ),
    );
  }
  if (textLikeTypes.has(leaf.type) && leaf.node.fielddata !== true) {
    throw new ShardQueryError(
      new OpenSearchError(400, 'illegal_argument_exception', fielddataMessage(field), meta),
    );
  }
  return leaf.type;
}

/** Reads the sort values of documents of one shard. */
export class SortKeys {
  private readonly readers: ((doc: number, score: number) => SortValue)[];
  readonly types: (string | undefined)[];

  constructor(
    readonly shard: Shard,
    readonly clauses: SortClause[],
  ) {
    this.types = clauses.map((clause) =>
      clause.field === '_score' || clause.field === '_doc'
        ? clause.field
        : (checkDocValues(shard.index, clause.field, clause.unmappedType, 'sort') ?? clause.unmappedType),
    );
    this.readers = clauses.map((clause, i) => this.reader(clause, this.types[i]));
  }

  values(doc: number, score: number): SortValue[] {
    return this.readers.map((read) => read(doc, score));
  }

  private reader(clause: SortClause, type: string | undefined): (doc: number, score: number) => SortValue {
    if (clause.field === '_score') return (_doc, score) => score;
    if (clause.field === '_doc') return (doc) => doc;
    const column = this.shard.column(clause.field);
    if (!column || type === undefined) return () => null;
    const pickMax = clause.mode === 'max' || (clause.mode === undefined && clause.descending);
    const index = column.docIndex(this.shard.docCount);
    if (column instanceof NumberColumn) {
      const values = column.values.array;
      return (doc) => {
        const [from, to] = column.pairsOf(index, doc);
        if (from === to) return null;
        let best = values[from]!;
        for (let i = from + 1; i < to; i++)
          best = pickMax ? Math.max(best, values[i]!) : Math.min(best, values[i]!);
        return best;
      };
    }
    const terms = column as TermColumn;
    const isIp = type === 'ip';
    const before = (a: string, b: string): boolean => (isIp ? parseIp(a)! < parseIp(b)! : a < b);
    return (doc) => {
      const [from, to] = terms.pairsOf(index, doc);
      if (from === to) return null;
      let best = terms.dict.term(terms.ords.array[from]!);
      for (let i = from + 1; i < to; i++) {
        const term = terms.dict.term(terms.ords.array[i]!);
        if (pickMax ? before(best, term) : before(term, best)) best = term;
      }
      return best;
    };
  }
}

function compareValues(a: SortValue, b: SortValue, type: string | undefined): number {
  if (type === 'ip' && typeof a === 'string' && typeof b === 'string') {
    const x = parseIp(a)!;
    const y = parseIp(b)!;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

/** Orders two documents' sort values; missing values go last unless `missing: _first`. */
export function compareSortValues(
  a: SortValue[],
  b: SortValue[],
  clauses: SortClause[],
  types: (string | undefined)[],
): number {
  for (let i = 0; i < clauses.length; i++) {
    const clause = clauses[i]!;
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === null || y === null) {
      if (x === y) continue;
      const missingLast = x === null ? 1 : -1;
      return clause.missing === '_first' ? -missingLast : missingLast;
    }
    const order = compareValues(x, y, types[i]);
    if (order !== 0) return clause.descending ? -order : order;
  }
  return 0;
}

/** How a sort value appears in a hit's `sort` array (a missing number is Long.MAX/MIN, as in OpenSearch). */
export function renderSortValue(value: SortValue, clause: SortClause, type: string | undefined): unknown {
  if (value === null) {
    if (type === undefined || !(numericTypes.has(type) || type === 'date' || type === 'date_nanos'))
      return null;
    if (type === 'double' || type === 'float' || type === 'half_float' || type === 'scaled_float')
      return null;
    const last = clause.missing !== '_first';
    return last !== clause.descending ? 9223372036854775807n : -9223372036854775808n;
  }
  if ((type === 'date' || type === 'date_nanos') && clause.format && typeof value === 'number') {
    return formatDate(value, clause.format);
  }
  return value;
}

/** A `search_after` value in the form `compareSortValues` compares. */
export function afterValue(value: unknown, type: string | undefined, field: string): SortValue {
  if (value === null) return null;
  if (type === 'keyword' || type === 'ip' || type === 'wildcard' || type === 'constant_keyword')
    return String(value);
  const number = Number(value);
  if (Number.isNaN(number)) throw illegalArgument(`Failed to parse search_after value for field [${field}].`);
  return number;
}
