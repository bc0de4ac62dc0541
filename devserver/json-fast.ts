/**
 * Document parsing at indexing speed. `JSON.parse` is several times faster than any parser written in
 * JS, and it is exact for most documents: it only loses number tokens that do not read back as
 * written (`1.0`, `5.00`, `1e3`, integers past 2^53) and duplicate keys (it keeps the last). One
 * pass over the text finds both: it checks every number token outside strings, and counts keys,
 * which must equal the keys `JSON.parse` built. A document with either, or with a syntax error (whose
 * message needs the exact parser's offsets), goes through the exact parser instead.
 */
import { isJsonObject, parseJson, type JsonValue, type ParsedJson } from './json.js';

export interface DocumentJson {
  value: JsonValue;
  /** Present when the exact parser was used (token offsets for error messages). */
  exact?: ParsedJson;
}

interface TextFacts {
  keys: number;
  /** Every number token reads back as written by `JSON.parse`. */
  numbersExact: boolean;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** True when `Number(token)` prints back as `token` (so `JSON.parse` keeps its digits). */
function readsBack(token: string): boolean {
  if (token.length <= 15) {
    let i = token.charCodeAt(0) === 45 ? 1 : 0;
    if (i === 1 && token === '-0') return false;
    for (; i < token.length; i++) if (!isDigit(token.charCodeAt(i))) return String(Number(token)) === token;
    return true;
  }
  return String(Number(token)) === token;
}

/** Scans the text between strings for number tokens (a short stretch: punctuation, numbers, literals). */
function checkNumbers(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== 45 && !isDigit(code)) continue;
    let j = i + 1;
    while (j < end) {
      const next = text.charCodeAt(j);
      if (!(isDigit(next) || next === 46 || next === 101 || next === 69 || next === 43 || next === 45)) break;
      j++;
    }
    if (!readsBack(text.slice(i, j))) return false;
    i = j - 1;
  }
  return true;
}

/** Keys and number exactness of `text`, or undefined when a string is not closed (a syntax error). */
function scanText(text: string): TextFacts | undefined {
  let keys = 0;
  let numbersExact = true;
  let pos = 0;
  for (;;) {
    const open = text.indexOf('"', pos);
    if (numbersExact && !checkNumbers(text, pos, open < 0 ? text.length : open)) numbersExact = false;
    if (open < 0) return { keys, numbersExact };
    let close = open + 1;
    for (;;) {
      close = text.indexOf('"', close);
      if (close < 0) return undefined;
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      close++;
    }
    let after = close + 1;
    while (after < text.length) {
      const code = text.charCodeAt(after);
      if (code !== 32 && code !== 9 && code !== 10 && code !== 13) break;
      after++;
    }
    if (text.charCodeAt(after) === 58) keys++;
    pos = close + 1;
  }
}

/** Keys of every object in a parsed tree, counted without recursion. */
function countKeys(value: JsonValue): number {
  let count = 0;
  const pending: JsonValue[] = [value];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (Array.isArray(item)) {
      for (const element of item) if (typeof element === 'object' && element !== null) pending.push(element);
    } else if (isJsonObject(item)) {
      for (const key in item) {
        count++;
        const child = item[key]!;
        if (typeof child === 'object' && child !== null) pending.push(child);
      }
    }
  }
  return count;
}

function exactly(text: string): DocumentJson {
  const exact = parseJson(text);
  return { value: exact.value, exact };
}

/** Parses a document; throws JsonSyntaxError (from the exact parser) when the text is not valid JSON. */
export function parseDocumentJson(text: string): DocumentJson {
  const facts = scanText(text);
  if (!facts || !facts.numbersExact) return exactly(text);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    return exactly(text);
  }
  if (countKeys(value) !== facts.keys) return exactly(text);
  return { value };
}
