/**
 * The analyzers this server implements: a stand-in for `standard` (lower-cased words, split on
 * anything that is not a letter, digit or underscore; like Unicode word segmentation, a `.` or `'`
 * between two letters or two digits, a `:` between letters and a `,` or `;` between digits do not
 * split, so `arn:aws:iam`, `10.0.0.1` and `amazonaws.com` stay one token; tokens longer than 255
 * characters are cut, as `max_token_length` does), `simple` (lower-cased runs of letters),
 * `whitespace` (runs of non-space characters, case kept) and `keyword` (the whole value). ASCII text,
 * nearly all of CloudTrail, is matched with one regular expression; other text goes through Unicode classes.
 */

export const implementedAnalyzers = new Set(['standard', 'default', 'simple', 'whitespace', 'keyword']);

const maxTokenLength = 255;
const wordChar = /[\p{L}\p{N}\p{M}_]/u;
const letter = /[\p{L}\p{M}]/u;
const digit = /\p{N}/u;

function pushToken(tokens: string[], token: string): void {
  for (let i = 0; i < token.length; i += maxTokenLength) tokens.push(token.slice(i, i + maxTokenLength));
}

/**
 * A standard token of ASCII text: a run of letters, digits and `_`, going on across a `.` or `'`
 * between two letters or two digits, a `:` between two letters, a `,` or `;` between two digits (the
 * lookbehind sees the run's last character, the lookahead the next run's first). Matching it over the
 * whole text runs in the regular-expression engine, about twice as fast as a loop over the characters.
 * (Only ever used by `match`, which starts from 0 and leaves lastIndex at 0.)
 */
const asciiToken = /\w+(?:(?:(?<=[A-Za-z])[.':](?=[A-Za-z])|(?<=\d)[.',;](?=\d))\w+)*/g;
const notAscii = /[\u0080-\uffff]/;

/** The standard analyzer over ASCII text; lower-casing first changes no boundary, only letters. */
function standardAscii(text: string): string[] {
  const tokens = text.toLowerCase().match(asciiToken);
  if (tokens === null) return [];
  for (const token of tokens) {
    if (token.length > maxTokenLength) {
      const cut: string[] = [];
      for (const whole of tokens) pushToken(cut, whole);
      return cut;
    }
  }
  return tokens;
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
      if (!notAscii.test(text)) return standardAscii(text);
      standardUnicode(text, tokens);
      return tokens;
  }
}
