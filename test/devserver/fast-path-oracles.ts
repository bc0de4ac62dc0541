/**
 * The dev server's code as it was before its fast paths (date parsing, the standard analyzer, compact
 * JSON), kept verbatim as oracles for the differential tests in fast-paths.test.ts: whatever the fast
 * paths answer, these must answer the same.
 */
import { NumberToken, RawJson } from '../../devserver/json.js';
import { wallToUtc, type Zone } from '../../devserver/mapping/time-zones.js';

type Parser = (text: string, zone: Zone) => number | undefined;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function fromParts(
  zone: Zone,
  offsetMinutes: number | undefined,
  y: number,
  mo = 1,
  d = 1,
  h = 0,
  mi = 0,
  s = 0,
  fraction = '',
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const millis = Number((fraction + '000').slice(0, 3));
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, millis));
  date.setUTCFullYear(y);
  const wall = date.getTime();
  return offsetMinutes === undefined ? wallToUtc(zone, wall) : wall - offsetMinutes * 60_000;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone) return undefined;
  if (zone === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return NaN;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
  if (Number(match[2]) > 18) return NaN;
  return match[1] === '-' ? -minutes : minutes;
}

function isoParser(strict: boolean): Parser {
  const n = strict ? (k: number) => `\\d{${k}}` : () => '\\d{1,2}';
  const pattern = new RegExp(
    `^([+-]?\\d{4,9})(?:-(${n(2)})(?:-(${n(2)}))?)?` +
      `(?:T(${n(2)})(?::(${n(2)})(?::(${n(2)})(?:[.,](\\d{1,9}))?)?)?(Z|[+-]\\d{2}(?::?\\d{2})?)?)?$`,
  );
  return (text, zone) => {
    const m = pattern.exec(text);
    if (!m) return undefined;
    const offset = zoneOffsetMinutes(m[8]);
    if (Number.isNaN(offset)) return undefined;
    const num = (i: number): number | undefined => (m[i] === undefined ? undefined : Number(m[i]));
    return fromParts(zone, offset, Number(m[1]), num(2), num(3), num(4), num(5), num(6), m[7] ?? '');
  };
}

const epochParser =
  (scale: number): Parser =>
  (text) =>
    /^-?\d+(\.\d+)?$/.test(text) ? Math.trunc(Number(text) * scale) : undefined;

const oldParsers: Record<string, Parser> = {
  strict_date_optional_time: isoParser(true),
  date_optional_time: isoParser(false),
  strict_date_time: isoParser(true),
  date_time: isoParser(false),
  epoch_millis: epochParser(1),
  epoch_second: epochParser(1000),
};

/** The old parseDate, for the formats above and their `a||b` combinations. */
export function oldParseDate(text: string, format: string, zone: Zone): number | undefined {
  for (const alternative of format.split('||')) {
    const value = oldParsers[alternative.trim()]?.(text, zone);
    if (value !== undefined && Number.isFinite(value)) return value;
  }
  return undefined;
}

const maxTokenLength = 255;
const wordChar = /[\p{L}\p{N}\p{M}_]/u;
const letter = /[\p{L}\p{M}]/u;
const digit = /\p{N}/u;

function pushToken(tokens: string[], token: string): void {
  for (let i = 0; i < token.length; i += maxTokenLength) tokens.push(token.slice(i, i + maxTokenLength));
}

function isAsciiLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

function isAsciiDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function joinsAscii(separator: number, before: number, after: number): boolean {
  const letters = isAsciiLetter(before) && isAsciiLetter(after);
  const digits = isAsciiDigit(before) && isAsciiDigit(after);
  if (separator === 46 || separator === 39) return letters || digits; // . '
  if (separator === 58) return letters; // :
  if (separator === 44 || separator === 59) return digits; // , ;
  return false;
}

function standardAscii(text: string, tokens: string[]): void {
  let start = -1;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const code = i < length ? text.charCodeAt(i) : 32;
    if (isAsciiLetter(code) || isAsciiDigit(code) || code === 95) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i + 1 < length && joinsAscii(code, text.charCodeAt(i - 1), text.charCodeAt(i + 1))) {
      continue;
    }
    if (start >= 0) {
      pushToken(tokens, text.slice(start, i).toLowerCase());
      start = -1;
    }
  }
}

function joinsUnicode(separator: string, before: string, after: string): boolean {
  const letters = letter.test(before) && letter.test(after);
  const digits = digit.test(before) && digit.test(after);
  if (separator === '.' || separator === "'") return letters || digits;
  if (separator === ':') return letters;
  if (separator === ',' || separator === ';') return digits;
  return false;
}

function standardUnicode(text: string, tokens: string[]): void {
  const chars = [...text];
  let current = '';
  chars.forEach((ch, i) => {
    if (wordChar.test(ch)) current += ch.toLowerCase();
    else if (current !== '' && i + 1 < chars.length && joinsUnicode(ch, chars[i - 1]!, chars[i + 1]!))
      current += ch;
    else if (current !== '') {
      pushToken(tokens, current);
      current = '';
    }
  });
  if (current !== '') pushToken(tokens, current);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** The old standard analyzer. */
export function oldStandardTokens(text: string): string[] {
  const tokens: string[] = [];
  if (isAscii(text)) standardAscii(text, tokens);
  else standardUnicode(text, tokens);
  return tokens;
}

/** The old stringifyJson (compact and pretty). */
export function oldStringifyJson(value: unknown, indent = 0): string {
  const write = (v: unknown, depth: number): string | undefined => {
    if (v === undefined || typeof v === 'function') return undefined;
    if (v === null) return 'null';
    if (v instanceof NumberToken) return v.raw;
    if (v instanceof RawJson) return indent ? oldStringifyJson(JSON.parse(v.text), indent) : v.text;
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object') return JSON.stringify(v);
    const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const close = indent ? '\n' + ' '.repeat(indent * depth) : '';
    const colon = indent ? ' : ' : ':';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[' + v.map((item) => pad + (write(item, depth + 1) ?? 'null')).join(',') + close + ']';
    }
    const parts: string[] = [];
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const text = write(item, depth + 1);
      if (text !== undefined) parts.push(pad + JSON.stringify(key) + colon + text);
    }
    return parts.length === 0 ? '{}' : '{' + parts.join(',') + close + '}';
  };
  return write(value, 0) ?? 'null';
}

/** The old IP conversion: parse to 128 bits, print canonically (undefined when not an address). */
export { formatIp, parseIp } from '../../devserver/mapping/ip.js';
