/**
 * Finds where one JSON value ends, fed one chunk at a time. It keeps just enough state to resume
 * at any byte (open brackets, inside-a-string, pending escape), so a value, a string or an
 * escape may be split across chunks anywhere. It checks structure only: brackets must match and
 * bare words must be numbers or literals; what is inside strings and objects is left to
 * JSON.parse downstream, which sees each record anyway.
 */
import { describeByte } from './errors.js';

// The bytes the hot loop compares against, as module-local constants on purpose: V8 reads an
// imported binding from its module cell on every use, which made this loop ~30% slower.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** A structural fault at `index` in the buffer being scanned; the splitter adds file context. */
export class ScanFault extends Error {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(detail);
  }
}

const SCALAR_PATTERN = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$/;
// Longer than any sane number; keeps a run of garbage from growing the buffer.
const MAX_SCALAR_BYTES = 512;

export class ValueScanner {
  /**
   * Opening bytes of the containers we are inside, innermost at depth - 1; depth 0 for a bare
   * string/scalar. A typed array with a depth index rather than push/pop on a plain array: the
   * scan loop touches it at every bracket.
   */
  private stack: Uint8Array = new Uint8Array(64);
  private depth = 0;
  private inString = false;
  private escapePending = false;
  private inScalar = false;
  /** Bytes of the bare number/literal being read (when inScalar). */
  private readonly scalar: number[] = [];
  // A DataView of the chunk being scanned, for reading four bytes at once. Fields keep one type
  // from the start (no undefined), so V8 does not have to re-optimize when they are first set.
  private viewed: Buffer = Buffer.alloc(0);
  private view = new DataView(this.viewed.buffer, this.viewed.byteOffset, 0);

  /** Starts a value whose first byte (already consumed by the caller) is `first`. */
  begin(first: number): void {
    this.depth = 0;
    this.inString = false;
    this.escapePending = false;
    this.inScalar = false;
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      this.stack[0] = first;
      this.depth = 1;
    } else if (first === QUOTE) {
      this.inString = true;
    } else {
      this.inScalar = true;
      this.scalar.length = 0;
      this.scalar.push(first);
    }
  }

  /**
   * Scans `buf` from `pos`. Returns the index just past the value (for a bare number/literal: the
   * index of the byte that ended it, which is not consumed), or -1 when `buf` ended first.
   * Throws ScanFault on a mismatched bracket or an invalid bare word.
   */
  scan(buf: Buffer, start: number): number {
    if (this.inScalar) return this.scanScalar(buf, start);
    const len = buf.length;
    let pos = start;
    if (this.escapePending) {
      if (pos >= len) return -1;
      pos++;
      this.escapePending = false;
    }
    // Backslashes from here on can escape a quote in this chunk (see backslashesBefore).
    const floor = pos;
    const view = this.viewOf(buf);
    const lastWord = len - 4;
    let stack = this.stack;
    let depth = this.depth;
    // Two tight loops, one inside strings and one outside: most of a CloudTrail record is
    // string content, so the inner one is the hot path and does as little as possible.
    let inString = this.inString;
    for (;;) {
      if (inString) {
        for (;;) {
          // Only quotes are looked for, four bytes at a time (a SWAR zero-byte test on the word
          // XORed with '"'; its lowest flagged byte is always a true match, false flags only
          // appear above one). Backslashes are rare: a quote is checked for escaping only once
          // found, by the run of backslashes before it (~10% faster than stopping at each
          // backslash too).
          let quote = -1;
          while (pos <= lastWord) {
            const quotes = view.getInt32(pos, true) ^ 0x22222222;
            const hits = (quotes - 0x01010101) & ~quotes & 0x80808080;
            if (hits !== 0) {
              quote = pos + ((31 - Math.clz32(hits & -hits)) >> 3);
              break;
            }
            pos += 4;
          }
          if (quote < 0) {
            // Fewer than four bytes left: byte by byte.
            while (pos < len && buf[pos] !== QUOTE) pos++;
            if (pos === len) {
              // The chunk ended inside the string: an odd run of backslashes at its end escapes
              // the next chunk's first byte.
              this.inString = true;
              this.escapePending = (backslashesBefore(buf, len, floor) & 1) === 1;
              this.depth = depth;
              return -1;
            }
            quote = pos;
          }
          pos = quote + 1;
          // Bytes before `floor` are not this string's content in this chunk (an escaped byte
          // already skipped); the string's opening quote also ends any run.
          if (quote === floor || buf[quote - 1] !== BACKSLASH) break;
          if ((backslashesBefore(buf, quote, floor) & 1) === 0) break;
        }
        if (depth === 0) {
          this.inString = false;
          return pos;
        }
      }
      for (;;) {
        if (pos >= len) {
          this.inString = false;
          this.depth = depth;
          return -1;
        }
        const c = buf[pos++]!;
        if (c === QUOTE) break;
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (depth === stack.length) stack = this.grow();
          stack[depth++] = c;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          // '{'/'}' and '['/']' are both two apart.
          if (stack[--depth] !== c - 2) throw new ScanFault(pos - 1, `mismatched ${describeByte(c)}`);
          if (depth === 0) {
            this.inString = false;
            this.depth = 0;
            return pos;
          }
        }
      }
      inString = true;
    }
  }

  /** Doubles the bracket stack (deeply nested values are rare). */
  private grow(): Uint8Array {
    const larger = new Uint8Array(this.stack.length * 2);
    larger.set(this.stack);
    this.stack = larger;
    return larger;
  }

  private viewOf(buf: Buffer): DataView {
    if (this.viewed !== buf) {
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      this.viewed = buf;
    }
    return this.view;
  }

  private scanScalar(buf: Buffer, pos: number): number {
    const scalar = this.scalar;
    const len = buf.length;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) {
        const word = String.fromCharCode(...scalar);
        if (!SCALAR_PATTERN.test(word)) throw new ScanFault(pos - scalar.length, `invalid value '${word}'`);
        this.inScalar = false;
        return pos;
      }
      if (scalar.length >= MAX_SCALAR_BYTES || c < 0x21 || c > 0x7e) {
        throw new ScanFault(pos, `invalid value starting '${String.fromCharCode(...scalar.slice(0, 20))}'`);
      }
      scalar.push(c);
      pos++;
    }
    return -1;
  }
}

/** How many backslashes come right before `end` in `buf`, not looking before `floor`. */
function backslashesBefore(buf: Buffer, end: number, floor: number): number {
  let at = end - 1;
  while (at >= floor && buf[at] === BACKSLASH) at--;
  return end - 1 - at;
}
