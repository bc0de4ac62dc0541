/**
 * The fast path's `ct.pairs` and `ct.text`, written as bytes: the dotted path of the value being walked,
 * the distinct pairs already in `ct.pairs` form (`"path=value",`, content JSON-escaped), and the text.
 * Each pair is the path's raw key bytes + `=` + the value's raw, already escaped content, copied from the
 * record (free-form strings in the same pass that scans them).
 *
 * Limits: anything the reference would cut or flag (pairs, text, a long pair) bails, except a long
 * value, which is cut here exactly as the reference cuts it (utf8Cut).
 */
import { MAX_PAIR_BYTES, MAX_PAIR_VALUE_BYTES, MAX_PAIRS, MAX_TEXT_CHARS } from '../limits.js';
import { bail } from './bail.js';
import { fnv, sameBytes } from './keyGuard.js';
import {
  CLOSING_QUOTE,
  MAX_PATH_BYTES,
  stringByte,
  wordIsPlain,
  type RecordScanner,
} from './recordScanner.js';

const PAIR_SLOTS = 4096; // > 2 × MAX_PAIRS; each slot is [stamp, hash, pair index]

const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');

export class PairsWriter {
  /** The dotted path of the value being walked (4 bytes more: writePath reads it by whole words). */
  readonly path = Buffer.allocUnsafeSlow(MAX_PATH_BYTES + 4);
  readonly pathWords = new DataView(this.path.buffer, this.path.byteOffset, this.path.length);
  pathLen = 0;

  /** Distinct pairs, `"path=value",` each; starts/ends delimit each content. */
  pairs = Buffer.allocUnsafeSlow(64 * 1024);
  private pairWords = new DataView(this.pairs.buffer, this.pairs.byteOffset, this.pairs.length);
  pairLen = 0;
  pairCount = 0;
  private readonly starts = new Int32Array(MAX_PAIRS);
  private readonly ends = new Int32Array(MAX_PAIRS);
  private readonly table = new Int32Array(PAIR_SLOTS * 3);
  /** Generation of `table`: a slot is used when its stamp is current. */
  private stamp = 0;
  // Two pairs can only be equal when their paths are: with no dotted key, a path is the key sequence
  // joined with `.`, so two leaves share it only under one array (objects repeat no key: that bails).
  // So outside pair-writing arrays pairs are not hashed at all, and each outermost such array gets a
  // fresh table (a new stamp). The first dotted free-form key hashes every pair so far into a fresh
  // table, and from then on every pair is checked against all the record's pairs.
  /** Enclosing arrays whose elements may write pairs. */
  arrayDepth = 0;
  /** A dotted key was seen: every pair is deduplicated against all. */
  dedupAll = false;

  /** `ct.text` content (JSON-escaped); `textChars` mirrors the reference's count (length + 1 per part). */
  readonly text = Buffer.allocUnsafeSlow(MAX_TEXT_CHARS + 8);
  private readonly textWords = new DataView(this.text.buffer, this.text.byteOffset, this.text.length);
  textLen = 0;
  private textChars = 0;
  /** A value was cut to MAX_PAIR_VALUE_BYTES. */
  valueTruncated = false;

  /** A re-encoded string (or a converted number), when the raw bytes cannot be used as they are. */
  private scratch = Buffer.allocUnsafe(4096);

  /** Before each record. */
  startRecord(): void {
    this.pathLen = 0;
    this.pairLen = 0;
    this.pairCount = 0;
    this.textLen = 0;
    this.textChars = 0;
    this.valueTruncated = false;
    this.arrayDepth = 0;
    this.dedupAll = false;
  }

  /** The path becomes the key just scanned (by scanKey(…, 0), which already wrote its bytes). */
  setPath(start: number, end: number): void {
    if (end - start > MAX_PATH_BYTES) bail('limits');
    this.pathLen = end - start;
  }

  /** The path extends with the key just scanned (by scanKey(…, pathLen + 1), which wrote its bytes). */
  appendPath(start: number, end: number): void {
    const at = this.pathLen;
    if (at + 1 + end - start > MAX_PATH_BYTES) bail('limits');
    this.path[at] = 0x2e;
    this.pathLen = at + 1 + end - start;
  }

  /** Entering an array whose elements may write pairs (leaveArray() when it closes). */
  enterArray(): void {
    if (this.arrayDepth++ === 0 && !this.dedupAll) this.newPairScope();
  }

  leaveArray(): void {
    this.arrayDepth--;
  }

  /** A dotted free-form key was just scanned: from now on every pair is deduplicated against all. */
  dedupEverything(): void {
    this.dedupAll = true;
    this.newPairScope();
    // The pairs so far are distinct (see above): they only need to go into the table.
    const table = this.table;
    const stamp = this.stamp;
    for (let i = 0; i < this.pairCount; i++) {
      const hash = fnv(this.pairs, this.starts[i]!, this.ends[i]!);
      let slot = (hash & (PAIR_SLOTS - 1)) * 3;
      while (table[slot] === stamp) slot = slot === (PAIR_SLOTS - 1) * 3 ? 0 : slot + 3;
      table[slot] = stamp;
      table[slot + 1] = hash;
      table[slot + 2] = i;
    }
  }

