/**
 * Query DSL compiled against one index's mapping. A compiled query maps a document to a score, or null
 * when it does not match. Matching uses only what was indexed: fields under `enabled:false`, fields
 * left unmapped by `dynamic:false`, and keyword values over `ignore_above` match nothing, as in OpenSearch.
 */
import type { IndexState, StoredDocument } from '../cluster.js';
import { OpenSearchError, shardMeta } from '../errors.js';
import { analyzeText } from '../mapping/analysis.js';
import { defaultDateFormat, parseDateMath } from '../mapping/dates.js';
import { parseCidr, parseIp } from '../mapping/ip.js';
import { keywordLikeTypes, numericTypes, textLikeTypes, type LeafField } from '../mapping/model.js';
import type { IndexedValue } from '../mapping/values.js';

export type Matcher = (doc: StoredDocument) => number | null;

/** A failure OpenSearch reports per shard (wrapped later into search_phase_execution_exception). */
export class ShardQueryError extends Error {
  constructor(readonly error: OpenSearchError) {
    super(error.reason);
  }
}

export function parsingError(reason: string): OpenSearchError {
  return new OpenSearchError(400, 'parsing_exception', reason);
}

type Json = Record<string, unknown>;

function asObject(value: unknown, queryName: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw parsingError(`[${queryName}] query malformed, no start_object after query name`);
  }
  return value as Json;
}

