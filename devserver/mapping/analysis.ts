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
      if (isAscii(text)) standardAscii(text, tokens);
      else standardUnicode(text, tokens);
      return tokens;
  }
}
