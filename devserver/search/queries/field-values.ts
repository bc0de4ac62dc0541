/**
 * Term-level matching on one field, whatever its type: exact values, ranges, prefixes and patterns,
 * read against the field's column. Query values are converted the way the field type parses them
 * (dates with the field's format and date math, ip addresses and CIDR blocks, numbers, booleans), and
 * a value the type cannot parse is OpenSearch's per-shard `query_shard_exception`. Fields under a
 * `flat_object` (`labels.version`) match `sub.path=value` terms of the object's `_valueAndPath` column.
 */
import { defaultDateFormat, parseDateMath } from '../../mapping/dates.js';
import { formatIp, parseCidr, parseIp } from '../../mapping/ip.js';
import { keywordLikeTypes, numericTypes, textLikeTypes, type LeafField } from '../../mapping/model.js';
import { parseZone, utc, type Zone } from '../../mapping/time-zones.js';
import type { TermColumn } from '../../store/columns.js';
import { scoreNumbers, scoreTerms, termMask, type Scores, type Shard } from '../shard.js';

/** Where a field's terms are: its own column, or the `_valueAndPath` column of a flat_object. */
interface TermTarget {
  column: TermColumn | undefined;
  /** `sub.path=` for a flat_object sub-field; '' otherwise. */
  prefix: string;
  type: string;
}

export type StringTest = (term: string) => boolean;

export function isStringType(type: string): boolean {
  return keywordLikeTypes.has(type) || textLikeTypes.has(type) || type === 'flat_object';
}

/** The term column a string query on `field` reads, or undefined when the field has no terms. */
export function termTarget(shard: Shard, field: string): TermTarget | undefined {
  const leaf = shard.leaf(field);
  if (leaf)
    return isStringType(leaf.type) || leaf.type === 'ip'
      ? { column: shard.terms(field), prefix: '', type: leaf.type }
      : undefined;
  const flat = shard.flatObjectPath(field);
  if (!flat) return undefined;
  return {
    column: shard.terms(`${flat.field}._valueAndPath`),
    prefix: `${flat.subPath}=`,
    type: 'flat_object',
  };
}

/** Documents with a term of `target` that passes `test` (the flat_object path prefix removed). */
export function scoreStrings(shard: Shard, target: TermTarget, test: StringTest): Scores {
  const { prefix } = target;
  const mask = termMask(target.column, (term) =>
    prefix === '' ? test(term) : term.startsWith(prefix) && test(term.slice(prefix.length)),
  );
  return scoreTerms(shard, target.column, mask);
}

/** Documents with exactly the term `value` (one dictionary lookup). */
export function scoreExactTerm(shard: Shard, target: TermTarget, value: string): Scores {
  return scoreTerms(shard, target.column, target.column?.dict.find(target.prefix + value) ?? -1);
}