  /** A fresh (empty) pair table. */
  private newPairScope(): void {
    if (++this.stamp === 0x7fffffff) {
      this.stamp = 1;
      this.table.fill(0);
    }
  }

  private addText(from: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.textChars + length > MAX_TEXT_CHARS) bail('limits'); // the reference might cut the text here
    if (this.textChars > 0) this.text[this.textLen++] = 0x20;
    copyBytes(from, start, end, this.text, this.textLen);
    this.textLen += length;
    this.textChars += length + 1;
  }

  private addPair(from: Buffer, start: number, end: number): void {
    if (this.pairCount >= MAX_PAIRS) bail('limits');
    const size = this.pathLen + 1 + end - start;
    // Escapes make the content longer than the decoded pair: measure the decoded size only then.
    if (size > MAX_PAIR_BYTES && this.pathLen + 1 + utf8Size(from, start, end) > MAX_PAIR_BYTES)
      bail('limits'); // the reference cuts the pair
    const at = this.openPair(size + 8); // quotes, comma, and writePath's overshoot
    const buf = this.pairs;
    let p = this.writePath(at);
    buf[p++] = 0x3d; // =
    if (end - start > 64) {
      buf.set(from.subarray(start, end), p);
      p += end - start;
    } else for (let i = start; i < end; i++) buf[p++] = from[i]!;
    this.closePair(at, p);
  }

  /** A `true` or `false` leaf (just scanned) at the current path. */
  booleanLeaf(value: boolean): void {
    if (value) this.addPair(TRUE_BYTES, 0, 4);
    else this.addPair(FALSE_BYTES, 0, 5);
  }

  /**
   * Makes room for a pair of at most `room` bytes (with its quotes and comma) and writes its opening
   * quote; returns where its content starts.
   */
  private openPair(room: number): number {
    const length = this.pairLen;
    if (length + room > this.pairs.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.pairs.length * 2, length + room));
      this.pairs.copy(bigger, 0, 0, length);
      this.pairs = bigger;
      this.pairWords = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    }
    this.pairs[length] = 0x22;
    return length + 1;
  }

  /**
   * Writes the path at `pairs[at]` four bytes at a time (the last word may run up to 3 bytes past
   * it, into room openPair made, which the pair overwrites next); returns where the path ends.
   */
  private writePath(at: number): number {
    const from = this.pathWords;
    const to = this.pairWords;
    const length = this.pathLen;
    for (let i = 0; i < length; i += 4) to.setInt32(at + i, from.getInt32(i, true), true);
    return at + length;
  }

  /** Keeps the pair whose content was written at `pairs[at, end)`, unless it repeats an earlier one. */
  private closePair(at: number, end: number): void {
    const buf = this.pairs;
    buf[end] = 0x22;
    buf[end + 1] = 0x2c;
    // Outside pair-writing arrays a pair has a path of its own (see arrayDepth): no duplicate to look for.
    if (this.arrayDepth !== 0 || this.dedupAll) {
      const hash = fnv(buf, at, end);
      const table = this.table;
      const stamp = this.stamp;
      let slot = (hash & (PAIR_SLOTS - 1)) * 3;
      while (table[slot] === stamp) {
        const other = table[slot + 2]!;
        if (table[slot + 1] === hash && sameBytes(buf, this.starts[other]!, this.ends[other]!, buf, at, end))
          return;
        slot = slot === (PAIR_SLOTS - 1) * 3 ? 0 : slot + 3;
      }
      table[slot] = stamp;
      table[slot + 1] = hash;
      table[slot + 2] = this.pairCount;
    }
    const count = this.pairCount;
    this.starts[count] = at;
    this.ends[count] = end;
    this.pairCount = count + 1;
    this.pairLen = end + 2;
  }

  /**
   * A free-form string at the scanner's position (its opening quote), scanned and copied in one pass,
   * four bytes at a time where it can: each word goes straight into its pair (after the path and `=`)
   * and into the text. A string that needs re-encoding or cutting (rare) is dropped from both and goes
   * to stringLeaf, as does one that might not fit the text's buffer.
   */
  freeString(scanner: RecordScanner): void {
    if (this.pairCount >= MAX_PAIRS) bail('limits');
    const src = scanner.src;
    // The rest of the record bounds the string's length.
    const rest = scanner.end - scanner.pos;
    if (this.textLen + rest + 8 > this.text.length) {
      scanner.scanString();
      this.stringLeaf(scanner);
      return;
    }
    const at = this.openPair(this.pathLen + 8 + rest);
    const buf = this.pairs;
    let q = this.writePath(at);
    buf[q++] = 0x3d; // =
    const text = this.text;
    let t = this.textLen;
    if (this.textChars > 0) text[t++] = 0x20; // kept only with a non-empty value
    const view = scanner.view;
    const pairs = this.pairWords;
    const texts = this.textWords;
    const start = scanner.pos + 1;
    let p = start;
    let flags = 0;
    for (;;) {
      const v = view.getInt32(p, true);
      if (wordIsPlain(v)) {
        pairs.setInt32(q, v, true);
        texts.setInt32(t, v, true);
        p += 4;
        q += 4;
        t += 4;
        continue;
      }
      // a byte at a time up to the word's first special byte; an escape's two bytes at once (a `\u`'s
      // hex digits are then copied as plain bytes)
      const kind = stringByte(src, p);
      if (kind === CLOSING_QUOTE) break;
      if (kind > flags) flags = kind;
      const end = kind === 0 ? p + 1 : p + 2;
      for (; p < end; p++) {
        buf[q++] = src[p]!;
        text[t++] = src[p]!;
      }
    }
    scanner.strStart = start;
    scanner.strEnd = p;
    scanner.strFlags = flags;
    scanner.pos = p + 1;
    const length = p - start;
    if (flags === 2 || length > MAX_PAIR_VALUE_BYTES) {
      if (flags === 2) scanner.escaped = true;
      this.stringLeaf(scanner); // writes over what was copied here
      return;
    }
    if (length > 0) {
      if (this.textChars + length > MAX_TEXT_CHARS) bail('limits'); // the reference might cut the text here
      this.textLen = t;
      this.textChars += length + 1;
    }
    if (
      this.pathLen + 1 + length > MAX_PAIR_BYTES &&
      this.pathLen + 1 + utf8Size(src, start, p) > MAX_PAIR_BYTES
    )
      bail('limits'); // the reference cuts the pair
    this.closePair(at, q);
  }

  /** The string just scanned, as a leaf of the free-form walk. */
  stringLeaf(scanner: RecordScanner): void {
    let from = scanner.src;
    let start = scanner.strStart;
    let end = scanner.strEnd;
    if (scanner.strFlags === 2) {
      const decoded = JSON.parse(from.toString('utf8', start - 1, end + 1)) as string;
      const json = JSON.stringify(decoded);
      if (json.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(json.length * 3);
      from = this.scratch;
      start = 1;
      end = from.write(json, 0, 'utf8') - 1;
    }
    if (end - start > MAX_PAIR_VALUE_BYTES) {
      const cut = utf8Cut(from, start, end, MAX_PAIR_VALUE_BYTES);
      if (cut < end) {
        this.valueTruncated = true;
        end = cut;
      }
    }
    if (end > start) this.addText(from, start, end);
    this.addPair(from, start, end);
  }

  /** The number just scanned (`plain`: its text is String(Number(raw))), as a leaf of the free-form walk. */
  numberLeaf(scanner: RecordScanner, plain: boolean): void {
    let from = scanner.src;
    let start = scanner.numStart;
    let end = scanner.numEnd;
    if (!plain) {
      const text = String(Number(from.toString('latin1', start, end)));
      from = this.scratch;
      start = 0;
      end = from.write(text, 0, 'latin1');
    }
    this.addText(from, start, end);
    this.addPair(from, start, end);
  }
}

