/**
 * A small stand-in for the `standard` analyzer: lowercase words, split on anything that is not a letter,
 * digit or underscore. Like Unicode word segmentation (UAX #29), a `.` or `'` between two letters or two
 * digits, a `:` between letters and a `,` between digits do not split, so `s3.amazonaws.com`,
 * `arn:aws:iam` and `10.0.0.1` each stay one token. Tokens longer than 255 characters are cut into
 * pieces, as the standard tokenizer's `max_token_length` does.
 */

const wordChar = /[\p{L}\p{N}\p{M}_]/u;
const letter = /[\p{L}\p{M}]/u;
const digit = /\p{N}/u;
const maxTokenLength = 255;

function joinsWords(separator: string, before: string, after: string): boolean {
  const letters = letter.test(before) && letter.test(after);
  const digits = digit.test(before) && digit.test(after);
  if (separator === '.' || separator === "'") return letters || digits;
  if (separator === ':') return letters;
  if (separator === ',' || separator === ';') return digits;
  return false;
}

export function analyzeText(text: string): string[] {
  const chars = [...text];
  const tokens: string[] = [];
  let current = '';
  const flush = (): void => {
    for (let i = 0; i < current.length; i += maxTokenLength)
      tokens.push(current.slice(i, i + maxTokenLength));
    current = '';
  };
  chars.forEach((ch, i) => {
    if (wordChar.test(ch)) {
      current += ch.toLowerCase();
    } else if (current !== '' && i + 1 < chars.length && joinsWords(ch, chars[i - 1]!, chars[i + 1]!)) {
      current += ch;
    } else {
      flush();
    }
  });
  flush();
  return tokens;
}
