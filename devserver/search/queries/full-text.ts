/**
 * Full-text queries: `match` (operator, minimum_should_match, lenient, zero_terms_query),
 * `match_phrase` (slop 0: the tokens adjacent and in order within one value), and `multi_match`
 * (best_fields, most_fields, phrase; field patterns and `^boost`). On a text field the query is
 * analysed with the field's analyzer; on any other field it is that field's exact value, as in
 * OpenSearch. What this server does not implement (fuzziness, slop, phrase prefixes, cross_fields)
 * is refused with a 400 rather than answered approximately.
 */
import { analyzerOf } from '../../mapping/values.js';
import { globMatch } from '../../index-names.js';
import { textLikeTypes } from '../../mapping/model.js';
import { ShardQueryError, parsingError, type Scores, type Shard } from '../shard.js';
import { boostOf, boosted, singleField, type Json, type QueryBuilder } from './compile-context.js';
import { minimumShouldMatch } from './compound.js';
import { FieldValues } from './field-values.js';
import { metadataScores, scoreIds } from './metadata-fields.js';
import { analyzeText } from '../../mapping/analysis.js';

function refuse(feature: string): never {
  throw parsingError(`the dev server does not implement ${feature}`);
}

function checkFuzziness(options: Json): void {
  const fuzziness = options.fuzziness;
  if (fuzziness !== undefined && String(fuzziness) !== '0') refuse(`[fuzziness] (${String(fuzziness)})`);
}

/** Documents holding at least `required` of the distinct `tokens`; the score is how many they hold. */
function scoreTokens(shard: Shard, field: string, tokens: string[], required: number): Scores {
  const scores = shard.none();
  const column = shard.terms(field);
  if (!column || tokens.length === 0) return scores;
  const bitOfOrd = new Int8Array(column.dict.size).fill(-1);
  const distinct = [...new Set(tokens)].slice(0, 31);
  distinct.forEach((token, bit) => {
    const ord = column.dict.find(token);
    if (ord >= 0) bitOfOrd[ord] = bit;
  });
  const bits = new Uint32Array(shard.docCount);
  const docs = column.docs.array;
  const ords = column.ords.array;
  for (let i = 0; i < column.pairCount; i++) {
    const bit = bitOfOrd[ords[i]!]!;
    if (bit >= 0 && docs[i]! < bits.length) bits[docs[i]!] = bits[docs[i]!]! | (1 << bit);
  }
  for (let doc = 0; doc < bits.length; doc++) {
    let count = 0;
    for (let set = bits[doc]!; set !== 0; set &= set - 1) count++;
    if (count > 0 && count >= required) scores[doc] = count;
  }
  return scores;
}

/** Documents where `phrase` appears as consecutive tokens of one value of a text field. */
function scorePhrase(shard: Shard, field: string, phrase: string[]): Scores {
  const candidates = scoreTokens(shard, field, phrase, new Set(phrase).size);
  const column = shard.terms(field);
  if (!column || phrase.length === 0) return shard.none();
  const wanted = phrase.map((token) => column.dict.find(token));
  const index = column.docIndex(shard.docCount);
  const ords = column.ords.array;
  const starts = column.valueStarts?.array;
  for (let doc = 0; doc < candidates.length; doc++) {
    if (candidates[doc]! < 0) continue;
    const [from, to] = column.pairsOf(index, doc);
    let found = false;
    for (let i = from; i + wanted.length <= to && !found; i++) {
      let j = 0;
      while (j < wanted.length && ords[i + j] === wanted[j] && (j === 0 || starts?.[i + j] !== 1)) j++;
      found = j === wanted.length;
    }
    candidates[doc] = found ? phrase.length : -1;
  }
  return candidates;
}

interface MatchOptions {
  operator: 'or' | 'and';
  minimumShouldMatch: unknown;
  lenient: boolean;
  zeroTermsAll: boolean;
}

function matchOptions(options: Json): MatchOptions {
  checkFuzziness(options);
  const operator = String(options.operator ?? 'or').toLowerCase();
  if (operator !== 'or' && operator !== 'and') throw parsingError(`[match] unknown operator [${operator}]`);
  return {
    operator,
    minimumShouldMatch: options.minimum_should_match,
    lenient: options.lenient === true,
    zeroTermsAll: String(options.zero_terms_query ?? 'none') === 'all',
  };
}

/** A non-text field: the query is its value; `lenient` turns a value the type cannot parse into no match. */
function exactValue(shard: Shard, field: string, value: unknown, lenient: boolean): Scores {
  const meta =
    field === '_id'
      ? scoreIds(shard, [String(value)])
      : metadataScores(shard, field, 'match', (v) => v === String(value));
  if (meta) return meta;
  const values = FieldValues.of(shard, field);
  if (!values) return shard.none();
  try {
    return values.equals(value);
  } catch (error) {
    if (lenient && error instanceof ShardQueryError) return shard.none();
    throw error;
  }
}

