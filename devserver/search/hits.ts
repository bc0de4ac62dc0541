/**
 * The hits of a search: the best `from + size` documents across shards (by score, or by `sort` then
 * `search_after`), kept in a bounded heap so a million matches cost a scan, not a sort; and each
 * hit rendered as OpenSearch renders it (`_index`, `_id`, `_score`, `_ignored`, `_source` filtered,
 * `sort`, optional `_version`, `_seq_no`/`_primary_term`, `fields` from doc values).
 */
import type { FlavorTraits } from '../flavor.js';
import { ignoredField } from '../index-state.js';
import { isJsonObject, parseJson } from '../json.js';
import { formatDate } from '../mapping/dates.js';
import { NumberColumn, TermColumn } from '../store/columns.js';
import type { Shard } from './shard.js';
import { renderSortValue, type SortClause, type SortValue } from './sort.js';
import { applySourceFilter, type SourceFilter } from './source-filter.js';

export interface Candidate {
  /** Position of the shard in the request (ties go to the earlier index). */
  shardPosition: number;
  shard: Shard;
  doc: number;
  score: number;
  sortValues: SortValue[];
}

/** Keeps the `capacity` best items seen, by `better` (a total order). */
export class TopK<T> {
  private readonly heap: T[] = [];

  constructor(
    private readonly capacity: number,
    /** Negative when `a` ranks before `b`. */
    private readonly compare: (a: T, b: T) => number,
  ) {}

  /** Whether an item ranked like `probe` would enter (saves building items that would not). */
  wouldAccept(probe: T): boolean {
    if (this.capacity === 0) return false;
    return this.heap.length < this.capacity || this.compare(probe, this.heap[0]!) < 0;
  }

  offer(item: T): void {
    if (this.capacity === 0) return;
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push(item);
      this.siftUp(heap.length - 1);
    } else if (this.compare(item, heap[0]!) < 0) {
      heap[0] = item;
      this.siftDown(0);
    }
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.heap].sort(this.compare);
  }

  // The root is the worst kept item: a max-heap under `compare`.
  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && this.compare(heap[left]!, heap[worst]!) > 0) worst = left;
      if (right < heap.length && this.compare(heap[right]!, heap[worst]!) > 0) worst = right;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  }
}

export interface HitOptions {
  traits: FlavorTraits;
  source: SourceFilter;
  version: boolean;
  seqNoPrimaryTerm: boolean;
  /** Scores are reported (no sort, or `track_scores`). */
  scored: boolean;
  sort: SortClause[];
  sortTypes: (shard: Shard) => (string | undefined)[];
  /** `docvalue_fields` / `fields`: field names (or patterns) and optional date formats. */
  docValueFields: HitField[];
}

export interface HitField {
  field: string;
  format?: string;
  /** Asked by the `fields` option: returned only when the stored `_source` holds the field. */
  fromSource: boolean;
}

/** Whether `source` holds a value at the dotted `path`, written nested (`{"a":{"b":1}}`) or dotted (`{"a.b":1}`). */
function holdsPath(source: unknown, path: string): boolean {
  if (Array.isArray(source)) return source.some((item) => holdsPath(item, path));
  if (!isJsonObject(source)) return false;
  if (source[path] !== undefined && source[path] !== null) return true;
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    if (holdsPath(source[path.slice(0, dot)], path.slice(dot + 1))) return true;
  }
  return false;
}

function docValues(
  shard: Shard,
  doc: number,
  field: string,
  format: string | undefined,
): unknown[] | undefined {
  const column = shard.column(field);
  if (!column) return undefined;
  const [from, to] = column.pairsOf(column.docIndex(shard.docCount), doc);
  if (from === to) return undefined;
  const values: unknown[] = [];
  const type = shard.leaf(field)?.type;
  for (let i = from; i < to; i++) {
    if (column instanceof NumberColumn) {
      const value = column.values.get(i);
      if (type === 'date' || type === 'date_nanos') values.push(formatDate(value, format));
      else if (type === 'boolean') values.push(value === 1);
      else values.push(value);
    } else {
      const terms = column as TermColumn;
      values.push(terms.dict.term(terms.ords.get(i)));
    }
  }
  return values;
}

export function renderHit(candidate: Candidate, options: HitOptions): Record<string, unknown> {
  const { shard, doc } = candidate;
  const index = shard.index;
  const hit: Record<string, unknown> = { _index: index.name };
  if (options.traits.reportsType) hit._type = '_doc';
  hit._id = index.docs.id(doc);
  if (options.version) hit._version = index.docs.version(doc);
  if (options.seqNoPrimaryTerm) Object.assign(hit, { _seq_no: index.docs.seqNo(doc), _primary_term: 1 });
  hit._score = options.scored ? candidate.score : null;
  const routing = index.docs.routing(doc);
  if (routing !== undefined) hit._routing = routing;
  const ignored = docValues(shard, doc, ignoredField, undefined);
  if (ignored) hit._ignored = ignored;
  const source = applySourceFilter(index.source(doc), options.source);
  if (source !== undefined) hit._source = source;
  if (options.docValueFields.length > 0) {
    const fields: Record<string, unknown[]> = {};
    let stored: unknown;
    for (const { field, format, fromSource } of options.docValueFields) {
      if (fromSource) {
        stored ??= parseJson(index.source(doc)).value;
        if (!holdsPath(stored, field)) continue;
      }
      const values = docValues(shard, doc, field, format);
      if (values) fields[field] = values;
    }
    if (Object.keys(fields).length > 0) hit.fields = fields;
  }
  if (options.sort.length > 0) {
    const types = options.sortTypes(shard);
    hit.sort = candidate.sortValues.map((value, i) => renderSortValue(value, options.sort[i]!, types[i]));
  }
  return hit;
}
