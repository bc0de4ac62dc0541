/**
 * Bucket aggregations other than terms and histograms: `filters` (named or anonymous, with
 * `other_bucket`), `filter`, `missing` and `global`-free `top_hits` (the best documents of a bucket,
 * by score or `sort`, rendered like search hits).
 */
import { illegalArgument } from '../../errors.js';
import { renderHit, TopK, type Candidate } from '../hits.js';
import { compileQuery } from '../queries/compiler.js';
import { parsingError } from '../shard.js';
import { SortKeys, compareSortValues, parseSort } from '../sort.js';
import { parseSourceFilter } from '../source-filter.js';
import {
  docsWithoutValue,
  filterSets,
  requireField,
  totalDocs,
  type AggRunner,
  type DocSet,
  type Json,
} from './context.js';

/** The sets restricted to what `query` matches on each shard. */
function matching(sets: DocSet[], query: unknown): DocSet[] {
  return sets.map((set) => {
    const scores = compileQuery(query, set.shard)();
    return { ...set, docs: set.docs.filter((doc) => scores[doc]! >= 0) };
  });
}

const filters: AggRunner = (_name, body, sets, context, subAggs) => {
  const spec = body.filters;
  if (typeof spec !== 'object' || spec === null) throw parsingError('[filters] cannot be empty.');
  const named = !Array.isArray(spec);
  const entries: [string, unknown][] = named
    ? Object.entries(spec)
    : (spec as unknown[]).map((query, i) => [String(i), query]);
  const matched = entries.map(([key, query]) => [key, matching(sets, query)] as const);
  const otherKey = typeof body.other_bucket_key === 'string' ? body.other_bucket_key : '_other_';
  if (body.other_bucket === true || body.other_bucket_key !== undefined) {
    const inAny = new Map<DocSet['shard'], Uint8Array>();
    for (const [, bucketSets] of matched) {
      for (const set of bucketSets) {
        const marks = inAny.get(set.shard) ?? new Uint8Array(set.shard.docCount);
        for (const doc of set.docs) marks[doc] = 1;
        inAny.set(set.shard, marks);
      }
    }
    const rest = filterSets(sets, (set, doc) => inAny.get(set.shard)?.[doc] !== 1);
    matched.push([otherKey, rest] as const);
  }
  const render = (bucketSets: DocSet[]): Json => ({
    doc_count: totalDocs(bucketSets),
    ...(subAggs ? context.runSubAggs(subAggs, bucketSets) : {}),
  });
  if (named || body.keyed === true)
    return { buckets: Object.fromEntries(matched.map(([key, m]) => [key, render(m)])) };
  return { buckets: matched.map(([, m]) => render(m)) };
};

const filter: AggRunner = (_name, body, sets, context, subAggs) => {
  const matched = matching(sets, body);
  return { doc_count: totalDocs(matched), ...(subAggs ? context.runSubAggs(subAggs, matched) : {}) };
};

const missing: AggRunner = (_name, body, sets, context, subAggs) => {
  const field = requireField('missing', body);
  const without = sets.map((set) => ({ ...set, docs: Int32Array.from(docsWithoutValue(set, field)) }));
  return { doc_count: totalDocs(without), ...(subAggs ? context.runSubAggs(subAggs, without) : {}) };
};

const topHits: AggRunner = (_name, body, sets, context, subAggs) => {
  if (subAggs)
    throw illegalArgument('Aggregator [top_hits] of type [top_hits] cannot accept sub-aggregations');
  const size = body.size === undefined ? 3 : Number(body.size);
  const from = body.from === undefined ? 0 : Number(body.from);
  const sort = parseSort(body.sort);
  const keys = new Map(sets.map((set) => [set.shard, new SortKeys(set.shard, sort)]));
  const top = new TopK<Candidate>(from + size, (a, b) => {
    if (sort.length > 0) {
      const c = compareSortValues(a.sortValues, b.sortValues, sort, keys.get(a.shard)!.types);
      if (c !== 0) return c;
    } else if (b.score !== a.score) return b.score - a.score;
    return a.shardPosition - b.shardPosition || a.doc - b.doc;
  });
  let maxScore: number | null = null;
  sets.forEach((set, shardPosition) => {
    const sortKeys = keys.get(set.shard)!;
    for (const doc of set.docs) {
      const score = set.scores[doc]!;
      if (maxScore === null || score > maxScore) maxScore = score;
      top.offer({
        shardPosition,
        shard: set.shard,
        doc,
        score,
        sortValues: sort.length > 0 ? sortKeys.values(doc, score) : [],
      });
    }
  });
  const scored = sort.length === 0 || body.track_scores === true;
  const hits = top
    .sorted()
    .slice(from)
    .map((candidate) =>
      renderHit(candidate, {
        traits: context.traits,
        source: parseSourceFilter(body._source),
        version: body.version === true,
        seqNoPrimaryTerm: body.seq_no_primary_term === true,
        scored,
        sort,
        sortTypes: (shard) => keys.get(shard)!.types,
        docValueFields: [],
      }),
    );
  return {
    hits: { total: { value: totalDocs(sets), relation: 'eq' }, max_score: scored ? maxScore : null, hits },
  };
};

export const bucketAggregations: Record<string, AggRunner> = {
  filters,
  filter,
  missing,
  top_hits: topHits,
};