export function matchScores(shard: Shard, field: string, value: unknown, options: MatchOptions): Scores {
  const leaf = shard.leaf(field);
  if (!leaf || !textLikeTypes.has(leaf.type)) return exactValue(shard, field, value, options.lenient);
  const searchAnalyzer =
    typeof leaf.node.search_analyzer === 'string' ? leaf.node.search_analyzer : analyzerOf(leaf.node);
  const tokens = [...new Set(analyzeText(String(value), searchAnalyzer))];
  if (tokens.length === 0) return options.zeroTermsAll ? shard.all() : shard.none();
  const required =
    options.operator === 'and'
      ? tokens.length
      : Math.max(1, minimumShouldMatch(options.minimumShouldMatch, tokens.length, false));
  return scoreTokens(shard, field, tokens, required);
}

export function phraseScores(shard: Shard, field: string, value: unknown, options: Json): Scores {
  const slop = options.slop ?? 0;
  if (Number(slop) !== 0) refuse(`[match_phrase] with a slop ([slop] ${String(slop)})`);
  const leaf = shard.leaf(field);
  if (!leaf || !textLikeTypes.has(leaf.type))
    return exactValue(shard, field, value, options.lenient === true);
  const phrase = analyzeText(String(value), analyzerOf(leaf.node));
  if (phrase.length === 0)
    return String(options.zero_terms_query ?? 'none') === 'all' ? shard.all() : shard.none();
  return scorePhrase(shard, field, phrase);
}

const match: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'query');
  const parsed = matchOptions(options);
  return () => boosted(matchScores(shard, field, value, parsed), boostOf(spec, options));
};

const matchPhrase: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'query');
  if (options.slop !== undefined && Number(options.slop) !== 0)
    refuse(`[match_phrase] with a slop ([slop] ${String(options.slop)})`);
  return () => boosted(phraseScores(shard, field, value, options), boostOf(spec, options));
};

/** Field names of a multi_match / query_string field list (`title^2`, `user.*`), with their boosts. */
export function expandFields(
  shard: Shard,
  patterns: string[],
): { field: string; boost: number; expanded: boolean }[] {
  const out: { field: string; boost: number; expanded: boolean }[] = [];
  for (const pattern of patterns) {
    const caret = pattern.lastIndexOf('^');
    const name = caret > 0 ? pattern.slice(0, caret) : pattern;
    const boost = caret > 0 ? Number(pattern.slice(caret + 1)) : 1;
    if (!name.includes('*')) {
      out.push({ field: name, boost, expanded: false });
      continue;
    }
    for (const leaf of shard.index.fieldIndex.leaves.values()) {
      if (globMatch(name, leaf.path) && leaf.type !== 'binary' && !leaf.type.startsWith('geo')) {
        out.push({ field: leaf.path, boost, expanded: true });
      }
    }
  }
  return out;
}

/** The fields a query without `fields` searches: `index.query.default_field` (default `*`). */
export function defaultFields(shard: Shard): string[] {
  return (shard.index.settings['index.query.default_field'] ?? '*').split(',');
}

const multiMatch: QueryBuilder = (spec, { shard }) => {
  if (spec.query === undefined) throw parsingError('No text specified for multi_match query');
  const type = String(spec.type ?? 'best_fields');
  if (!['best_fields', 'most_fields', 'phrase'].includes(type)) refuse(`[multi_match] of type [${type}]`);
  const options = matchOptions(spec);
  const patterns = Array.isArray(spec.fields) ? spec.fields.map(String) : undefined;
  const tieBreaker = Number(spec.tie_breaker ?? 0);
  return () => {
    const fields = expandFields(shard, patterns ?? defaultFields(shard));
    const best = shard.none();
    const sum = new Float32Array(best.length);
    for (const { field, boost, expanded } of fields) {
      const lenient = options.lenient || expanded;
      const scores =
        type === 'phrase'
          ? phraseScores(shard, field, spec.query, { ...spec, lenient })
          : matchScores(shard, field, spec.query, { ...options, lenient });
      for (let i = 0; i < best.length; i++) {
        if (scores[i]! < 0) continue;
        const score = scores[i]! * boost;
        sum[i] = sum[i]! + score;
        if (score > best[i]!) best[i] = score;
      }
    }
    for (let i = 0; i < best.length; i++) {
      if (best[i]! < 0) continue;
      best[i] = type === 'most_fields' ? sum[i]! : best[i]! + tieBreaker * (sum[i]! - best[i]!);
    }
    return boosted(best, boostOf(spec));
  };
};

export const fullTextQueries: Record<string, QueryBuilder> = {
  match,
  match_phrase: matchPhrase,
  multi_match: multiMatch,
};