export function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
  // Buffer#copy costs a native call and a view per use: a loop is cheaper for short runs. A plain
  // Uint8Array view costs less than Buffer#subarray's.
  if (end - start > 64) to.set(new Uint8Array(from.buffer, from.byteOffset + start, end - start), at);
  else for (let i = start; i < end; i++) to[at++] = from[i]!;
}

/** The UTF-8 size of the decoded string whose canonical JSON content is `bytes[start, end)`. */
function utf8Size(bytes: Buffer, start: number, end: number): number {
  let size = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0x5c) {
      if (bytes[i + 1] === 0x75) {
        const code = parseInt(bytes.toString('latin1', i + 2, i + 6), 16);
        size += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
        i += 5;
      } else {
        size += 1;
        i += 1;
      }
    } else size += 1; // every byte of a raw UTF-8 character counts once
  }
  return size;
}

/**
 * Where to cut canonical string content so that its decoded UTF-8 fits `maxBytes`, as
 * truncateUtf8 cuts the decoded string: before the first character that does not fit, never inside
 * a character or an escape sequence. Returns `end` when everything fits.
 */
export function utf8Cut(bytes: Buffer, start: number, end: number, maxBytes: number): number {
  let size = 0;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    let width: number;
    let advance: number;
    if (b === 0x5c) {
      if (bytes[i + 1] === 0x75) {
        // canonical content escapes only control characters (1 byte) and lone surrogates (U+FFFD, 3)
        const code = parseInt(bytes.toString('latin1', i + 2, i + 6), 16);
        width = code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
        advance = 6;
      } else {
        width = 1;
        advance = 2;
      }
    } else if (b < 0x80) {
      width = advance = 1;
    } else if (b < 0xe0) {
      width = advance = 2;
    } else if (b < 0xf0) {
      width = advance = 3;
    } else {
      width = advance = 4; // a surrogate pair in UTF-16: kept or cut as a whole
    }
    if (size + width > maxBytes) return i;
    size += width;
    i += advance;
  }
  return end;
}
