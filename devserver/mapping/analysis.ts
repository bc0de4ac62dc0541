/**
 * The analyzers this server implements: a stand-in for `standard` (lower-cased words, split on
 * anything that is not a letter, digit or underscore; like Unicode word segmentation, a `.` or `'`
 * between two letters or two digits, a `:` between letters and a `,` or `;` between digits do not
 * split, so `arn:aws:iam`, `10.0.0.1` and `amazonaws.com` stay one token; tokens longer than 255
 * characters are cut, as `max_token_length` does), `simple` (lower-cased runs of letters),
 * `whitespace` (runs of non-space characters, case kept) and `keyword` (the whole value). ASCII text,
 * nearly all of CloudTrail, takes a character-code path; other text goes through Unicode classes.
 */

export const implementedAnalyzers = new Set(['standard', 'default', 'simple', 'whitespace', 'keyword']);

const maxTokenLength = 255;
const wordChar = /[\p{L}\p{N}\p{M}_]/u;
const letter = /[\p{L}\p{M}]/u;
const digit = /\p{N}/u;

function pushToken(tokens: string[], token: string): void {
  for (let i = 0; i < token.length; i += maxTokenLength) tokens.push(token.slice(i, i + maxTokenLength));
}

/** Character classes of the ASCII codes, as bits: one table lookup per character. */
const asciiLetter = 1;
const asciiDigit = 2;
const asciiUpper = 4;
const asciiWord = 8; // letter, digit or `_`
const asciiClasses = (() => {
  const classes = new Uint8Array(128);
  for (let code = 48; code <= 57; code++) classes[code] = asciiDigit | asciiWord;
  for (let code = 97; code <= 122; code++) classes[code] = asciiLetter | asciiWord;
  for (let code = 65; code <= 90; code++) classes[code] = asciiLetter | asciiUpper | asciiWord;
  classes[95] = asciiWord;
  return classes;
})();

/** Whether the separator `code` keeps the characters around it in one token (classes of both). */
function joinsAscii(separator: number, before: number, after: number): boolean {
  const both = before & after;
  if (separator === 46 || separator === 39) return (both & (asciiLetter | asciiDigit)) !== 0; // . '
  if (separator === 58) return (both & asciiLetter) !== 0; // :
  if (separator === 44 || separator === 59) return (both & asciiDigit) !== 0; // , ;
  return false;
}

/**
 * The standard analyzer over text that is all ASCII; false, with `tokens` untouched, as soon as a
 * character is not (the caller then takes the Unicode path), so the text is read once, not twice.
 */
function standardAscii(text: string, tokens: string[]): boolean {
  const first = tokens.length;
  let start = -1;
  let upper = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) {
      tokens.length = first;
      return false;
    }
    const kind = asciiClasses[code]!;
    if (kind & asciiWord) {
      if (start < 0) start = i;
      if (kind & asciiUpper) upper = true;
      continue;
    }
    if (start < 0) continue;
    // The character after the separator decides; a non-ASCII one has class 0 and joins nothing.
    const next = i + 1 < length ? text.charCodeAt(i + 1) : 128;
    if (next < 128 && joinsAscii(code, asciiClasses[text.charCodeAt(i - 1)]!, asciiClasses[next]!)) continue;
    pushAsciiToken(tokens, text, start, i, upper);
    start = -1;
    upper = false;
  }
  if (start >= 0) pushAsciiToken(tokens, text, start, length, upper);
  return true;
}

function pushAsciiToken(tokens: string[], text: string, start: number, end: number, upper: boolean): void {
  const token = upper ? text.slice(start, end).toLowerCase() : text.slice(start, end);
  if (end - start <= maxTokenLength) tokens.push(token);
  else pushToken(tokens, token);
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

/** Tokens of `text` for the named analyzer (one of implementedAnalyzers). */
export function analyzeText(text: string, analyzer = 'standard'): string[] {
  const tokens: string[] = [];
  switch (analyzer) {
    case 'keyword':
      return text === '' ? [] : [text];
    case 'whitespace':
      for (const token of text.split(/\s+/u)) if (token !== '') pushToken(tokens, token);
      return tokens;
    case 'simple':
      for (const token of text.split(/[^\p{L}]+/u)) if (token !== '') tokens.push(token.toLowerCase());
      return tokens;
    default:
      if (!standardAscii(text, tokens)) standardUnicode(text, tokens);
      return tokens;
  }
}
