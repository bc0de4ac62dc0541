/**
 * Term-level queries: `term`, `terms`, `range`, `exists`, `prefix`, `wildcard`, `regexp` and `ids`.
 * Values are not analysed; an unmapped field matches nothing (as in OpenSearch).
 */
import { parsingError, scoreAnyValue, scoreTerms, termMask, type Scores, type Shard } from '../shard.js';
import { boostOf, boosted, singleField, type QueryBuilder } from './compile-context.js';
import { FieldValues, termTarget } from './field-values.js';
import { metadataScores, scoreIds } from './metadata-fields.js';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lucene wildcard syntax: `*` any run, `?` one character, `\` escapes the next one. */
export function wildcardRegex(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern[++i]!);
    else if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
}

function valueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Scores for `test` on `field`, whether a metadata field or a mapped one. */
function patternScores(
  shard: Shard,
  field: string,
  queryName: string,
  test: (term: string) => boolean,
): Scores {
  const meta = metadataScores(shard, field, queryName, test);
  if (meta) return meta;
  const values = FieldValues.of(shard, field);
  return values ? values.pattern(queryName, test) : shard.none();
}

const term: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'value');
  if (value === undefined || value === null) throw parsingError(`[term] query does not support null values`);
  const caseInsensitive = options.case_insensitive === true;
  const wanted = valueText(value);
  return () => {
    const meta = metadataScores(shard, field, name, (v) =>
      caseInsensitive ? v.toLowerCase() === wanted.toLowerCase() : v === wanted,
    );
    const values = meta ? undefined : FieldValues.of(shard, field);
    return boosted(meta ?? values?.equals(value, caseInsensitive) ?? shard.none(), boostOf(spec, options));
  };
};

const terms: QueryBuilder = (spec, { shard }) => {
  const entries = Object.entries(spec).filter(([k]) => k !== 'boost' && k !== '_name');
  if (entries.length !== 1) throw parsingError('[terms] query requires exactly one field');
  const [field, list] = entries[0]!;
  if (!Array.isArray(list)) throw parsingError(`[terms] query does not support [${field}]`);
  return () => {
    const wanted = new Set(list.map(valueText));
    const meta =
      field === '_id'
        ? scoreIds(shard, [...wanted])
        : metadataScores(shard, field, 'terms', (v) => wanted.has(v));
    if (meta) return boosted(meta, boostOf(spec));
    const values = FieldValues.of(shard, field);
    const scores = shard.none();
    for (const value of list) {
      const one = values?.equals(value) ?? scores;
      for (let i = 0; i < scores.length; i++) if (one[i]! >= 0) scores[i] = 1;
    }
    return boosted(scores, boostOf(spec));
  };
};

const range: QueryBuilder = (spec, { shard }, name) => {
  const { field, options } = singleField(spec, name, 'value');
  return () => {
    if (field === '_id' || field === '_index' || field === '_routing' || field === '_source') {
      const meta = metadataScores(shard, field, 'range', undefined);
      if (meta && field !== '_index')
        shard.fail(`Field [${field}] of type [${field}] does not support range queries`);
    }
    const values = FieldValues.of(shard, field);
    return boosted(values ? values.range(options) : shard.none(), boostOf(spec, options));
  };
};

/** Exists on a leaf, an object (any field under it), a flat_object sub-path or a metadata field. */
export function existsScores(shard: Shard, field: string): Scores {
  const meta = metadataScores(shard, field, 'exists', undefined);
  if (meta) return meta;
  if (shard.leaf(field)) return scoreAnyValue(shard, shard.column(field));
  if (shard.isObject(field)) {
    const scores = shard.none();
    const prefix = `${field}.`;
    for (const [path, column] of shard.index.columns)
      if (path.startsWith(prefix)) scoreAnyValue(shard, column, scores);
    return scores;
  }
  const target = termTarget(shard, field);
  if (target && target.prefix !== '') {
    // A sub-path of a flat_object exists when some leaf sits at it or below it.
    const below = `${target.prefix.slice(0, -1)}.`;
    const mask = termMask(target.column, (term) => term.startsWith(target.prefix) || term.startsWith(below));
    return scoreTerms(shard, target.column, mask);
  }
  return shard.none();
}

const exists: QueryBuilder = (spec, { shard }) => {
  if (typeof spec.field !== 'string') throw parsingError('[exists] must be provided with a [field]');
  const field = spec.field;
  return () => boosted(existsScores(shard, field), boostOf(spec));
};

const prefix: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'value');
  const text = valueText(value);
  const caseInsensitive = options.case_insensitive === true;
  const lower = text.toLowerCase();
  const test = caseInsensitive
    ? (t: string) => t.toLowerCase().startsWith(lower)
    : (t: string) => t.startsWith(text);
  return () => boosted(patternScores(shard, field, name, test), boostOf(spec, options));
};

const wildcard: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'value');
  const regex = wildcardRegex(valueText(value ?? options.wildcard), options.case_insensitive === true);
  return () =>
    boosted(
      patternScores(shard, field, name, (t) => regex.test(t)),
      boostOf(spec, options),
    );
};

const regexp: QueryBuilder = (spec, { shard }, name) => {
  const { field, value, options } = singleField(spec, name, 'value');
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${valueText(value)})$`, options.case_insensitive === true ? 'is' : 's');
  } catch (error) {
    throw parsingError(
      `[regexp] invalid regular expression [${valueText(value)}]: ${(error as Error).message}`,
    );
  }
  return () =>
    boosted(
      patternScores(shard, field, name, (t) => regex.test(t)),
      boostOf(spec, options),
    );
};

const ids: QueryBuilder = (spec, { shard }) => {
  const values = ((spec.values ?? []) as unknown[]).map(valueText);
  return () => boosted(scoreIds(shard, values), boostOf(spec));
};

export const termLevelQueries: Record<string, QueryBuilder> = {
  term,
  terms,
  range,
  exists,
  prefix,
  wildcard,
  regexp,
  ids,
};
