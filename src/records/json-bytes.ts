/** Byte values of the JSON syntax the scanners look for. */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/** UTF-8 byte order mark, tolerated at the very start of a stream. */
export const BOM = [0xef, 0xbb, 0xbf] as const;

/** JSON insignificant whitespace: space, tab, line feed, carriage return. */
export function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** First byte of a number, `true`, `false` or `null`. */
export function startsScalar(byte: number): boolean {
  return byte === 0x2d || (byte >= 0x30 && byte <= 0x39) || byte === 0x74 || byte === 0x66 || byte === 0x6e;
}
