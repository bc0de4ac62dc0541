/**
 * Turns one scalar JSON value into the terms a field type indexes, or explains (with OpenSearch's
 * exception names and texts) why the value cannot be parsed for that type (OPENSEARCH.md §3.4, §3.6).
 */
import type { ErrorCause } from '../errors.js';
import { NumberToken, isIntegerNumber, isJsonNumber, numberText } from '../json.js';
import { analyzeText } from './analysis.js';
import { defaultDateFormat, parseDate } from './dates.js';
import { formatIp, parseIp } from './ip.js';
import { keywordLikeTypes, numericTypes, textLikeTypes, type MappingNode } from './model.js';

/**
 * What a field indexes: terms (keywords, text tokens, ip addresses in canonical text) or numbers
 * (numerics, dates as epoch milliseconds, booleans as 0 and 1).
 */
export type IndexedValue = string | number;
export type ScalarValue = string | boolean | number | NumberToken;

/** Which column a field type's values go to. */
export type ColumnKind = 'terms' | 'text' | 'numbers';

export function columnKind(type: string): ColumnKind {
  if (textLikeTypes.has(type)) return 'text';
  if (keywordLikeTypes.has(type) || type === 'ip' || type === 'flat_object') return 'terms';
  return 'numbers';
}

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
  if (typeof value === 'string') return value; // nearly every value: no class check
  return isJsonNumber(value) ? numberText(value) : String(value);
}

function tokenOf(value: ScalarValue): string {
  if (isJsonNumber(value)) return isIntegerNumber(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'VALUE_STRING';
}

const integerRanges: Record<string, [number, number, string]> = {
  long: [-(2 ** 63), 2 ** 63, 'a long'],
  integer: [-(2 ** 31), 2 ** 31 - 1, 'an integer'],
  short: [-32768, 32767, 'a short'],
  byte: [-128, 127, 'a byte'],
};

function convertNumber(type: string, node: MappingNode, value: ScalarValue): number | undefined {
  if (typeof value === 'boolean') {
    throw new MalformedValue({
      type: 'json_parse_exception',
      reason: `Current token (${tokenOf(value)}) not numeric, can not use numeric value accessors`,
    });
  }
  const raw = text(value);
  if (typeof value === 'string' && raw === '') return undefined; // an empty string counts as null
  const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw);
  if (!numeric) {
    const causeType = type === 'long' ? 'illegal_argument_exception' : 'number_format_exception';
    throw new MalformedValue({ type: causeType, reason: `For input string: "${raw}"` });
  }
  const number = Number(raw);
  const range = integerRanges[type];
  if (!range) return number;
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
  return truncated;
}

function convertDate(node: MappingNode, value: ScalarValue): number {
  const format = typeof node.format === 'string' ? node.format : defaultDateFormat;
  const raw = text(value);
  const millis = parseDate(raw, format);
  if (millis !== undefined) return millis;
  const inner = format.includes('||')
    ? 'Failed to parse with all enclosed parsers'
    : `Text '${raw}' could not be parsed at index 0`;
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `failed to parse date field [${raw}] with format [${format}]`,
    causedBy: { type: 'date_time_parse_exception', reason: inner },
  });
}

function convertBoolean(value: ScalarValue): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (isJsonNumber(value)) {
    throw new MalformedValue({
      type: 'json_parse_exception',
      reason: `Current token (${tokenOf(value)}) not of boolean type`,
    });
  }
  if (value === 'true') return 1;
  if (value === 'false' || value === '') return 0;
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `Failed to parse value [${value}] as only [true] or [false] are allowed.`,
  });
}

/**
 * True when `text` is a dotted IPv4 address as `parseIp` accepts it (four parts of 0-255, no leading
 * zeros): its canonical form is then the text itself, so the common case needs no 128-bit number.
 */
function isCanonicalIpv4(text: string): boolean {
  const length = text.length;
  let parts = 0;
  let i = 0;
  while (parts < 4) {
    const start = i;
    let part = 0;
    while (i < length && i - start < 4) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      part = part * 10 + digit;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || part > 255 || (digits > 1 && text.charCodeAt(start) === 48))
      return false;
    parts++;
    if (parts < 4) {
      if (text.charCodeAt(i) !== 46) return false; // .
      i++;
    }
  }
  return i === length;
}

function convertIp(value: ScalarValue): string {
  if (typeof value === 'string' && isCanonicalIpv4(value)) return value;
  const raw = text(value);
  const ip = typeof value === 'string' ? parseIp(raw) : undefined;
  if (ip !== undefined) return formatIp(ip);
  throw new MalformedValue({
    type: 'illegal_argument_exception',
    reason: `'${raw}' is not an IP string literal.`,
  });
}

function convertKeyword(path: string, node: MappingNode, value: ScalarValue): string | undefined {
  const term = text(value);
  if (typeof node.ignore_above === 'number' && term.length > node.ignore_above) return undefined;
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long terms need counting.
  if (term.length * 3 > maxTermBytes && Buffer.byteLength(term, 'utf8') > maxTermBytes) {
    throw new ImmenseTerm(path, Buffer.from(term, 'utf8'));
  }
  return term;
}

/**
 * What `node` indexes for `value`: one value, the tokens of a text, or nothing; throws MalformedValue
 * or ImmenseTerm. (One value is returned bare: no array per value on the indexing path.)
 */
export function convertValue(
  path: string,
  node: MappingNode,
  value: ScalarValue,
): IndexedValue | IndexedValue[] | undefined {
  const type = node.type ?? 'object';
  if (node.index === false && node.doc_values === false) return undefined;
  switch (conversions.get(type)) {
    case 'keyword':
      return convertKeyword(path, node, value);
    case 'text':
      return analyzeText(text(value), analyzerOf(node));
    case 'number':
      return convertNumber(type, node, value);
    case 'date':
      return convertDate(node, value);
    case 'boolean':
      return convertBoolean(value);
    case 'ip':
      return convertIp(value);
    default:
      return undefined; // geo_point, binary and friends: accepted, not searchable here
  }
}

type Conversion = 'keyword' | 'text' | 'number' | 'date' | 'boolean' | 'ip';

/** The conversion of each field type, found with one lookup per value instead of a Set per family. */
const conversions: ReadonlyMap<string, Conversion> = new Map<string, Conversion>([
  ...[...keywordLikeTypes].map((type) => [type, 'keyword'] as const),
  ...[...textLikeTypes].map((type) => [type, 'text'] as const),
  ...[...numericTypes].map((type) => [type, 'number'] as const),
  ['date', 'date'],
  ['date_nanos', 'date'],
  ['boolean', 'boolean'],
  ['ip', 'ip'],
]);

/** The analyzer a text field indexes with. */
export function analyzerOf(node: MappingNode): string {
  return typeof node.analyzer === 'string' ? node.analyzer : 'standard';
}

/** Types whose malformed values `ignore_malformed` may skip (OPENSEARCH.md §3.6). */
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
