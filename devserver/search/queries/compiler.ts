/**
 * Compiles the query DSL for one shard into an evaluator of its scores. Unknown query names are
 * OpenSearch's `parsing_exception`; queries OpenSearch has but this server does not implement are
 * refused by name, so a test never passes here on a query that was silently ignored.
 */
import { parsingError, type Scores, type Shard } from '../shard.js';
import { asObject, type CompileContext, type Evaluator, type QueryBuilder } from './compile-context.js';
import { compoundQueries } from './compound.js';
import { fullTextQueries } from './full-text.js';
import { queryStringQueries } from './query-string.js';
import { termLevelQueries } from './term-level.js';

const builders: Record<string, QueryBuilder> = {
  ...termLevelQueries,
  ...fullTextQueries,
  ...compoundQueries,
  ...queryStringQueries,
};

const notImplemented = new Set([
  'fuzzy',
  'match_phrase_prefix',
  'match_bool_prefix',
  'combined_fields',
  'intervals',
  'terms_set',
  'nested',
  'has_child',
  'has_parent',
  'parent_id',
  'geo_bounding_box',
  'geo_distance',
  'geo_polygon',
  'geo_shape',
  'script',
  'script_score',
  'function_score',
  'more_like_this',
  'percolate',
  'wrapper',
  'distance_feature',
  'rank_feature',
  'span_term',
  'span_near',
  'span_or',
  'span_not',
  'span_first',
  'span_multi',
  'span_containing',
  'span_within',
  'field_masking_span',
  'knn',
  'neural',
  'hybrid',
  'template',
]);

class Compiler implements CompileContext {
  constructor(readonly shard: Shard) {}

  compile = (query: unknown): Evaluator => {
    const body = asObject(query, 'query');
    const entries = Object.entries(body);
    if (entries.length !== 1) throw parsingError('[_na] query malformed, must start with start_object');
    const [name, inner] = entries[0]!;
    const builder = Object.prototype.hasOwnProperty.call(builders, name) ? builders[name] : undefined;
    if (!builder) {
      if (notImplemented.has(name))
        throw parsingError(`the dev server does not implement the [${name}] query`);
      throw parsingError(`unknown query [${name}]`);
    }
    return builder(asObject(inner, name), this, name);
  };
}

/** The scores of `query` (match_all when absent) on the shard's searchable documents only. */
export function runQuery(query: unknown, shard: Shard): Scores {
  const evaluate: Evaluator = query === undefined ? () => shard.all() : new Compiler(shard).compile(query);
  return visibleOnly(shard, evaluate());
}

/** Compiles without running, so that shard failures surface before any work. */
export function compileQuery(query: unknown, shard: Shard): Evaluator {
  const evaluate: Evaluator = query === undefined ? () => shard.all() : new Compiler(shard).compile(query);
  return () => visibleOnly(shard, evaluate());
}

function visibleOnly(shard: Shard, scores: Scores): Scores {
  const visible = shard.view.visible;
  for (let doc = 0; doc < scores.length; doc++) if (visible[doc] !== 1) scores[doc] = -1;
  return scores;
}
