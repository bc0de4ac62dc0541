/**
 * Compound queries: `bool` (must, filter, should, must_not, minimum_should_match), `constant_score`,
 * `dis_max`, `boosting`, and the two constant ones, `match_all` and `match_none`. Scores add up like
 * clause counts (the dev server does not model relevance; see the README).
 */
import { parsingError, type Scores } from '../shard.js';
import { boostOf, boosted, type Evaluator, type Json, type QueryBuilder } from './compile-context.js';

function clauseList(spec: Json, key: string, compile: (q: unknown) => Evaluator): Evaluator[] {
  const raw = spec[key];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((query) => compile(query));
}

/** `minimum_should_match`: a count, a negative count, or a percentage of the should clauses. */
export function minimumShouldMatch(value: unknown, optionalCount: number, hasRequired: boolean): number {
  if (value === undefined || value === null) return optionalCount > 0 && !hasRequired ? 1 : 0;
  const text = String(value).trim();
  const percent = text.endsWith('%');
  const number = Number(percent ? text.slice(0, -1) : text);
  if (!Number.isFinite(number)) throw parsingError(`[minimum_should_match] could not parse [${text}]`);
  let result = percent ? Math.trunc((optionalCount * Math.abs(number)) / 100) : Math.abs(number);
  if (number < 0) result = optionalCount - result;
  return Math.max(0, Math.min(result, optionalCount));
}

const boolKeys = new Set([
  'must',
  'filter',
  'should',
  'must_not',
  'minimum_should_match',
  'boost',
  '_name',
  'adjust_pure_negative',
]);

const bool: QueryBuilder = (spec, { shard, compile }) => {
  for (const key of Object.keys(spec))
    if (!boolKeys.has(key)) throw parsingError(`[bool] query does not support [${key}]`);
  const must = clauseList(spec, 'must', compile);
  const filter = clauseList(spec, 'filter', compile);
  const should = clauseList(spec, 'should', compile);
  const mustNot = clauseList(spec, 'must_not', compile);
  const required = minimumShouldMatch(
    spec.minimum_should_match,
    should.length,
    must.length + filter.length > 0,
  );
  const boost = boostOf(spec);
  return () => {
    // Every document starts matching with score 0: only must_not clauses leave the rest matching.
    const scores = shard.all(0);
    const n = scores.length;
    for (const clause of must) {
      const s = clause();
      for (let i = 0; i < n; i++) scores[i] = s[i]! < 0 || scores[i]! < 0 ? -1 : scores[i]! + s[i]!;
    }
    for (const clause of filter) {
      const s = clause();
      for (let i = 0; i < n; i++) if (s[i]! < 0) scores[i] = -1;
    }
    for (const clause of mustNot) {
      const s = clause();
      for (let i = 0; i < n; i++) if (s[i]! >= 0) scores[i] = -1;
    }
    if (should.length > 0) {
      const matched = new Uint16Array(n);
      const added = new Float32Array(n);
      for (const clause of should) {
        const s = clause();
        for (let i = 0; i < n; i++) {
          if (s[i]! >= 0) {
            matched[i]!++;
            added[i] = added[i]! + s[i]!;
          }
        }
      }
      for (let i = 0; i < n; i++) {
        if (scores[i]! < 0) continue;
        scores[i] = matched[i]! < required ? -1 : scores[i]! + added[i]!;
      }
    }
    // A bool with only filter/must_not clauses scores 0, as in OpenSearch.
    return boosted(scores, boost);
  };
};

const constantScore: QueryBuilder = (spec, { compile }) => {
  if (spec.filter === undefined) throw parsingError("[constant_score] requires a 'filter' element");
  const filter = compile(spec.filter);
  const boost = boostOf(spec);
  return () => {
    const scores: Scores = filter();
    for (let i = 0; i < scores.length; i++) if (scores[i]! >= 0) scores[i] = boost;
    return scores;
  };
};

const disMax: QueryBuilder = (spec, { shard, compile }) => {
  const queries = clauseList(spec, 'queries', compile);
  const tieBreaker = Number(spec.tie_breaker ?? 0);
  const boost = boostOf(spec);
  return () => {
    const best = shard.none();
    const sum = new Float32Array(best.length);
    for (const query of queries) {
      const s = query();
      for (let i = 0; i < best.length; i++) {
        if (s[i]! < 0) continue;
        sum[i] = sum[i]! + s[i]!;
        if (s[i]! > best[i]!) best[i] = s[i]!;
      }
    }
    for (let i = 0; i < best.length; i++)
      if (best[i]! >= 0) best[i] = best[i]! + tieBreaker * (sum[i]! - best[i]!);
    return boosted(best, boost);
  };
};

const boosting: QueryBuilder = (spec, { compile }) => {
  const positive = compile(spec.positive);
  const negative = compile(spec.negative);
  const factor = Number(spec.negative_boost ?? 1);
  return () => {
    const scores = positive();
    const demoted = negative();
    for (let i = 0; i < scores.length; i++)
      if (scores[i]! >= 0 && demoted[i]! >= 0) scores[i] = scores[i]! * factor;
    return scores;
  };
};

export const compoundQueries: Record<string, QueryBuilder> = {
  bool,
  constant_score: constantScore,
  dis_max: disMax,
  boosting,
  match_all:
    (spec, { shard }) =>
    () =>
      shard.all(boostOf(spec)),
  match_none:
    (_spec, { shard }) =>
    () =>
      shard.none(),
};
