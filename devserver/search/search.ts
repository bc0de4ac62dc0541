/**
 * `_search` and `_count` over one or more indices (OPENSEARCH.md §6.3). Each index is one shard: a
 * shard whose query, sort or aggregation fails is reported in `_shards.failures`, and when every
 * shard failed the request is OpenSearch's 400 `search_phase_execution_exception` "all shards failed".
 * Body keys this server does not implement are refused by name (never silently ignored).
 */
import { OpenSearchError, illegalArgument, renderCause, type ErrorCause } from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
import type { IndexState } from '../index-state.js';
import { tokenName } from '../json.js';
import { intSetting } from '../settings.js';
import { runAggregations } from './aggs/run.js';
import type { DocSet } from './aggs/context.js';
import { renderHit, TopK, type Candidate, type HitField } from './hits.js';
import { compileQuery } from './queries/compiler.js';
import type { Evaluator } from './queries/compile-context.js';
import { Shard, ShardQueryError, parsingError } from './shard.js';
import {
  SortKeys,
  afterValue,
  checkDocValues,
  compareSortValues,
  parseSort,
  type SortClause,
  type SortValue,
} from './sort.js';
import { parseSourceFilter } from './source-filter.js';

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
  'search_after',
  'post_filter',
  'min_score',
  'terminate_after',
  'docvalue_fields',
  'fields',
  'stored_fields',
  'script_fields',
  'stats',
]);

