/** UTF-8 byte budgeting for strings that become Lucene terms. */

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // Each UTF-16 code unit needs at most 3 bytes, so short strings need no measuring (the hot path).
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  let bytes = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    let width: number;
    let units = 1;
    if (code < 0x80) width = 1;
    else if (code < 0x800) width = 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      width = 4;
      units = 2;
    } else width = 3; // BMP character, or a lone surrogate (encoded as U+FFFD, 3 bytes)
    if (bytes + width > maxBytes) return { text: text.slice(0, index), truncated: true };
    bytes += width;
    index += units;
  }
  return { text, truncated: false };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
