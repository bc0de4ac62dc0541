/**
 * `_search` and `_count` over one or more indices (spec §6.3). Each index is one shard: per-shard
 * failures (bad query values, unsortable fields) are collected and, when every shard failed, turned
 * into OpenSearch's 400 `search_phase_execution_exception` "all shards failed".
 */
import type { IndexState } from '../cluster.js';
import { OpenSearchError, renderCause, type ErrorCause } from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
import { illegalArgument } from '../errors.js';
import { tokenName } from '../json.js';
import { runAggregations, type HitSource } from './aggs.js';
import { ShardQueryError, compileQuery, parsingError, type Matcher } from './query.js';
import {
  checkDocValues,
  compareSortValues,
  parseSort,
  renderSortValue,
  sortValue,
  type SortClause,
} from './sort.js';
import { applySourceFilter, parseSourceFilter } from './source-filter.js';
import type { IndexedValue } from '../mapping/values.js';
import { intSetting } from '../settings.js';

const searchBodyKeys = new Set([
  'query',
  'size',
  'from',
  'sort',
  'track_total_hits',
  '_source',
  'aggs',
  'aggregations',
  'timeout',
  'track_scores',
  'version',
  'seq_no_primary_term',
  'explain',
  'stored_fields',
  'docvalue_fields',
  'fields',
  'highlight',
  'min_score',
  'post_filter',
  'search_after',
  'terminate_after',
  'profile',
  'collapse',
  'script_fields',
  'indices_boost',
  'suggest',
  'stats',
  'ext',
]);

export interface SearchOptions {
  traits: FlavorTraits;
  now: number;
  restTotalHitsAsInt?: boolean;
}

interface ShardFailure {
  index: IndexState;
  error: OpenSearchError;
}

interface ScoredHit extends HitSource {
  score: number;
  sortValues: (IndexedValue | null)[];
}

function checkBodyKeys(body: Record<string, unknown>, allowed: Set<string>, count: boolean): void {
  for (const [key, value] of Object.entries(body)) {
    if (allowed.has(key)) continue;
    if (count) throw parsingError(`request does not support [${key}]`);
    throw parsingError(`Unknown key for a ${tokenName(value)} in [${key}].`);
  }
}

function allShardsFailed(failures: ShardFailure[]): OpenSearchError {
  const causes: ErrorCause[] = failures.map((f) => f.error.asCause);
  const first = failures[0]!.error;
  return new OpenSearchError(
    first.status,
    'search_phase_execution_exception',
    'all shards failed',
    {
      phase: 'query',
      grouped: true,
      failed_shards: failures.map((f) => ({
        shard: 0,
        index: f.index.name,
        node: 'devserver-node',
        reason: renderCause(f.error.asCause),
      })),
    },
    first.asCause,
    causes,
  );
}

function aggregationFields(aggs: unknown): string[] {
  if (typeof aggs !== 'object' || aggs === null) return [];
  return Object.values(aggs as Record<string, Record<string, unknown>>).flatMap((spec) => {
    const fields = Object.values(spec)
      .map((inner) => (inner as Record<string, unknown> | undefined)?.field)
      .filter((f): f is string => typeof f === 'string');
    return [...fields, ...aggregationFields(spec.aggs ?? spec.aggregations)];
  });
}

/** Runs the query on every index, collecting per-shard failures. */
function collectHits(
  indices: IndexState[],
  query: unknown,
  now: number,
  prepare: (index: IndexState) => void,
): { hits: ScoredHit[]; failures: ShardFailure[]; ok: IndexState[] } {
  const hits: ScoredHit[] = [];
  const failures: ShardFailure[] = [];
  const ok: IndexState[] = [];
  for (const index of indices) {
    let matcher: Matcher;
    try {
      matcher = compileQuery(query, index, now);
      prepare(index);
    } catch (error) {
      if (error instanceof ShardQueryError) {
        failures.push({ index, error: error.error });
        continue;
      }
      throw error;
    }
    ok.push(index);
    for (const doc of index.searchView(now)) {
      const score = matcher(doc);
      if (score !== null) hits.push({ doc, index, score, sortValues: [] });
    }
  }
  if (failures.length > 0 && ok.length === 0) throw allShardsFailed(failures);
  return { hits, failures, ok };
}

function shardsBlock(total: number, failures: ShardFailure[]): Record<string, unknown> {
  const block: Record<string, unknown> = {
    total,
    successful: total - failures.length,
    skipped: 0,
    failed: failures.length,
  };
  if (failures.length > 0) {
    block.failures = failures.map((f) => ({
      shard: 0,
      index: f.index.name,
      node: 'devserver-node',
      reason: renderCause(f.error.asCause),
    }));
  }
  return block;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number))
    throw illegalArgument(`Failed to parse int parameter [${name}] with value [${String(value)}]`);
  if (number < 0) throw illegalArgument(`[${name}] parameter cannot be negative, found [${number}]`);
  return number;
}

