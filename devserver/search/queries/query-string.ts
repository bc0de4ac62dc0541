/**
 * `query_string` and `simple_query_string`: the parsed query (query-string-parser.ts) is rewritten
 * into the query DSL it stands for, field by field (a term on a text field is a `match`, on a keyword
 * field an exact value; `field:*` is `exists`; a wildcard on a text field is lower-cased as the
 * analyzer would), then compiled like any other query. Several fields are combined with `dis_max`.
 * This is also how OpenSearch Dashboards' DQL reaches the cluster for wildcard values.
 */
import { textLikeTypes } from '../../mapping/model.js';
import { parsingError, type Shard } from '../shard.js';
import type { Json, QueryBuilder } from './compile-context.js';
import { defaultFields, expandFields } from './full-text.js';
import { parseQueryString, type Occur, type QueryStringNode } from './query-string-parser.js';

interface Rewrite {
  shard: Shard;
  fields: string[] | undefined;
  defaultOperator: 'or' | 'and';
  lenient: boolean | undefined;
  timeZone: unknown;
  allowLeadingWildcard: boolean;
}

function refuse(feature: string): never {
  throw parsingError(`the dev server does not implement ${feature}`);
}

function withBoost(query: Json, boost: number | undefined): Json {
  return boost === undefined ? query : { bool: { must: [query], boost } };
}

/** The query one term stands for on one concrete field. */
function termQuery(
  rewrite: Rewrite,
  node: Extract<QueryStringNode, { kind: 'term' }>,
  field: string,
  lenient: boolean,
): Json {
  if (node.fuzzy !== undefined) refuse(`fuzzy terms ([${node.text}~${node.fuzzy}])`);
  if (node.regex) return { regexp: { [field]: node.text } };
  if (node.phrase) {
    if (node.slop !== undefined && node.slop !== '' && node.slop !== '0')
      refuse(`phrase slop ([${node.text}~${node.slop}])`);
    return { match_phrase: { [field]: { query: node.text, lenient } } };
  }
  if (node.wildcard) {
    if (node.text === '*') return { exists: { field } };
    if (!rewrite.allowLeadingWildcard && /^[*?]/.test(node.text)) {
      throw parsingError(`Failed to parse query [${node.text}]: leading wildcards are not allowed`);
    }
    const leaf = rewrite.shard.leaf(field);
    const value = leaf && textLikeTypes.has(leaf.type) ? node.text.toLowerCase() : node.text;
    return { wildcard: { [field]: { value } } };
  }
  return { match: { [field]: { query: node.text, operator: rewrite.defaultOperator, lenient } } };
}

function rangeQuery(
  rewrite: Rewrite,
  node: Extract<QueryStringNode, { kind: 'range' }>,
  field: string,
): Json {
  const options: Json = {};
  if (node.lower !== undefined) options[node.includeLower ? 'gte' : 'gt'] = node.lower;
  if (node.upper !== undefined) options[node.includeUpper ? 'lte' : 'lt'] = node.upper;
  if (rewrite.timeZone !== undefined) options.time_zone = rewrite.timeZone;
  return { range: { [field]: options } };
}

/** The concrete fields a node searches, and whether they came from a pattern (lenient then). */
function targets(
  rewrite: Rewrite,
  field: string | undefined,
): { field: string; boost: number; expanded: boolean }[] {
  return expandFields(
    rewrite.shard,
    field !== undefined ? [field] : (rewrite.fields ?? defaultFields(rewrite.shard)),
  );
}

function rewriteNode(rewrite: Rewrite, node: QueryStringNode): Json {
  if (node.kind === 'bool') {
    const bool: Record<Occur, Json[]> = { must: [], should: [], must_not: [] };
    for (const clause of node.clauses) bool[clause.occur].push(rewriteNode(rewrite, clause.node));
    return withBoost({ bool }, node.boost);
  }
  if (node.kind === 'term' && node.field === '_exists_')
    return withBoost({ exists: { field: node.text } }, node.boost);
  if (
    node.kind === 'term' &&
    node.wildcard &&
    node.text === '*' &&
    (node.field === undefined || node.field === '*')
  ) {
    return withBoost({ match_all: {} }, node.boost);
  }
  const queries = targets(rewrite, node.field).map(({ field, boost, expanded }) => {
    const lenient = rewrite.lenient ?? expanded;
    const query =
      node.kind === 'range' ? rangeQuery(rewrite, node, field) : termQuery(rewrite, node, field, lenient);
    return withBoost(query, boost === 1 ? undefined : boost);
  });
  if (queries.length === 0) return withBoost({ match_none: {} }, node.boost);
  return withBoost(queries.length === 1 ? queries[0]! : { dis_max: { queries } }, node.boost);
}

function operatorOf(spec: Json): 'or' | 'and' {
  const operator = String(spec.default_operator ?? 'or').toLowerCase();
  if (operator !== 'or' && operator !== 'and')
    throw parsingError(`[query_string] unknown default_operator [${operator}]`);
  return operator;
}

const queryString: QueryBuilder = (spec, { shard, compile }) => {
  if (typeof spec.query !== 'string') throw parsingError('[query_string] must be provided with a [query]');
  const defaultOperator = operatorOf(spec);
  const fields = Array.isArray(spec.fields)
    ? spec.fields.map(String)
    : typeof spec.default_field === 'string'
      ? [spec.default_field]
      : undefined;
  const tree = parseQueryString(spec.query, defaultOperator);
  const rewrite: Rewrite = {
    shard,
    fields,
    defaultOperator,
    lenient: typeof spec.lenient === 'boolean' ? spec.lenient : undefined,
    timeZone: spec.time_zone,
    allowLeadingWildcard: spec.allow_leading_wildcard !== false,
  };
  const rewritten = rewriteNode(rewrite, tree);
  return compile(spec.boost === undefined ? rewritten : withBoost(rewritten, Number(spec.boost)));
};

/**
 * simple_query_string syntax: `+` and, `|` or, `-` not, "phrases", `prefix*`, (groups); words
 * without an operator combine with `default_operator`. It never fails on syntax, as OpenSearch's.
 */
function simpleToLucene(text: string): string {
  return text
    .replace(/\\([^\s])/g, '\\$1')
    .replace(/\s*\|\s*/g, ' OR ')
    .replace(/\s*\+\s*/g, ' AND ')
    .replace(/(^|\s|\()-/g, '$1NOT ')
    .replace(/[:[\]{}^/!&]/g, (ch) => `\\${ch}`);
}

const simpleQueryString: QueryBuilder = (spec, context, name) => {
  if (typeof spec.query !== 'string')
    throw parsingError('[simple_query_string] must be provided with a [query]');
  return queryString({ ...spec, query: simpleToLucene(spec.query), flags: undefined }, context, name);
};

export const queryStringQueries: Record<string, QueryBuilder> = {
  query_string: queryString,
  simple_query_string: simpleQueryString,
};
