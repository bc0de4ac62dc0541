/**
 * The fast path's tokenizer: the record's bytes, a position in them, and the scans of each kind of
 * token (whitespace, strings, keys, numbers, literals, separators). It also tracks whether the record is
 * "canonical", the very text JSON.stringify writes for its parse (see FastBuilder), and whether it holds
 * raw CR/LF between tokens (they become spaces in the source).
 *
 * Anything it does not accept ends the record with bail(): invalid JSON, a raw control character, a key
 * with a `\u` or `\/` escape or starting with a digit.
 */
import { MAX_PAIR_BYTES } from '../limits.js';
import { bail } from './bail.js';

/** A path longer than this bails (a pair never exceeds MAX_PAIR_BYTES). */
export const MAX_PATH_BYTES = MAX_PAIR_BYTES;

const MAX_ODD_NUMBERS = 64;

/**
 * Whether none of the four bytes `v` holds is `"`, `\` or a control character (SWAR: a byte's top
 * bit in each term flags a zero byte of `v ^ "`, of `v ^ \`, or a byte of `v` below 0x20; a
 * borrow can only flag a byte above one that is truly flagged).
 */
export function wordIsPlain(v: number): boolean {
  const quote = v ^ 0x22222222;
  const backslash = v ^ 0x5c5c5c5c;
  const flagged =
    ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((v - 0x20202020) & ~v);
  return (flagged & 0x80808080) === 0;
}

function isHex(b: number | undefined): boolean {
  return (
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46))
  );
}

/** What stringByte says of a string's closing quote. */
export const CLOSING_QUOTE = -1;

/**
 * The byte at `src[p]` inside a string: CLOSING_QUOTE, 0 for a byte taken as it is, or the kind of the
 * escape it starts (see escapeKind). A raw control character (or the record's end) is not JSON.
 */
export function stringByte(src: Buffer, p: number): number {
  const b = src[p]!;
  if (b === 0x22) return CLOSING_QUOTE;
  if (b === 0x5c) return escapeKind(src, p);
  if (b < 0x20) bail('invalid-json');
  return 0;
}

/**
 * The escape whose backslash is at `src[p]`, in a string: 1 when JSON.stringify writes it as it is
 * (`\"` `\\` `\b` `\f` `\n` `\r` `\t`), 2 when the string must be re-encoded (`\u` and four hex
 * digits, `\/`). Anything else is not JSON.
 */