export function executeSearch(
  indices: IndexState[],
  body: Record<string, unknown>,
  options: SearchOptions,
): Record<string, unknown> {
  const started = Date.now();
  checkBodyKeys(body, searchBodyKeys, false);
  const size = nonNegative('size', body.size, 10);
  const from = nonNegative('from', body.from, 0);
  const sort: SortClause[] = parseSort(body.sort);
  const sourceFilter = parseSourceFilter(body._source);
  const aggs = (body.aggs ?? body.aggregations) as Record<string, unknown> | undefined;
  const sortTypes = new Map<IndexState, (string | undefined)[]>();

  const { hits, failures, ok } = collectHits(indices, body.query, options.now, (index) => {
    const window = intSetting(index.settings, 'index.max_result_window', 10000);
    if (from + size > window) {
      throw new ShardQueryError(
        illegalArgument(
          `Result window is too large, from + size must be less than or equal to: [${window}] but was [${from + size}]. ` +
            `See the scroll api for a more efficient way to request large data sets. This limit can be set by changing ` +
            `the [index.max_result_window] index level setting.`,
        ),
      );
    }
    sortTypes.set(
      index,
      sort.map((clause) =>
        clause.field === '_score' || clause.field === '_doc'
          ? clause.field
          : (checkDocValues(index, clause.field, clause.unmappedType, 'sort') ?? clause.unmappedType),
      ),
    );
    for (const field of aggregationFields(aggs)) checkDocValues(index, field, undefined, 'agg');
  });

  const indexOrder = new Map(indices.map((index, i) => [index, i]));
  for (const hit of hits) {
    const types = sortTypes.get(hit.index)!;
    hit.sortValues = sort.map((clause, i) => {
      if (clause.field === '_score') return hit.score;
      if (clause.field === '_doc') return hit.doc.order;
      return sortValue(hit.doc, clause, types[i]);
    });
  }
  const tieBreak = (a: ScoredHit, b: ScoredHit): number =>
    indexOrder.get(a.index)! - indexOrder.get(b.index)! || a.doc.order - b.doc.order;
  hits.sort((a, b) => {
    if (sort.length === 0) return b.score - a.score || tieBreak(a, b);
    for (let i = 0; i < sort.length; i++) {
      const c = compareSortValues(a.sortValues[i]!, b.sortValues[i]!, sort[i]!);
      if (c !== 0) return c;
    }
    return tieBreak(a, b);
  });

  const scored = sort.length === 0 || body.track_scores === true;
  const page = hits.slice(from, from + size).map((hit) => {
    const rendered: Record<string, unknown> = { _index: hit.index.name };
    if (options.traits.reportsType) rendered._type = '_doc';
    rendered._id = hit.doc.id;
    if (body.version === true) rendered._version = hit.doc.version;
    if (body.seq_no_primary_term === true)
      Object.assign(rendered, { _seq_no: hit.doc.seqNo, _primary_term: hit.doc.primaryTerm });
    rendered._score = scored ? hit.score : null;
    const source = applySourceFilter(hit.doc.sourceText, sourceFilter);
    if (source !== undefined) rendered._source = source;
    if (sort.length > 0) rendered.sort = hit.sortValues.map(renderSortValue);
    return rendered;
  });

  const hitsBlock: Record<string, unknown> = {};
  const total = totalHits(hits.length, body.track_total_hits);
  if (total) hitsBlock.total = options.restTotalHitsAsInt ? total.value : total;
  hitsBlock.max_score = scored && page.length > 0 ? Math.max(...hits.map((h) => h.score)) : null;
  hitsBlock.hits = page;

  const response: Record<string, unknown> = {
    took: Date.now() - started,
    timed_out: false,
    _shards: shardsBlock(indices.length, failures),
    hits: hitsBlock,
  };
  if (aggs) response.aggregations = runAggregations(aggs, hits, ok);
  return response;
}

function totalHits(count: number, track: unknown): { value: number; relation: string } | undefined {
  if (track === false || track === 'false') return undefined;
  const limit = track === true || track === 'true' ? Infinity : track === undefined ? 10000 : Number(track);
  return count > limit ? { value: limit, relation: 'gte' } : { value: count, relation: 'eq' };
}

export function executeCount(
  indices: IndexState[],
  body: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  checkBodyKeys(body, new Set(['query']), true);
  const { hits, failures } = collectHits(indices, body.query, now, () => undefined);
  return { count: hits.length, _shards: shardsBlock(indices.length, failures) };
}
