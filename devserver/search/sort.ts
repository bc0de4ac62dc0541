/**
 * Search sorting (spec §6.3): field sorts on keyword, numeric, date, boolean and ip values, `_score`
 * and `_doc`; 400s for text fields (no fielddata) and for unmapped fields without `unmapped_type`.
 */
import type { IndexState, StoredDocument } from '../cluster.js';
import { OpenSearchError, illegalArgument, shardMeta } from '../errors.js';
import { formatIp } from '../mapping/ip.js';
import { textLikeTypes } from '../mapping/model.js';
import type { IndexedValue } from '../mapping/values.js';
import { ShardQueryError, parsingError } from './query.js';

export interface SortClause {
  field: string;
  descending: boolean;
  unmappedType?: string;
  missingFirst: boolean;
  mode?: string;
}

/** Accepts `"f"`, `{"f":"desc"}`, `{"f":{"order":"desc",...}}` and arrays of them, plus the URL form `f:desc`. */
export function parseSort(sort: unknown): SortClause[] {
  if (sort === undefined) return [];
  const items = Array.isArray(sort) ? sort : [sort];
  return items.map((item): SortClause => {
    if (typeof item === 'string') {
      const [field, order] = item.split(':');
      return {
        field: field!,
        descending: order === 'desc' || (order === undefined && field === '_score'),
        missingFirst: false,
      };
    }
    if (typeof item !== 'object' || item === null) throw parsingError(`[sort] failed to parse field [sort]`);
    const [field, spec] = Object.entries(item as Record<string, unknown>)[0] ?? ['', {}];
    const options = (typeof spec === 'string' ? { order: spec } : (spec ?? {})) as Record<string, unknown>;
    const order = String(options.order ?? (field === '_score' ? 'desc' : 'asc')).toLowerCase();
    if (order !== 'asc' && order !== 'desc') {
      throw illegalArgument(`Unknown SortOrder [${String(options.order)}]`);
    }
    return {
      field,
      descending: order === 'desc',
      unmappedType: options.unmapped_type === undefined ? undefined : String(options.unmapped_type),
      missingFirst: options.missing === '_first',
      mode: options.mode === undefined ? undefined : String(options.mode),
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

/** The value a document sorts by: min for ascending, max for descending (the default `mode`). */
export function sortValue(
  doc: StoredDocument,
  clause: SortClause,
  type: string | undefined,
): IndexedValue | null {
  const values = doc.fields.get(clause.field);
  if (!values || values.length === 0 || type === undefined) return null;
  const pickMax = clause.mode === 'max' || (clause.mode === undefined && clause.descending);
  let best = values[0]!;
  for (const v of values) if (pickMax ? v > best : v < best) best = v;
  if (typeof best === 'boolean') return best ? 1 : 0;
  return best;
}

/** How a sort value appears in a hit's `sort` array. */
export function renderSortValue(value: IndexedValue | null): unknown {
  if (typeof value === 'bigint') return formatIp(value);
  return value;
}

export function compareSortValues(
  a: IndexedValue | null,
  b: IndexedValue | null,
  clause: SortClause,
): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    const missingLast = a === null ? 1 : -1;
    return clause.missingFirst ? -missingLast : missingLast;
  }
  const order = a < b ? -1 : a > b ? 1 : 0;
  return clause.descending ? -order : order;
}