function escapeKind(src: Buffer, p: number): number {
  const c = src[p + 1];
  if (c === 0x22 || c === 0x5c || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74)
    return 1;
  if (c === 0x75) {
    if (!isHex(src[p + 2]) || !isHex(src[p + 3]) || !isHex(src[p + 4]) || !isHex(src[p + 5]))
      bail('invalid-json');
    return 2;
  }
  if (c !== 0x2f) bail('invalid-json');
  return 2;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

export class RecordScanner {
  /**
   * The record (without surrounding whitespace), copied and followed by a 0 byte: a control character,
   * which ends every token, so no scan reads past it but the four-byte reads of long strings (see
   * wordIsPlain), which stop at a word holding it.
   */
  src = Buffer.allocUnsafeSlow(64 * 1024);
  view = new DataView(this.src.buffer, this.src.byteOffset, this.src.length);
  /** The record's length. */
  end = 0;
  pos = 0;
  /** A raw CR/LF between tokens (it becomes a space in the source). */
  sawNewline = false;

  // Whether the record is canonical: no whitespace between tokens, no `\u` or `\/` escape in a string,
  // every number as String(Number(raw)). Keys need no tracking: the walk bails on non-canonical,
  // repeated and integer-like keys (JSON.parse would reorder those).
  spaced = false;
  escaped = false;
  /** [start, end) of numbers whose text may not be String(Number(raw)): checked only if it matters. */
  private readonly oddNumbers = new Int32Array(MAX_ODD_NUMBERS * 2);
  private oddCount = 0;

  // The last string or key scanned: its content range, and for strings whether it holds escapes (0 none,
  // 1 only canonical ones, 2 some that need re-encoding); for keys, whether it holds a dot.
  strStart = 0;
  strEnd = 0;
  strFlags = 0;
  keyDot = false;
  numStart = 0;
  numEnd = 0;

  /** Takes `bytes` (a record starting with `{`) as the record to scan, from after its `{`. */
  load(bytes: Buffer): void {
    const length = bytes.length;
    if (length + 8 > this.src.length) {
      this.src = Buffer.allocUnsafeSlow(Math.max(this.src.length * 2, length + 8));
      this.view = new DataView(this.src.buffer, this.src.byteOffset, this.src.length);
    }
    this.src.set(bytes, 0);
    this.src[length] = 0; // see `src`
    this.end = length;
    this.pos = 1;
    this.sawNewline = false;
    this.spaced = false;
    this.escaped = false;
    this.oddCount = 0;
  }

  ws(): void {
    const bytes = this.src;
    let p = this.pos;
    let b = bytes[p]!;
    if (b > 0x20) return; // the common case: no whitespace
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return;
    this.spaced = true;
    while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
      if (b === 0x0a || b === 0x0d) this.sawNewline = true;
      b = bytes[++p]!;
    }
    this.pos = p;
  }

  expect(byte: number): void {
    if (this.src[this.pos] !== byte) bail('invalid-json');
    this.pos++;
  }

  /** A string at `pos` (its opening quote): validates it and records its content range. */
  scanString(): void {
    const src = this.src;
    const view = this.view;
    let p = this.pos + 1;
    const start = p;
    let flags = 0;
    for (;;) {
      if (wordIsPlain(view.getInt32(p, true))) {
        p += 4;
        continue;
      }
      const kind = stringByte(src, p);
      if (kind === CLOSING_QUOTE) break;
      if (kind > flags) flags = kind;
      p += kind === 0 ? 1 : src[p + 1] === 0x75 ? 6 : 2;
    }
    this.strStart = start;
    this.strEnd = p;
    this.strFlags = flags;
    this.pos = p + 1;
    if (flags === 2) this.escaped = true;
  }

  /**
   * A key at `pos`: like a string, plus whether it holds a dot. Only canonical keys are taken, so
   * equal keys have equal bytes (duplicates, typed names) and the raw bytes are the path's. The bytes
   * are also copied to `path` from `to` (where the path would extend with this key; a write past
   * MAX_PATH_BYTES is dropped, and the path's setters then bail), saving a second pass.
   */
  scanKey(path: Buffer, pathWords: DataView, to: number): void {
    const src = this.src;
    let q = to;
    if (src[this.pos] !== 0x22) bail('invalid-json');
    let p = this.pos + 1;
    const start = p;
    let dot = false;
    const view = this.view;
    for (;;) {
      // four such bytes at once (SWAR, see wordIsPlain), while the path has room for them
      const v = view.getInt32(p, true);
      const backslash = v ^ 0x5c5c5c5c;
      if (
        q <= MAX_PATH_BYTES &&
        ((((v - 0x2f2f2f2f) & ~v) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) === 0
      ) {
        pathWords.setInt32(q, v, true);
        q += 4;
        p += 4;
        continue;
      }
      const b = src[p];
      // most key bytes: digits, letters, `_`, UTF-8 (above `.`, not `\`)
      if (b !== undefined && b > 0x2e && b !== 0x5c) {
        path[q++] = b;
        p++;
        continue;
      }
      if (b === 0x22) break;
      if (b === undefined || b < 0x20) bail('invalid-json');
      if (b === 0x5c) {
        const c = src[p + 1]!;
        if (c !== 0x22 && c !== 0x5c && c !== 0x62 && c !== 0x66 && c !== 0x6e && c !== 0x72 && c !== 0x74)
          bail('odd-key');
        path[q++] = b;
        path[q++] = c;
        p += 2;
        continue;
      }
      if (b === 0x2e) dot = true;
      path[q++] = b;
      p++;
    }
    this.strStart = start;
    this.strEnd = p;
    this.keyDot = dot;
    this.pos = p + 1;
    // JSON.parse puts integer-like keys ("0", "42") first in an object's key order: not handled here.
    if (p > start && isDigit(src[start])) bail('odd-key');
  }

  /** A number at `pos`; returns true when its raw text is also `String(Number(raw))`. */
  scanNumber(): boolean {
    const src = this.src;
    let p = this.pos;
    const start = p;
    if (src[p] === 0x2d) p++;
    const first = src[p];
    if (first === 0x30) p++;
    else if (first !== undefined && first >= 0x31 && first <= 0x39) {
      p++;
      while (isDigit(src[p])) p++;
    } else bail('invalid-json');
    let plain = p - start <= 15 && !(first === 0x30 && p - start === 2); // "-0" prints as "0"
    if (src[p] === 0x2e) {
      plain = false;
      p++;
      if (!isDigit(src[p])) bail('invalid-json');
      while (isDigit(src[p])) p++;
    }
    if (src[p] === 0x65 || src[p] === 0x45) {
      plain = false;
      p++;
      if (src[p] === 0x2b || src[p] === 0x2d) p++;
      if (!isDigit(src[p])) bail('invalid-json');
      while (isDigit(src[p])) p++;
    }
    this.numStart = start;
    this.numEnd = p;
    this.pos = p;
    if (!plain) this.noteOddNumber(start, p);
    return plain;
  }

  private noteOddNumber(start: number, end: number): void {
    const count = this.oddCount;
    if (count < MAX_ODD_NUMBERS) {
      this.oddNumbers[count * 2] = start;
      this.oddNumbers[count * 2 + 1] = end;
    }
    this.oddCount = count + 1;
  }

  /** Whether the record just scanned is exactly what JSON.stringify writes for its parse. */
  isCanonical(): boolean {
    const count = this.oddCount;
    if (this.spaced || this.escaped || count > MAX_ODD_NUMBERS) return false;
    for (let i = 0; i < count; i++) {
      const raw = this.src.toString('latin1', this.oddNumbers[i * 2], this.oddNumbers[i * 2 + 1]);
      if (String(Number(raw)) !== raw) return false; // `1.0`, `1e5`, `-0`, `1e400`...
    }
    return true;
  }

  private literal(a: number, b: number, c: number, d: number): void {
    const src = this.src;
    const p = this.pos;
    if (src[p] !== a || src[p + 1] !== b || src[p + 2] !== c || src[p + 3] !== d) bail('invalid-json');
    this.pos = p + 4;
  }

  scanTrue(): void {
    this.literal(0x74, 0x72, 0x75, 0x65);
  }

  scanFalse(): void {
    if (this.src[this.pos] !== 0x66) bail('invalid-json');
    this.pos++;
    this.literal(0x61, 0x6c, 0x73, 0x65);
  }

  scanNull(): void {
    this.literal(0x6e, 0x75, 0x6c, 0x6c);
  }

  /**
   * At a container's opening bracket: steps inside, past whitespace. False when the container is
   * empty (then past its closing `close` too).
   */
  enter(close: number): boolean {
    this.pos++;
    this.ws();
    if (this.src[this.pos] !== close) return true;
    this.pos++;
    return false;
  }

  /** After a member or element: true at `,` (consumed, and the whitespace after it), false at `close`. */
  nextOrClose(close: number): boolean {
    this.ws();
    const b = this.src[this.pos];
    if (b === 0x2c) {
      this.pos++;
      this.ws();
      return true;
    }
    if (b !== close) bail('invalid-json');
    this.pos++;
    return false;
  }

  /** After a key: its colon and the whitespace around it. */
  colon(): void {
    this.ws();
    this.expect(0x3a);
    this.ws();
  }

  /** The string just scanned is "true", "false" or "" (what a boolean mapping accepts). */
  isBooleanText(): boolean {
    if (this.strFlags !== 0) return false;
    const src = this.src;
    const s = this.strStart;
    const n = this.strEnd - s;
    if (n === 0) return true;
    if (n === 4) return src[s] === 0x74 && src[s + 1] === 0x72 && src[s + 2] === 0x75 && src[s + 3] === 0x65;
    if (n === 5)
      return (
        src[s] === 0x66 &&
        src[s + 1] === 0x61 &&
        src[s + 2] === 0x6c &&
        src[s + 3] === 0x73 &&
        src[s + 4] === 0x65
      );
    return false;
  }

  /** Whether `src[start, end)` holds a `:` or `%` (IPv6 text; see ipOrUndefined). */
  hasColonOrPercent(start: number, end: number): boolean {
    const src = this.src;
    for (let i = start; i < end; i++) if (src[i] === 0x3a || src[i] === 0x25) return true;
    return false;
  }
}