function plainText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export class FieldValues {
  constructor(
    private readonly shard: Shard,
    private readonly field: string,
    private readonly leaf: LeafField | undefined,
  ) {}

  static of(shard: Shard, field: string): FieldValues | undefined {
    const leaf = shard.leaf(field);
    if (!leaf && !shard.flatObjectPath(field)) return undefined;
    return new FieldValues(shard, field, leaf);
  }

  get type(): string {
    return this.leaf?.type ?? 'flat_object';
  }

  private fail(reason: string): never {
    return this.shard.fail(`failed to create query: ${reason}`);
  }

  private number(value: unknown): number {
    const number = Number(value);
    if (value === '' || value === null || typeof value === 'boolean' || Number.isNaN(number)) {
      this.fail(`For input string: "${plainText(value)}"`);
    }
    return number;
  }

  private date(value: unknown, roundUp: boolean, format?: string, zone: Zone = utc): number {
    const fieldFormat =
      typeof this.leaf?.node.format === 'string' ? this.leaf.node.format : defaultDateFormat;
    const fmt = format ?? fieldFormat;
    const millis =
      typeof value === 'number' ? value : parseDateMath(plainText(value), fmt, roundUp, this.shard.now, zone);
    if (millis === undefined) {
      const text = plainText(value);
      this.fail(
        `failed to parse date field [${text}] with format [${fmt}]: [failed to parse date field [${text}] with format [${fmt}]]`,
      );
    }
    return millis;
  }

  private bool(value: unknown): number {
    const text = plainText(value);
    if (value !== true && value !== false && text !== 'true' && text !== 'false') {
      this.fail(`Can't parse boolean value [${text}], expected [true] or [false]`);
    }
    return value === true || text === 'true' ? 1 : 0;
  }

  /** `term` semantics: documents with a value equal to `value` (or in the CIDR block, for ip). */
  equals(value: unknown, caseInsensitive = false): Scores {
    const type = this.type;
    if (isStringType(type)) {
      const target = termTarget(this.shard, this.field)!;
      const text = plainText(value);
      if (!caseInsensitive) return scoreExactTerm(this.shard, target, text);
      const lower = text.toLowerCase();
      return scoreStrings(this.shard, target, (term) => term.toLowerCase() === lower);
    }
    if (type === 'ip') return this.ipEquals(plainText(value));
    const column = this.shard.numbers(this.field);
    if (numericTypes.has(type)) {
      const wanted = this.number(value);
      return scoreNumbers(this.shard, column, (v) => v === wanted);
    }
    if (type === 'date' || type === 'date_nanos') {
      const wanted = this.date(value, false);
      return scoreNumbers(this.shard, column, (v) => v === wanted);
    }
    if (type === 'boolean') {
      const wanted = this.bool(value);
      return scoreNumbers(this.shard, column, (v) => v === wanted);
    }
    return this.shard.none(); // geo, binary and other types this server does not index
  }

  private ipEquals(text: string): Scores {
    const target = termTarget(this.shard, this.field)!;
    if (text.includes('/')) {
      const range = parseCidr(text);
      if (!range) this.fail(`Expected [ip/prefix] but was [${text}]`);
      return scoreStrings(this.shard, target, (term) => {
        const ip = parseIp(term)!;
        return ip >= range!.low && ip <= range!.high;
      });
    }
    const ip = parseIp(text);
    if (ip === undefined) this.fail(`'${text}' is not an IP string literal.`);
    return scoreExactTerm(this.shard, target, formatIp(ip!));
  }

  /** `range` semantics (gt, gte, lt, lte, from/to with include_lower/include_upper, format, time_zone). */
  range(options: Record<string, unknown>): Scores {
    const type = this.type;
    const format = typeof options.format === 'string' ? options.format : undefined;
    const zone = typeof options.time_zone === 'string' ? parseZone(options.time_zone) : utc;
    type Bound = { value: number | string | bigint; inclusive: boolean; upper: boolean };
    const bounds: Bound[] = [];
    const add = (key: string, upper: boolean, inclusive: boolean): void => {
      const raw = options[key];
      if (raw === undefined || raw === null) return;
      const roundUp = (upper && inclusive) || (!upper && !inclusive);
      let value: number | string | bigint;
      if (type === 'date' || type === 'date_nanos') value = this.date(raw, roundUp, format, zone);
      else if (numericTypes.has(type)) value = this.number(raw);
      else if (type === 'boolean') value = this.bool(raw);
      else if (type === 'ip') {
        const ip = parseIp(plainText(raw));
        if (ip === undefined) this.fail(`'${plainText(raw)}' is not an IP string literal.`);
        value = ip!;
      } else value = plainText(raw);
      bounds.push({ value, inclusive, upper });
    };
    add('gte', false, true);
    add('gt', false, false);
    add('lte', true, true);
    add('lt', true, false);
    add('from', false, options.include_lower !== false);
    add('to', true, options.include_upper !== false);
    const passes = <T extends number | string | bigint>(v: T): boolean =>
      bounds.every((b) =>
        b.upper
          ? b.inclusive
            ? v <= (b.value as T)
            : v < (b.value as T)
          : b.inclusive
            ? v >= (b.value as T)
            : v > (b.value as T),
      );
    if (isStringType(type)) return scoreStrings(this.shard, termTarget(this.shard, this.field)!, passes);
    if (type === 'ip')
      return scoreStrings(this.shard, termTarget(this.shard, this.field)!, (term) => passes(parseIp(term)!));
    return scoreNumbers(this.shard, this.shard.numbers(this.field), passes);
  }

  /** Prefix, wildcard and regexp: only on string fields (and ip, whose text is matched). */
  pattern(queryName: string, test: StringTest): Scores {
    const target = termTarget(this.shard, this.field);
    if (!target) {
      this.shard.fail(
        `Can only use ${queryName} queries on keyword and text fields - not on [${this.field}] which is of type [${this.type}]`,
      );
    }
    return scoreStrings(this.shard, target!, test);
  }
}
