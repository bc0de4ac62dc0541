/**
 * Turns one scalar JSON value into the terms a field type indexes, or explains (with OpenSearch's
 * exception names and texts) why the value cannot be parsed for that type (spec §3.4, §3.6).
 */
import type { ErrorCause } from '../errors.js';
import { NumberToken } from '../json.js';
import { analyzeText } from './analysis.js';
import { defaultDateFormat, parseDate } from './dates.js';
import { parseIp } from './ip.js';
import { keywordLikeTypes, numericTypes, textLikeTypes, type MappingNode } from './model.js';

/** What the search engine stores per field: keyword/text terms, numbers, dates (millis), booleans, IPs. */
export type IndexedValue = string | number | boolean | bigint;
export type ScalarValue = string | boolean | NumberToken;

/** The value cannot be parsed for the field's type; the caller wraps it in "failed to parse field". */
export class MalformedValue extends Error {
  constructor(readonly causedBy: ErrorCause) {
    super(causedBy.reason);
  }
}

/** A keyword term over Lucene's 32,766-byte limit: the document fails without the mapper wrapper. */
export class ImmenseTerm extends Error {
  constructor(
    readonly field: string,
    readonly bytes: Buffer,
  ) {
    const prefix = [...bytes.subarray(0, 30)].map((b) => (b > 127 ? b - 256 : b));
    super(
      `Document contains at least one immense term in field="${field}" (whose UTF8 encoding is longer than ` +
        `the max length ${maxTermBytes}), all of which were skipped.  Please correct the analyzer to not ` +
        `produce such terms.  The prefix of the first immense term is: '[${prefix.join(', ')}]...', ` +
        `original message: bytes can be at most ${maxTermBytes} in length; got ${bytes.length}`,
    );
  }
}

export const maxTermBytes = 32766;

function text(value: ScalarValue): string {
  return value instanceof NumberToken ? value.raw : String(value);
}

function tokenOf(value: ScalarValue): string {
  if (value instanceof NumberToken) return value.isInteger ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'VALUE_STRING';
}

const integerRanges: Record<string, [number, number, string]> = {
  long: [-(2 ** 63), 2 ** 63, 'a long'],
  integer: [-(2 ** 31), 2 ** 31 - 1, 'an integer'],
  short: [-32768, 32767, 'a short'],
  byte: [-128, 127, 'a byte'],
};

function convertNumber(type: string, node: MappingNode, value: ScalarValue): number[] {
  if (typeof value === 'boolean') {
    throw new MalformedValue({
      type: 'json_parse_exception',
      reason: `Current token (${tokenOf(value)}) not numeric, can not use numeric value accessors`,
    });
  }
  const raw = text(value);
  if (typeof value === 'string' && raw === '') return []; // an empty string counts as null
  const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw);
  if (!numeric) {
    const causeType = type === 'long' ? 'illegal_argument_exception' : 'number_format_exception';
    throw new MalformedValue({ type: causeType, reason: `For input string: "${raw}"` });
  }
  const number = Number(raw);
  const range = integerRanges[type];
  if (!range) return [number];
  if (node.coerce === false && !Number.isInteger(number)) {
    throw new MalformedValue({
      type: 'illegal_argument_exception',
      reason: `Value [${raw}] has a decimal part`,
    });
  }
  const truncated = Math.trunc(number);
  if (truncated < range[0] || truncated > range[1]) {
    throw new MalformedValue({
      type: 'illegal_argument_exception',
      reason: `Value [${raw}] is out of range for ${range[2]}`,
    });
  }
  return [truncated];
}

function convertDate(node: MappingNode, value: ScalarValue): number[] {
  const format = typeof node.format === 'string' ? node.format : defaultDateFormat;
  const raw = text(value);
  const millis = parseDate(raw, format);
  if (millis !== undefined) return [millis];
  const inner = format.includes('||')
    ? 'Failed to parse with all enclosed parsers'
    : `Text '${raw}' could not be parsed at index 0`;
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `failed to parse date field [${raw}] with format [${format}]`,
    causedBy: { type: 'date_time_parse_exception', reason: inner },
  });
}

function convertBoolean(value: ScalarValue): boolean[] {
  if (typeof value === 'boolean') return [value];
  if (value instanceof NumberToken) {
    throw new MalformedValue({
      type: 'json_parse_exception',
      reason: `Current token (${tokenOf(value)}) not of boolean type`,
    });
  }
  if (value === 'true') return [true];
  if (value === 'false' || value === '') return [false];
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `Failed to parse value [${value}] as only [true] or [false] are allowed.`,
  });
}

function convertIp(value: ScalarValue): bigint[] {
  const raw = text(value);
  const ip = typeof value === 'string' ? parseIp(raw) : undefined;
  if (ip !== undefined) return [ip];
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `'${raw}' is not an IP string literal.`,
  });
}

function convertKeyword(path: string, node: MappingNode, value: ScalarValue): string[] {
  const term = text(value);
  if (typeof node.ignore_above === 'number' && term.length > node.ignore_above) return [];
  const bytes = Buffer.from(term, 'utf8');
  if (bytes.length > maxTermBytes) throw new ImmenseTerm(path, bytes);
  return [term];
}

/** The terms `node` indexes for `value`; throws MalformedValue or ImmenseTerm. */
export function convertValue(path: string, node: MappingNode, value: ScalarValue): IndexedValue[] {
  const type = node.type ?? 'object';
  if (node.index === false && node.doc_values === false) return [];
  if (keywordLikeTypes.has(type)) return convertKeyword(path, node, value);
  if (textLikeTypes.has(type)) return analyzeText(text(value));
  if (numericTypes.has(type)) return convertNumber(type, node, value);
  if (type === 'date' || type === 'date_nanos') return convertDate(node, value);
  if (type === 'boolean') return convertBoolean(value);
  if (type === 'ip') return convertIp(value);
  return []; // geo_point, binary and friends: accepted, not searchable here
}

/** Types whose malformed values `ignore_malformed` may skip (spec §3.6). */
export function supportsIgnoreMalformed(type: string): boolean {
  return (
    numericTypes.has(type) || type === 'date' || type === 'date_nanos' || type === 'ip' || type === 'boolean'
  );
}

/** True when `text` parses like Java's Long.parseLong / Double.parseDouble (numeric_detection). */
export function numericKind(raw: string): 'long' | 'float' | undefined {
  if (/^[+-]?\d+$/.test(raw) && Math.abs(Number(raw)) < 2 ** 63) return 'long';
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(raw.trim())) return 'float';
  return undefined;
}