/** Body keys OpenSearch knows that this server refuses rather than ignores. */
const unimplementedBodyKeys = new Set([
  'highlight',
  'collapse',
  'suggest',
  'profile',
  'explain',
  'rescore',
  'indices_boost',
  'pit',
  'slice',
  'ext',
  'search_pipeline',
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

function checkBodyKeys(body: Record<string, unknown>, allowed: Set<string>, count: boolean): void {
  for (const [key, value] of Object.entries(body)) {
    if (allowed.has(key)) continue;
    if (count) throw parsingError(`request does not support [${key}]`);
    if (unimplementedBodyKeys.has(key) && value !== false) {
      throw parsingError(`the dev server does not implement [${key}] in search requests`);
    }
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
    { phase: 'query', grouped: true, failed_shards: failures.map(failureEntry) },
    first.asCause,
    causes,
  );
}

function failureEntry(failure: ShardFailure): Record<string, unknown> {
  return {
    shard: 0,
    index: failure.index.name,
    node: 'devserver-node',
    reason: renderCause(failure.error.asCause),
  };
}

function shardsBlock(total: number, failures: ShardFailure[]): Record<string, unknown> {
  const block: Record<string, unknown> = {
    total,
    successful: total - failures.length,
    skipped: 0,
    failed: failures.length,
  };
  if (failures.length > 0) block.failures = failures.map(failureEntry);
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

/** The hit count limit `track_total_hits` asks for: Infinity (exact), a number, or undefined (off). */
function trackingLimit(track: unknown, restTotalHitsAsInt: boolean): number | undefined {
  if (track === undefined) return restTotalHitsAsInt ? Infinity : 10_000;
  if (track === true || track === 'true') return Infinity;
  if (track === false || track === 'false') return undefined;
  const limit = Number(track);
  if (!Number.isInteger(limit))
    throw illegalArgument(`Failed to parse value [${String(track)}] for [track_total_hits]`);
  if (limit < -1)
    throw illegalArgument(`[track_total_hits] parameter must be positive or equals to -1, got ${limit}`);
  if (limit === -1) return undefined;
  if (restTotalHitsAsInt) {
    throw illegalArgument(
      `[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got ${limit}`,
    );
  }
  return limit;
}

function aggregationFields(aggs: unknown): string[] {
  if (typeof aggs !== 'object' || aggs === null) return [];
  return Object.values(aggs as Record<string, Record<string, unknown>>).flatMap((spec) => {
    if (typeof spec !== 'object' || spec === null) return [];
    const fields = Object.entries(spec)
      .filter(
        ([kind]) => kind !== 'aggs' && kind !== 'aggregations' && kind !== 'meta' && kind !== 'top_hits',
      )
      .map(([, inner]) => (inner as Record<string, unknown> | undefined)?.field)
      .filter((f): f is string => typeof f === 'string');
    return [...fields, ...aggregationFields(spec.aggs ?? spec.aggregations)];
  });
}

/**
 * `docvalue_fields` read doc values; the `fields` option reads the stored `_source` through the mapping,
 * so a field the mapping's `_source` excludes is not returned by it (`fromSource`).
 */
function docValueFields(body: Record<string, unknown>): HitField[] {
  const entry = (value: unknown, fromSource: boolean): HitField =>
    typeof value === 'string'
      ? { field: value, fromSource }
      : {
          field: String((value as Record<string, unknown>).field),
          format: (value as Record<string, unknown>).format as string | undefined,
          fromSource,
        };
  return [
    ...((body.docvalue_fields ?? []) as unknown[]).map((value) => entry(value, false)),
    ...((body.fields ?? []) as unknown[]).map((value) => entry(value, true)),
  ];
}

interface PreparedShard {
  shard: Shard;
  position: number;
  query: Evaluator;
  postFilter?: Evaluator;
  sortKeys: SortKeys;
}

export function executeSearch(
  indices: IndexState[],
  body: Record<string, unknown>,
  options: SearchOptions,
): Record<string, unknown> {
  const started = Date.now();
  checkBodyKeys(body, searchBodyKeys, false);
  if (body.script_fields !== undefined && Object.keys(body.script_fields as object).length > 0) {
    throw parsingError('the dev server does not implement [script_fields] in search requests');
  }
  const size = nonNegative('size', body.size, 10);
  const from = nonNegative('from', body.from, 0);
  const limit = trackingLimit(body.track_total_hits, options.restTotalHitsAsInt === true);
  const sort: SortClause[] = parseSort(body.sort);
  const searchAfter = body.search_after as unknown[] | undefined;
  if (searchAfter !== undefined && from > 0) {
    throw new OpenSearchError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: `from` parameter must be set to 0 when `search_after` is used.;',
    );
  }
  const storedFieldsOff = body.stored_fields !== undefined && body._source === undefined;
  const sourceFilter = parseSourceFilter(storedFieldsOff ? false : body._source);
  const aggs = body.aggs ?? body.aggregations;
  const minScore = body.min_score === undefined ? undefined : Number(body.min_score);
  const terminateAfter =
    body.terminate_after === undefined ? undefined : nonNegative('terminate_after', body.terminate_after, 0);

  const failures: ShardFailure[] = [];
  const prepared: PreparedShard[] = [];
  indices.forEach((index, position) => {
    const shard = new Shard(index.searchView(options.now), options.now);
    try {
      const window = intSetting(index.settings, 'index.max_result_window', 10000);
      if (from + size > window) {
        shard.fail(
          `Result window is too large, from + size must be less than or equal to: [${window}] but was [${from + size}]. ` +
            `See the scroll api for a more efficient way to request large data sets. This limit can be set by changing ` +
            `the [index.max_result_window] index level setting.`,
          'illegal_argument_exception',
        );
      }
      if (searchAfter !== undefined) {
        if (sort.length === 0)
          shard.fail('Sort must contain at least one field.', 'illegal_argument_exception');
        if (searchAfter.length !== sort.length) {
          shard.fail(
            `search_after has ${searchAfter.length} value(s) but sort has ${sort.length}.`,
            'illegal_argument_exception',
          );
        }
      }
      const sortKeys = new SortKeys(shard, sort);
      for (const field of aggregationFields(aggs)) checkDocValues(index, field, undefined, 'agg');
      const query = compileQuery(body.query, shard);
      const postFilter = body.post_filter === undefined ? undefined : compileQuery(body.post_filter, shard);
      prepared.push({ shard, position, query, postFilter, sortKeys });
    } catch (error) {
      if (!(error instanceof ShardQueryError)) throw error;
      failures.push({ index, error: error.error });
    }
  });

  const scored = sort.length === 0 || body.track_scores === true;
  const compareCandidates = (a: Candidate, b: Candidate): number => {
    if (sort.length > 0) {
      const c = compareSortValues(a.sortValues, b.sortValues, sort, prepared[0]!.sortKeys.types);
      if (c !== 0) return c;
    } else if (b.score !== a.score) return b.score - a.score;
    return a.shardPosition - b.shardPosition || a.doc - b.doc;
  };
  const top = new TopK<Candidate>(from + size, compareCandidates);
  const sets: DocSet[] = [];
  let totalMatched = 0;
  let maxScore: number | null = null;
  let terminatedEarly = false;
  for (const entry of prepared) {
    let scores;
    try {
      scores = entry.query();
      if (entry.postFilter) entry.postFilter(); // surfaces its errors before any result is used
    } catch (error) {
      if (!(error instanceof ShardQueryError)) throw error;
      failures.push({ index: entry.shard.index, error: error.error });
      continue;
    }
    const matched: number[] = [];
    for (let doc = 0; doc < scores.length; doc++) {
      if (scores[doc]! < 0 || (minScore !== undefined && scores[doc]! < minScore)) continue;
      matched.push(doc);
      if (terminateAfter !== undefined && terminateAfter > 0 && matched.length >= terminateAfter) {
        terminatedEarly = true;
        break;
      }
    }
    sets.push({ shard: entry.shard, docs: Int32Array.from(matched), scores });
    const filter = entry.postFilter?.();
    const after = searchAfter?.map((value, i) => afterValue(value, entry.sortKeys.types[i], sort[i]!.field));
    for (const doc of matched) {
      if (filter && filter[doc]! < 0) continue;
      const score = scores[doc]!;
      const sortValues: SortValue[] = sort.length > 0 ? entry.sortKeys.values(doc, score) : [];
      if (after && compareSortValues(sortValues, after, sort, entry.sortKeys.types) <= 0) continue;
      totalMatched++;
      if (scored && (maxScore === null || score > maxScore)) maxScore = score;
      const candidate: Candidate = {
        shardPosition: entry.position,
        shard: entry.shard,
        doc,
        score,
        sortValues,
      };
      if (top.wouldAccept(candidate)) top.offer(candidate);
    }
  }
  if (failures.length > 0 && failures.length === indices.length) throw allShardsFailed(failures);

  const sortTypes = new Map(prepared.map((entry) => [entry.shard, entry.sortKeys.types]));
  const page = top
    .sorted()
    .slice(from)
    .map((candidate) =>
      renderHit(candidate, {
        traits: options.traits,
        source: sourceFilter,
        version: body.version === true,
        seqNoPrimaryTerm: body.seq_no_primary_term === true,
        scored,
        sort,
        sortTypes: (shard) => sortTypes.get(shard) ?? [],
        docValueFields: docValueFields(body),
      }),
    );

  const hits: Record<string, unknown> = {};
  if (limit === undefined) {
    if (options.restTotalHitsAsInt) hits.total = -1;
  } else {
    const total =
      totalMatched > limit ? { value: limit, relation: 'gte' } : { value: totalMatched, relation: 'eq' };
    hits.total = options.restTotalHitsAsInt ? total.value : total;
  }
  hits.max_score = scored && page.length > 0 ? maxScore : null;
  hits.hits = page;

  const aggregations =
    aggs === undefined ? undefined : runAggregations(aggs, sets, options.traits, options.now);
  const response: Record<string, unknown> = { took: Date.now() - started, timed_out: false };
  if (terminateAfter !== undefined) response.terminated_early = terminatedEarly;
  response._shards = shardsBlock(indices.length, failures);
  response.hits = hits;
  if (aggregations !== undefined) response.aggregations = aggregations;
  return response;
}

export function executeCount(
  indices: IndexState[],
  body: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  checkBodyKeys(body, new Set(['query']), true);
  const failures: ShardFailure[] = [];
  let count = 0;
  for (const index of indices) {
    const shard = new Shard(index.searchView(now), now);
    try {
      const scores = compileQuery(body.query, shard)();
      for (let doc = 0; doc < scores.length; doc++) if (scores[doc]! >= 0) count++;
    } catch (error) {
      if (!(error instanceof ShardQueryError)) throw error;
      failures.push({ index, error: error.error });
    }
  }
  if (failures.length > 0 && failures.length === indices.length) throw allShardsFailed(failures);
  return { count, _shards: shardsBlock(indices.length, failures) };
}
