/**
 * What every query builder gets: the shard it is compiled for and a way to compile the queries it
 * contains. A builder turns one query's JSON into an evaluator that returns the shard's scores.
 */
import { illegalArgument } from '../../errors.js';
import { parsingError, type Scores, type Shard } from '../shard.js';

export type Json = Record<string, unknown>;
export type Evaluator = () => Scores;

export interface CompileContext {
  shard: Shard;
  compile(query: unknown): Evaluator;
}

export type QueryBuilder = (spec: Json, context: CompileContext, name: string) => Evaluator;

export function asObject(value: unknown, queryName: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw parsingError(`[${queryName}] query malformed, no start_object after query name`);
  }
  return value as Json;
}

/** `{"term":{"f":v}}` and `{"term":{"f":{"value":v,...}}}` alike: field name, value and options. */
export function singleField(
  body: Json,
  queryName: string,
  valueKey: string,
): { field: string; value: unknown; options: Json } {
  const entries = Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name');
  if (entries.length !== 1) {
    throw parsingError(
      `[${queryName}] query doesn't support multiple fields, found [${entries.map(([k]) => k).join('] and [')}]`,
    );
  }
  const [field, raw] = entries[0]!;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const options = raw as Json;
    return { field, value: options[valueKey], options };
  }
  return { field, value: raw, options: {} };
}

/** The `boost` of a query body (1 when absent); OpenSearch refuses negative boosts. */
export function boostOf(spec: Json, options: Json = {}): number {
  const boost = options.boost ?? spec.boost;
  if (boost === undefined) return 1;
  const value = Number(boost);
  if (!Number.isFinite(value)) throw parsingError(`[boost] must be a number, found [${String(boost)}]`);
  if (value < 0) throw illegalArgument(`negative [boost] are not allowed in [${String(boost)}]`);
  return value;
}

/** Multiplies the scores of matching documents by `boost`. */
export function boosted(scores: Scores, boost: number): Scores {
  if (boost === 1) return scores;
  for (let i = 0; i < scores.length; i++) if (scores[i]! >= 0) scores[i] = scores[i]! * boost;
  return scores;
}