/** `{"term":{"f":v}}` and `{"term":{"f":{"value":v,...}}}` alike: field name, value and options. */
function singleField(
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

class QueryCompiler {
  constructor(
    private readonly index: IndexState,
    private readonly now: number,
  ) {}

  private leaf(field: string): LeafField | undefined {
    return this.index.fieldIndex.leaves.get(field);
  }

  private fail(reason: string): never {
    throw new ShardQueryError(
      new OpenSearchError(400, 'query_shard_exception', reason, shardMeta(this.index.name, this.index.uuid)),
    );
  }

  compile(query: unknown): Matcher {
    const body = asObject(query, 'query');
    const entries = Object.entries(body);
    if (entries.length !== 1) throw parsingError('[_na] query malformed, must start with start_object');
    const [name, inner] = entries[0]!;
    const spec = asObject(inner, name);
    const boost = typeof spec.boost === 'number' ? spec.boost : 1;
    const matcher = this.compileNamed(name, spec);
    return boost === 1 ? matcher : (doc) => scale(matcher(doc), boost);
  }

  private compileNamed(name: string, spec: Json): Matcher {
    switch (name) {
      case 'match_all':
        return () => 1;
      case 'match_none':
        return () => null;
      case 'term': {
        const { field, value, options } = singleField(spec, name, 'value');
        return this.termsMatcher(field, [value], options.case_insensitive === true);
      }
      case 'terms': {
        const entries = Object.entries(spec).filter(([k]) => k !== 'boost' && k !== '_name');
        const [field, values] = entries[0] ?? ['', []];
        if (!Array.isArray(values)) throw parsingError(`[terms] query does not support [${field}]`);
        return this.termsMatcher(field, values, false);
      }
      case 'range': {
        const { field, options } = singleField(spec, name, 'value');
        return this.rangeMatcher(field, options);
      }
      case 'exists':
        return this.existsMatcher(String(spec.field));
      case 'match': {
        const { field, value, options } = singleField(spec, name, 'query');
        return this.matchMatcher(field, value, options);
      }
      case 'match_phrase': {
        const { field, value, options } = singleField(spec, name, 'query');
        return this.phraseMatcher(field, value, options);
      }
      case 'prefix': {
        const { field, value, options } = singleField(spec, name, 'value');
        const prefix = String(value);
        return this.stringMatcher(
          field,
          options.case_insensitive === true,
          (term) => term.startsWith(prefix),
          prefix,
        );
      }
      case 'wildcard': {
        const { field, value, options } = singleField(spec, name, 'value');
        const pattern = String(value ?? options.wildcard);
        const regex = new RegExp(
          '^' +
            pattern
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.') +
            '$',
          options.case_insensitive === true ? 'is' : 's',
        );
        return this.stringMatcher(field, false, (term) => regex.test(term), pattern);
      }
      case 'ids': {
        const ids = new Set(((spec.values ?? []) as unknown[]).map(String));
        return (doc) => (ids.has(doc.id) ? 1 : null);
      }
      case 'bool':
        return this.boolMatcher(spec);
      case 'constant_score': {
        const filter = this.compile(spec.filter);
        return (doc) => (filter(doc) === null ? null : 1);
      }
      default:
        throw parsingError(`unknown query [${name}]`);
    }
  }

  /** Converts a query value into a predicate over indexed values of the field's type. */
  private termPredicate(
    leaf: LeafField,
    value: unknown,
    caseInsensitive: boolean,
  ): (v: IndexedValue) => boolean {
    const type = leaf.type;
    const text = String(value);
    if (keywordLikeTypes.has(type) || textLikeTypes.has(type) || type === 'flat_object') {
      if (caseInsensitive) return (v) => String(v).toLowerCase() === text.toLowerCase();
      return (v) => v === text;
    }
    if (numericTypes.has(type)) {
      const number = Number(value);
      if (value === '' || typeof value === 'boolean' || Number.isNaN(number))
        this.fail(`failed to create query: For input string: "${text}"`);
      return (v) => v === number;
    }
    if (type === 'date' || type === 'date_nanos') {
      const millis = this.dateValue(leaf, value, false);
      return (v) => v === millis;
    }
    if (type === 'boolean') {
      if (value !== true && value !== false && text !== 'true' && text !== 'false') {
        this.fail(`failed to create query: Can't parse boolean value [${text}], expected [true] or [false]`);
      }
      const wanted = value === true || text === 'true';
      return (v) => v === wanted;
    }
    if (type === 'ip') {
      if (text.includes('/')) {
        const range = parseCidr(text);
        if (!range) this.fail(`failed to create query: Expected [ip/prefix] but was [${text}]`);
        return (v) => typeof v === 'bigint' && v >= range!.low && v <= range!.high;
      }
      const ip = parseIp(text);
      if (ip === undefined) this.fail(`failed to create query: '${text}' is not an IP string literal.`);
      return (v) => v === ip;
    }
    return () => false;
  }

  private dateValue(leaf: LeafField, value: unknown, roundUp: boolean, format?: string): number {
    const fmt = format ?? (typeof leaf.node.format === 'string' ? leaf.node.format : defaultDateFormat);
    const millis = typeof value === 'number' ? value : parseDateMath(String(value), fmt, roundUp, this.now);
    if (millis === undefined) {
      this.fail(
        `failed to create query: failed to parse date field [${String(value)}] with format [${fmt}]: [failed to parse date field [${String(value)}] with format [${fmt}]]`,
      );
    }
    return millis;
  }

  private anyValue(field: string, predicate: (v: IndexedValue) => boolean): Matcher {
    return (doc) => ((doc.fields.get(field) ?? []).some(predicate) ? 1 : null);
  }

  private termsMatcher(field: string, values: unknown[], caseInsensitive: boolean): Matcher {
    const leaf = this.leaf(field);
    if (!leaf) return () => null;
    const predicates = values.map((value) => this.termPredicate(leaf, value, caseInsensitive));
    return this.anyValue(field, (v) => predicates.some((p) => p(v)));
  }

  private rangeMatcher(field: string, options: Json): Matcher {
    const leaf = this.leaf(field);
    if (!leaf) return () => null;
    const type = leaf.type;
    const format = typeof options.format === 'string' ? options.format : undefined;
    const bound = (value: unknown, roundUp: boolean): IndexedValue => {
      if (type === 'date' || type === 'date_nanos') return this.dateValue(leaf, value, roundUp, format);
      if (numericTypes.has(type)) {
        const number = Number(value);
        if (Number.isNaN(number)) this.fail(`failed to create query: For input string: "${String(value)}"`);
        return number;
      }
      if (type === 'ip') {
        const ip = parseIp(String(value));
        if (ip === undefined)
          this.fail(`failed to create query: '${String(value)}' is not an IP string literal.`);
        return ip!;
      }
      if (type === 'boolean') return value === true || value === 'true' ? 1 : 0;
      return String(value);
    };
    const checks: ((v: IndexedValue) => boolean)[] = [];
    const add = (
      key: string,
      roundUp: boolean,
      test: (v: IndexedValue, b: IndexedValue) => boolean,
    ): void => {
      const raw = options[key];
      if (raw === undefined || raw === null) return;
      const b = bound(raw, roundUp);
      checks.push((v) => test(type === 'boolean' ? Number(v) : v, b));
    };
    add('gte', false, (v, b) => v >= b);
    add('gt', true, (v, b) => v > b);
    add('lte', true, (v, b) => v <= b);
    add('lt', false, (v, b) => v < b);
    add('from', false, (v, b) => (options.include_lower === false ? v > b : v >= b));
    add('to', true, (v, b) => (options.include_upper === false ? v < b : v <= b));
    return this.anyValue(field, (v) => checks.every((check) => check(v)));
  }

  private existsMatcher(field: string): Matcher {
    if (this.leaf(field)) return (doc) => ((doc.fields.get(field)?.length ?? 0) > 0 ? 1 : null);
    if (this.index.fieldIndex.objects.has(field)) {
      const prefix = `${field}.`;
      return (doc) => {
        for (const [path, values] of doc.fields) if (path.startsWith(prefix) && values.length > 0) return 1;
        return null;
      };
    }
    return () => null;
  }

  private matchMatcher(field: string, value: unknown, options: Json): Matcher {
    const leaf = this.leaf(field);
    if (!leaf) return () => null;
    if (!textLikeTypes.has(leaf.type)) return this.termsMatcher(field, [value], false);
    const tokens = [...new Set(analyzeText(String(value)))];
    const requireAll = String(options.operator ?? 'or').toLowerCase() === 'and';
    return (doc) => {
      const indexed = new Set(doc.fields.get(field) ?? []);
      const hits = tokens.filter((t) => indexed.has(t)).length;
      if (hits === 0 || (requireAll && hits < tokens.length)) return null;
      return hits;
    };
  }

  /**
   * `match_phrase` with slop 0: the analysed query tokens must appear consecutively within one value
   * of the field (never across two array values). Non-text fields are matched as a term, like OpenSearch.
   */
  private phraseMatcher(field: string, value: unknown, options: Json): Matcher {
    const slop = options.slop ?? 0;
    if (slop !== 0)
      throw parsingError(`[match_phrase] slop [${String(slop)}] is not supported by the dev server`);
    const leaf = this.leaf(field);
    if (!leaf) return () => null;
    if (!textLikeTypes.has(leaf.type)) return this.termsMatcher(field, [value], false);
    const phrase = analyzeText(String(value));
    if (phrase.length === 0) return () => null;
    return (doc) => {
      const tokens = doc.fields.get(field) ?? [];
      const starts = doc.textStarts?.get(field) ?? [0];
      for (let v = 0; v < starts.length; v++) {
        const end = v + 1 < starts.length ? starts[v + 1]! : tokens.length;
        for (let i = starts[v]!; i + phrase.length <= end; i++) {
          let j = 0;
          while (j < phrase.length && tokens[i + j] === phrase[j]) j++;
          if (j === phrase.length) return phrase.length;
        }
      }
      return null;
    };
  }

  private stringMatcher(
    field: string,
    caseInsensitive: boolean,
    test: (term: string) => boolean,
    shown: string,
  ): Matcher {
    const leaf = this.leaf(field);
    if (!leaf) return () => null;
    const stringy =
      keywordLikeTypes.has(leaf.type) || textLikeTypes.has(leaf.type) || leaf.type === 'flat_object';
    if (!stringy && leaf.type !== 'ip') {
      this.fail(
        `Can only use prefix or wildcard queries on keyword and text fields - not on [${field}] which is of type [${leaf.type}] (query: ${shown})`,
      );
    }
    return this.anyValue(field, (v) => {
      const term = String(v);
      return test(caseInsensitive ? term.toLowerCase() : term);
    });
  }

  private boolMatcher(spec: Json): Matcher {
    const clauses = (key: string): Matcher[] => {
      const raw = spec[key];
      if (raw === undefined) return [];
      return (Array.isArray(raw) ? raw : [raw]).map((q) => this.compile(q));
    };
    const must = clauses('must');
    const filter = clauses('filter');
    const should = clauses('should');
    const mustNot = clauses('must_not');
    const minimumShould = minimumShouldMatch(
      spec.minimum_should_match,
      should.length,
      must.length + filter.length > 0,
    );
    return (doc) => {
      let score = 0;
      for (const m of must) {
        const s = m(doc);
        if (s === null) return null;
        score += s;
      }
      for (const f of filter) if (f(doc) === null) return null;
      for (const n of mustNot) if (n(doc) !== null) return null;
      let matchedShould = 0;
      for (const s of should) {
        const value = s(doc);
        if (value !== null) {
          matchedShould++;
          score += value;
        }
      }
      return matchedShould >= minimumShould ? score : null;
    };
  }
}

function minimumShouldMatch(value: unknown, shouldCount: number, hasRequired: boolean): number {
  if (value === undefined || value === null) return shouldCount > 0 && !hasRequired ? 1 : 0;
  const text = String(value).trim();
  const percent = text.endsWith('%');
  const number = Number(percent ? text.slice(0, -1) : text);
  let result = percent ? Math.trunc((shouldCount * Math.abs(number)) / 100) : Math.abs(number);
  if (number < 0) result = shouldCount - result;
  return Math.max(0, Math.min(result, shouldCount));
}

function scale(score: number | null, boost: number): number | null {
  return score === null ? null : score * boost;
}

export function compileQuery(query: unknown, index: IndexState, now: number): Matcher {
  if (query === undefined) return () => 1;
  return new QueryCompiler(index, now).compile(query);
}
