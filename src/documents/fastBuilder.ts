/**
 * The document builder's fast path: one pass of a byte-level JSON tokenizer over the record's
 * UTF-8 bytes that writes `ct.pairs` and `ct.text` straight into byte buffers.
 *
 * Why a hand-written tokenizer beats `JSON.parse` + a walk here: the parse-based builder decodes the
 * whole record into a V8 object graph (one string per key and per value, one object per container),
 * walks that graph to build a `path=value` string per leaf, then `JSON.stringify` escapes every one
 * of those strings again. The pairs are, byte for byte, the path's raw key bytes + `=` + the value's
 * raw JSON string content (already escaped the way JSON.stringify escapes it), so they can be copied
 * from the record without decoding, allocating or re-escaping anything. Only the three values the
 * builder must read (eventTime, eventID, sourceIPAddress) are decoded to strings.
 *
 * The fast path must give exactly the parse-based builder's output (`buildDocumentReference`:
 * same `_source` bytes, `_index`, `_id`, `eventTimeMs`; test/documents/fastBuilder.test.ts checks it
 * on every sample record and on thousands of generated ones). It handles the common case and
 * returns `undefined` ("bail out", the caller then runs the reference builder) whenever it is not
 * sure: a value that must be displaced into `ct.original` (but for a root `@timestamp` or `ct` in a
 * canonical record, see below), duplicate keys, invalid UTF-8 or JSON, a key with a `\u` or `\/`
 * escape or starting with a digit (JSON.parse orders integer-like keys first), more than MAX_PAIRS
 * pairs, `ct.text` near its limit, a very long pair, deep nesting, an empty record.
 *
 * Equivalences it relies on (each keeps the output identical):
 * - A JSON string's content is "canonical" when it holds no `\/` and no `\u` escape: it is then
 *   exactly what JSON.stringify writes for the decoded string (which escapes only `"`, `\`, control
 *   characters and lone surrogates, and valid JSON cannot hold the last two raw). Other strings are
 *   decoded and re-encoded with JSON.parse/JSON.stringify (rare).
 * - JSON.stringify of `path + "=" + value` is the concatenation of the canonical pieces, so two
 *   pairs are equal strings exactly when their canonical bytes are equal (deduplication on bytes).
 * - Canonical content is never shorter in bytes than the decoded string's UTF-8 or its UTF-16
 *   length, so a raw length within a limit proves the decoded value is within it too.
 * - A number's pair text is `String(Number(raw))`: raw digits for a plain integer of at most 15
 *   digits (other than `-0`), converted otherwise.
 * - A record that is "canonical" (exactly JSON.stringify's text for its parse: no whitespace, no
 *   `\u` or `\/` escape, numbers as String(Number(raw)), distinct keys, none integer-like) minus a
 *   member, with its comma, is JSON.stringify's text for the parse without that member. So a root
 *   `@timestamp` or `ct` (shippers such as Logstash write `@timestamp`), which the reference moves
 *   to `ct.original` and re-serialises the record without, is cut out of the bytes instead.
 */
import { isUtf8 } from 'node:buffer';
import type { BulkDocument } from '../types.js';
import type { BuildContext } from './builder.js';
import { contentHashId } from './documentId.js';
import { commit, EncodedDocument, reserve } from './encoded.js';
import { isPlausibleTime, resolveTime, type ResolvedTime } from './eventTime.js';
import { dailyIndex, ipOrUndefined, isDottedQuadAt, jsonSpan, TIME_TAGS } from './head.js';
import {
  MAX_ID_BYTES,
  MAX_PAIR_BYTES,
  MAX_PAIR_VALUE_BYTES,
  MAX_PAIRS,
  MAX_TEXT_CHARS,
  MAX_WALK_DEPTH,
} from './limits.js';
import { RESERVED_ROOT_FIELDS, TYPED_FIELDS, type FieldTable } from './typedFields.js';

// ---------------------------------------------------------------------------------------------
// The typed-field table (typedFields.ts), looked up by a key's bytes and hash: no key string.

const LEAF_OTHER = 1; // keyword, text, date: strings, numbers, booleans, null and arrays of them
const LEAF_BOOLEAN = 2; // JSON booleans and exactly "true", "false", ""
const RESERVED = 3; // a root name the builder writes itself (`@timestamp`, `ct`)

const CAPTURE_EVENT_TIME = 1;
const CAPTURE_EVENT_ID = 2;
const CAPTURE_SOURCE_IP = 3;
const CAPTURE_RECORD_TIMESTAMP = 4;

class Spec {
  /** Whether the value can write pairs, so the walk needs its path (typed leaves write none). */
  readonly pathed: boolean;

  constructor(
    readonly leaf: number, // 0 for an object
    readonly object: Table | undefined,
    readonly capture: number,
  ) {
    this.pathed = leaf === 0 || leaf === RESERVED;
  }
}

/**
 * Open addressing on a cheap hash of a key's length and three of its bytes (first, middle, last):
 * no pass over the whole key before the one byte compare that confirms a match.
 */
class Table {
  readonly mask: number;
  readonly lengths: Int32Array; // 0: free slot (names are never empty)
  readonly names: Buffer[];
  readonly specs: (Spec | undefined)[];
  /** Per slot, the serial of the last object where this name was seen (duplicate keys). */
  readonly seen: Int32Array;
  /**
   * The slot of the key that followed the key in a slot last time (objects of one source repeat
   * their key order), at `size` the first key's, at `size + 1` the one after a free-form key; -1:
   * none. Only names that scanKey would take as they are (see `plain`) are predicted.
   */
  readonly next: Int32Array;
  /** Per slot, whether the name is a plain key: no `"`, `\`, `.`, control character or leading digit. */
  readonly plain: Uint8Array;
  /**
   * Each name in its quotes, `"name"` (at least 4 bytes), as little-endian four-byte words to compare
   * a key with (see `quotes`): from `wordAt[slot]`, one per 4 bytes, the last one ending at the
   * closing quote (it overlaps the one before when the length is not a multiple of 4).
   */
  readonly words: Int32Array;
  readonly wordAt: Int32Array;

  constructor(entries: [string, Spec][]) {
    let size = 16;
    while (size < entries.length * 4) size *= 2;
    this.mask = size - 1;
    this.lengths = new Int32Array(size);
    this.names = new Array<Buffer>(size).fill(EMPTY_NAME);
    this.specs = new Array<Spec | undefined>(size).fill(undefined);
    this.seen = new Int32Array(size);
    this.next = new Int32Array(size + 2).fill(-1);
    this.plain = new Uint8Array(size);
    this.wordAt = new Int32Array(size);
    const words: number[] = [];
    for (const [name, spec] of entries) {
      const bytes = Buffer.from(name, 'utf8');
      let slot = shortHash(bytes, 0, bytes.length) & this.mask;
      while (this.lengths[slot] !== 0) slot = (slot + 1) & this.mask;
      this.lengths[slot] = bytes.length;
      this.names[slot] = bytes;
      this.specs[slot] = spec;
      this.plain[slot] = isPlainKey(bytes) ? 1 : 0;
      this.wordAt[slot] = words.length;
      const quoted = Buffer.from(`"${name}"`, 'utf8');
      const last = quoted.length - 4;
      for (let i = 0; i < last; i += 4) words.push(quoted.readInt32LE(i));
      words.push(quoted.readInt32LE(last));
    }
    this.words = Int32Array.from(words);
    TABLES.push(this);
  }

  /**
   * Whether `view` holds the name of `slot` in its quotes at `at` (before `end`), compared by
   * words (see `words`).
   */
  quotes(view: DataView, at: number, end: number, slot: number): boolean {
    const n = this.lengths[slot]!;
    const last = n - 2; // where the last word starts: `"name"` less 4 bytes
    if (at + n + 2 > end) return false;
    const words = this.words;
    let word = this.wordAt[slot]!;
    for (let i = 0; i < last; i += 4) if (view.getInt32(at + i, true) !== words[word++]) return false;
    return view.getInt32(at + last, true) === words[word];
  }

  /** The slot of the key scanned at `bytes[start, end)` (not empty, in quotes), or -1. */
  slot(bytes: Buffer, view: DataView, start: number, end: number): number {
    const length = end - start;
    let slot = shortHash(bytes, start, end) & this.mask;
    for (;;) {
      const n = this.lengths[slot]!;
      if (n === 0) return -1;
      if (n === length && this.quotes(view, start - 1, end + 1, slot)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }
}

const EMPTY_NAME = Buffer.alloc(0);

/** A key scanKey takes as it is, with no dot and no leading digit (see Table.next). */
function isPlainKey(bytes: Buffer): boolean {
  if (bytes.length === 0 || (bytes[0]! >= 0x30 && bytes[0]! <= 0x39)) return false;
  for (const b of bytes) if (b < 0x20 || b === 0x22 || b === 0x2e || b === 0x5c) return false;
  return true;
}
const TABLES: Table[] = [];

function shortHash(bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  return (
    Math.imul(
      Math.imul(Math.imul(length, 0x9e3779b1) ^ bytes[start]!, 0x01000193) ^ bytes[end - 1]!,
      0x01000193,
    ) ^
    (bytes[start + (length >> 1)]! * 0x5bd1)
  );
}

function compileTable(table: FieldTable, root: boolean): Table {
  const entries: [string, Spec][] = [];
  for (const [name, field] of Object.entries(table)) {
    if (typeof field !== 'string') {
      entries.push([name, new Spec(0, compileTable(field.properties, false), 0)]);
      continue;
    }
    let capture = 0;
    if (root && name === 'eventTime') capture = CAPTURE_EVENT_TIME;
    if (root && name === 'eventID') capture = CAPTURE_EVENT_ID;
    if (root && name === 'sourceIPAddress') capture = CAPTURE_SOURCE_IP;
    entries.push([name, new Spec(field === 'boolean' ? LEAF_BOOLEAN : LEAF_OTHER, undefined, capture)]);
  }
  if (root) {
    for (const name of RESERVED_ROOT_FIELDS) {
      const capture = name === '@timestamp' ? CAPTURE_RECORD_TIMESTAMP : 0;
      entries.push([name, new Spec(RESERVED, undefined, capture)]);
    }
  }
  return new Table(entries);
}

const ROOT = compileTable(TYPED_FIELDS, true);

function fnv(bytes: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}

function sameBytes(
  a: Buffer,
  aStart: number,
  aEnd: number,
  b: Buffer,
  bStart: number,
  bEnd: number,
): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = aStart, j = bStart; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// State of the record being built (one record at a time: building is synchronous).

/** Thrown (never outside this module) to abandon the fast path for this record. */
const BAIL = new Error('fast path not applicable');

function bail(): never {
  throw BAIL;
}

/** The record, read into a local by the scanning loops (cheaper than the module binding). */
function sourceBytes(): Buffer {
  return src;
}

const EMPTY = Buffer.alloc(0);
/**
 * The record (without surrounding whitespace) is copied to `work` and followed by a 0 byte: a
 * control character, which ends every token, so no scan reads past it but the four-byte reads of
 * long strings (see wordIsPlain), which stop at a word holding it.
 */
let work = Buffer.allocUnsafeSlow(64 * 1024);
let workView = new DataView(work.buffer, work.byteOffset, work.length);
let src: Buffer = EMPTY; // `work` while a record is built
let srcEnd = 0; // the record's length
let pos = 0;
let sawNewline = false; // a raw CR/LF between tokens (it becomes a space in the source)

// Whether the record is "canonical", the very text JSON.stringify writes for its parse: no
// whitespace between tokens, no `\u` or `\/` escape in a string, every number as
// String(Number(raw)). Keys need no tracking: the walk bails on non-canonical, repeated and
// integer-like keys (JSON.parse would reorder those). Only a canonical record can have a displaced
// member cut out of its bytes instead of being re-serialised as the reference does.
let spaced = false; // whitespace between tokens
let escaped = false; // a string with a `\u` or `\/` escape
const MAX_ODD_NUMBERS = 64;
const oddNumbers = new Int32Array(MAX_ODD_NUMBERS * 2); // [start, end) of numbers not plainly canonical
let oddCount = 0;

/** A root member the reference displaces into `ct.original` (`@timestamp`, `ct`). */
class Cut {
  keyStart = 0; // the key's content
  keyEnd = 0;
  valueStart = 0;
  valueEnd = 0;
  start = 0; // the bytes left out of the source: the member and one comma next to it
  end = 0;
}
const cuts = [new Cut(), new Cut()]; // one per reserved name: a repeated name bails
let cutCount = 0;
let recordTimestamp: unknown; // the value of the record's own `@timestamp`, when it has one

// The last string or key scanned: its content range in `src`, and for strings whether it holds
// escapes (0 none, 1 only canonical ones, 2 some that need re-encoding); for keys, whether it holds a dot.
let strStart = 0;
let strEnd = 0;
let strFlags = 0;
let keyDot = false;
let numStart = 0;
let numEnd = 0;

let stamp = 0; // generation of the hash tables below: a slot is used when its stamp is current

// The dotted path of the value being walked.
const MAX_PATH_BYTES = MAX_PAIR_BYTES;
// (4 bytes more: writePath reads it by whole words)
const pathBuf = Buffer.allocUnsafeSlow(MAX_PATH_BYTES + 4);
const pathView = new DataView(pathBuf.buffer, pathBuf.byteOffset, pathBuf.length);
let pathLen = 0;

// Distinct pairs, deduplicated on their bytes, already written as `ct.pairs` elements: `"path=value",`
// (the content JSON-escaped); pairStarts/pairEnds delimit each content.
let pairBuf = Buffer.allocUnsafeSlow(64 * 1024);
let pairView = new DataView(pairBuf.buffer, pairBuf.byteOffset, pairBuf.length);
let pairLen = 0;
let pairCount = 0;
const pairStarts = new Int32Array(MAX_PAIRS);
const pairEnds = new Int32Array(MAX_PAIRS);
const PAIR_SLOTS = 4096; // > 2 × MAX_PAIRS; each slot is [stamp, hash, pair index]
const pairTable = new Int32Array(PAIR_SLOTS * 3);
// Two pairs can only be equal when their paths are: with no dotted key, a path is the key sequence
// joined with `.`, so two leaves share it only under one array (objects repeat no key: that bails).
// So outside pair-writing arrays pairs are not hashed at all, and each outermost such array gets a
// fresh table (a new stamp). The first dotted free-form key hashes every pair so far into a fresh
// table, and from then on every pair is checked against all the record's pairs.
let arrayDepth = 0; // enclosing arrays whose elements may write pairs
let dedupAll = false; // a dotted key was seen: every pair is deduplicated against all

/** A fresh (empty) pair table. */
function newPairScope(): void {
  if (++stamp === 0x7fffffff) {
    stamp = 1;
    pairTable.fill(0);
  }
}

/** Entering an array whose elements may write pairs. */
function enterArray(): void {
  if (arrayDepth++ === 0 && !dedupAll) newPairScope();
}

/** A dotted free-form key was just scanned: from now on every pair is deduplicated against all. */
function dedupEverything(): void {
  dedupAll = true;
  newPairScope();
  // The pairs so far are distinct (see above): they only need to go into the table.
  for (let i = 0; i < pairCount; i++) {
    const hash = fnv(pairBuf, pairStarts[i]!, pairEnds[i]!);
    let slot = (hash & (PAIR_SLOTS - 1)) * 3;
    while (pairTable[slot] === stamp) slot = slot === (PAIR_SLOTS - 1) * 3 ? 0 : slot + 3;
    pairTable[slot] = stamp;
    pairTable[slot + 1] = hash;
    pairTable[slot + 2] = i;
  }
}

// `ct.text` content (JSON-escaped); `textChars` mirrors the reference's count (length + 1 per part).
const textBuf = Buffer.allocUnsafeSlow(MAX_TEXT_CHARS + 8);
const textView = new DataView(textBuf.buffer, textBuf.byteOffset, textBuf.length);
let textLen = 0;
let textChars = 0;
let valueTruncated = false;

// Keys of the objects being walked, to find duplicate keys. Each open object's keys are contiguous
// on a stack (a nested object's keys are popped when it closes). Typed keys are checked by their
// table slot instead (Table.seen), so only free-form keys go on the stack. An object's first
// SMALL_OBJECT keys are compared linearly; past that its keys also go into a hash table of slots
// [object serial, hash, start, end]. Serials keep growing from record to record, so a slot whose
// serial is below the record's first one is free (no clearing per record).
const SMALL_OBJECT = 8;
const KEY_STACK = 4096;
const keyStarts = new Int32Array(KEY_STACK);
const keyEnds = new Int32Array(KEY_STACK);
const largeSerials = new Int32Array(KEY_STACK); // a large object's serial, at its first key's index
let keyTop = 0;
const KEY_SLOTS = 4096;
const MAX_KEYS = KEY_SLOTS / 2;
const keyTable = new Int32Array(KEY_SLOTS * 4);
let keyCount = 0; // keys in keyTable for this record
let objectSerial = 0;
let firstSerial = 1;

// A re-encoded string (or a converted number), when the raw bytes cannot be used as they are.
let scratch = Buffer.allocUnsafe(4096);

// Root values the builder reads.
const ARRAY_VALUE: unknown = Object.freeze([]); // an array is no time, id or address: any array will do
let eventTime: unknown;
let eventTimeAt = -1; // where eventTime's content starts when it is `YYYY-MM-DDTHH:MM:SS[.mmm]Z`
let eventTimeLength = 0; // 20, or 24 with milliseconds
let eventID: unknown;
let eventIDBytes = 0; // its UTF-8 size, when a string
let sourceIPAddress: unknown;
let sourceIpAt = -1; // where sourceIPAddress's content starts when it is a dotted quad (then written as it is)
let sourceIpEnd = 0;

// ---------------------------------------------------------------------------------------------
// Tokenizer

function ws(): void {
  const bytes = src;
  let p = pos;
  let b = bytes[p]!;
  if (b > 0x20) return; // the common case: no whitespace
  if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return;
  spaced = true;
  while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
    if (b === 0x0a || b === 0x0d) sawNewline = true;
    b = bytes[++p]!;
  }
  pos = p;
}

function expect(byte: number): void {
  if (src[pos] !== byte) bail();
  pos++;
}

function isHex(b: number | undefined): boolean {
  return (
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46))
  );
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** A string at `pos` (its opening quote): validates it and records its content range. */
function scanString(): void {
  const src = sourceBytes();
  const view = workView;
  let p = pos + 1;
  const start = p;
  let flags = 0;
  for (;;) {
    if (wordIsPlain(view.getInt32(p, true))) {
      p += 4;
      continue;
    }
    const b = src[p]!;
    if (b === 0x22) break;
    if (b < 0x20) bail(); // a raw control character, or the end of the record
    if (b === 0x5c) {
      const c = src[p + 1];
      // \" \\ \b \f \n \r \t are written by JSON.stringify as they are
      if (c === 0x22 || c === 0x5c || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
        if (flags === 0) flags = 1;
        p += 2;
      } else if (c === 0x75) {
        if (!isHex(src[p + 2]) || !isHex(src[p + 3]) || !isHex(src[p + 4]) || !isHex(src[p + 5])) bail();
        flags = 2;
        p += 6;
      } else if (c === 0x2f) {
        flags = 2;
        p += 2;
      } else bail();
    } else p++;
  }
  strStart = start;
  strEnd = p;
  strFlags = flags;
  pos = p + 1;
  if (flags === 2) escaped = true;
}

/**
 * A key at `pos`: like a string, plus whether it holds a dot. Only canonical keys are
 * taken, so equal keys have equal bytes (duplicates, typed names) and the raw bytes are the path's.
 * The bytes are also copied to `pathBuf` from `to` (where the path would extend with this key; a
 * write past its end is dropped, and setPath/appendPath then bail), saving a second pass.
 */
function scanKey(to: number): void {
  const src = sourceBytes();
  const path = pathBuf;
  let q = to;
  if (src[pos] !== 0x22) bail();
  let p = pos + 1;
  const start = p;
  let dot = false;
  const view = workView;
  const pathWords = pathView;
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
    if (b === undefined || b < 0x20) bail();
    if (b === 0x5c) {
      const c = src[p + 1]!;
      if (c !== 0x22 && c !== 0x5c && c !== 0x62 && c !== 0x66 && c !== 0x6e && c !== 0x72 && c !== 0x74)
        bail();
      path[q++] = b;
      path[q++] = c;
      p += 2;
      continue;
    }
    if (b === 0x2e) dot = true;
    path[q++] = b;
    p++;
  }
  strStart = start;
  strEnd = p;
  keyDot = dot;
  pos = p + 1;
  // JSON.parse puts integer-like keys ("0", "42") first in an object's key order: not handled here.
  if (p > start && isDigit(src[start])) bail();
}

/** A number at `pos`; returns true when its raw text is also `String(Number(raw))`. */
function scanNumber(): boolean {
  const src = sourceBytes();
  let p = pos;
  const start = p;
  if (src[p] === 0x2d) p++;
  const first = src[p];
  if (first === 0x30) p++;
  else if (first !== undefined && first >= 0x31 && first <= 0x39) {
    p++;
    while (isDigit(src[p])) p++;
  } else bail();
  let plain = p - start <= 15 && !(first === 0x30 && p - start === 2); // "-0" prints as "0"
  if (src[p] === 0x2e) {
    plain = false;
    p++;
    if (!isDigit(src[p])) bail();
    while (isDigit(src[p])) p++;
  }
  if (src[p] === 0x65 || src[p] === 0x45) {
    plain = false;
    p++;
    if (src[p] === 0x2b || src[p] === 0x2d) p++;
    if (!isDigit(src[p])) bail();
    while (isDigit(src[p])) p++;
  }
  numStart = start;
  numEnd = p;
  pos = p;
  if (!plain) noteOddNumber(start, p);
  return plain;
}

/** Remembers a number whose raw text may differ from String(Number(raw)): checked only if it matters. */
function noteOddNumber(start: number, end: number): void {
  if (oddCount < MAX_ODD_NUMBERS) {
    oddNumbers[oddCount * 2] = start;
    oddNumbers[oddCount * 2 + 1] = end;
  }
  oddCount++;
}

/** Whether the record just scanned is exactly what JSON.stringify writes for its parse. */
function isCanonical(): boolean {
  if (spaced || escaped || oddCount > MAX_ODD_NUMBERS) return false;
  for (let i = 0; i < oddCount; i++) {
    const raw = src.toString('latin1', oddNumbers[i * 2], oddNumbers[i * 2 + 1]);
    if (String(Number(raw)) !== raw) return false; // `1.0`, `1e5`, `-0`, `1e400`...
  }
  return true;
}

function literal(a: number, b: number, c: number, d: number): void {
  if (src[pos] !== a || src[pos + 1] !== b || src[pos + 2] !== c || src[pos + 3] !== d) bail();
  pos += 4;
}

function scanTrue(): void {
  literal(0x74, 0x72, 0x75, 0x65);
}

function scanFalse(): void {
  if (src[pos] !== 0x66) bail();
  pos++;
  literal(0x61, 0x6c, 0x73, 0x65);
}

function scanNull(): void {
  literal(0x6e, 0x75, 0x6c, 0x6c);
}

/** After a member or element: true at `,` (consumed, and the whitespace after it), false at `close`. */
function nextOrClose(close: number): boolean {
  ws();
  const b = src[pos];
  if (b === 0x2c) {
    pos++;
    ws();
    return true;
  }
  if (b !== close) bail();
  pos++;
  return false;
}

/**
 * Fails over to the reference builder when an object repeats a key (JSON.parse keeps the last): the
 * key just scanned against the free-form keys of its object, which start at `base` on the key stack.
 */
function checkFreeKey(base: number): void {
  const start = strStart;
  const end = strEnd;
  const top = keyTop;
  const count = top - base;
  if (count < SMALL_OBJECT) {
    const length = end - start;
    const bytes = src;
    for (let k = base; k < top; k++) {
      const other = keyStarts[k]!;
      if (keyEnds[k]! - other !== length) continue;
      let i = 0;
      while (i < length && bytes[other + i] === bytes[start + i]) i++;
      if (i === length) bail();
    }
  } else {
    // A large object: its keys so far (distinct) go into the hash table under a serial of its own.
    let serial: number;
    if (count === SMALL_OBJECT) {
      serial = largeSerials[base] = ++objectSerial;
      for (let k = base; k < top; k++) hashKey(serial, keyStarts[k]!, keyEnds[k]!);
    } else serial = largeSerials[base]!;
    hashKey(serial, start, end);
  }
  if (top === KEY_STACK) bail();
  keyStarts[top] = start;
  keyEnds[top] = end;
  keyTop = top + 1;
}

/** Adds a key of the large object `serial` to keyTable; bails on a repeat. */
function hashKey(serial: number, start: number, end: number): void {
  if (++keyCount > MAX_KEYS) bail();
  const hash = fnv(src, start, end);
  const table = keyTable;
  let at = ((hash ^ Math.imul(serial, 0x9e3779b1)) & (KEY_SLOTS - 1)) << 2;
  let owner = table[at]!;
  while (owner >= firstSerial) {
    if (
      owner === serial &&
      table[at + 1] === hash &&
      sameBytes(src, table[at + 2]!, table[at + 3]!, src, start, end)
    )
      bail();
    at = (at + 4) & (KEY_SLOTS * 4 - 1);
    owner = table[at]!;
  }
  table[at] = serial;
  table[at + 1] = hash;
  table[at + 2] = start;
  table[at + 3] = end;
}

/** After a key: its colon and the whitespace around it. */
function colon(): void {
  ws();
  expect(0x3a);
  ws();
}

/** The path becomes the key just scanned (by scanKey(0), which already wrote its bytes). */
function setPath(start: number, end: number): void {
  if (end - start > MAX_PATH_BYTES) bail();
  pathLen = end - start;
}

/** The path extends with the key just scanned (by scanKey(pathLen + 1), which wrote its bytes). */
function appendPath(start: number, end: number): void {
  const at = pathLen;
  if (at + 1 + end - start > MAX_PATH_BYTES) bail();
  pathBuf[at] = 0x2e;
  pathLen = at + 1 + end - start;
}

// ---------------------------------------------------------------------------------------------
// Pairs and text

function addText(from: Buffer, start: number, end: number): void {
  const length = end - start;
  if (textChars + length > MAX_TEXT_CHARS) bail(); // the reference might cut the text here
  if (textChars > 0) textBuf[textLen++] = 0x20;
  copyBytes(from, start, end, textBuf, textLen);
  textLen += length;
  textChars += length + 1;
}

function addPair(from: Buffer, start: number, end: number): void {
  if (pairCount >= MAX_PAIRS) bail();
  const size = pathLen + 1 + end - start;
  // Escapes make the content longer than the decoded pair: measure the decoded size only then.
  if (size > MAX_PAIR_BYTES && pathLen + 1 + utf8Size(from, start, end) > MAX_PAIR_BYTES) bail(); // cut
  const at = openPair(size + 8); // quotes, comma, and writePath's overshoot
  const buf = pairBuf;
  let p = writePath(at);
  buf[p++] = 0x3d; // =
  if (end - start > 64) {
    buf.set(from.subarray(start, end), p);
    p += end - start;
  } else for (let i = start; i < end; i++) buf[p++] = from[i]!;
  closePair(at, p);
}

/**
 * Makes room for a pair of at most `room` bytes (with its quotes and comma) and writes its opening
 * quote; returns where its content starts.
 */
function openPair(room: number): number {
  if (pairLen + room > pairBuf.length) {
    const bigger = Buffer.allocUnsafeSlow(Math.max(pairBuf.length * 2, pairLen + room));
    pairBuf.copy(bigger, 0, 0, pairLen);
    pairBuf = bigger;
    pairView = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
  pairBuf[pairLen] = 0x22;
  return pairLen + 1;
}

/**
 * Writes the path at `pairBuf[at]` four bytes at a time (the last word may run up to 3 bytes past
 * it, into room openPair made, which the pair overwrites next); returns where the path ends.
 */
function writePath(at: number): number {
  const from = pathView;
  const to = pairView;
  const length = pathLen;
  for (let i = 0; i < length; i += 4) to.setInt32(at + i, from.getInt32(i, true), true);
  return at + length;
}

/** Keeps the pair whose content was written at `pairBuf[at, end)`, unless it repeats an earlier one. */
function closePair(at: number, end: number): void {
  const buf = pairBuf;
  buf[end] = 0x22;
  buf[end + 1] = 0x2c;
  // Outside pair-writing arrays a pair has a path of its own (see arrayDepth): no duplicate to look for.
  if (arrayDepth !== 0 || dedupAll) {
    const hash = fnv(buf, at, end);
    const table = pairTable;
    let slot = (hash & (PAIR_SLOTS - 1)) * 3;
    while (table[slot] === stamp) {
      const other = table[slot + 2]!;
      if (table[slot + 1] === hash && sameBytes(buf, pairStarts[other]!, pairEnds[other]!, buf, at, end))
        return;
      slot = slot === (PAIR_SLOTS - 1) * 3 ? 0 : slot + 3;
    }
    table[slot] = stamp;
    table[slot + 1] = hash;
    table[slot + 2] = pairCount;
  }
  pairStarts[pairCount] = at;
  pairEnds[pairCount] = end;
  pairCount++;
  pairLen = end + 2;
}

function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
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

/**
 * Whether none of the four bytes `v` holds is `"`, `\` or a control character (SWAR: a byte's top
 * bit in each term flags a zero byte of `v ^ "`, of `v ^ \`, or a byte of `v` below 0x20; a
 * borrow can only flag a byte above one that is truly flagged).
 */
function wordIsPlain(v: number): boolean {
  const quote = v ^ 0x22222222;
  const backslash = v ^ 0x5c5c5c5c;
  const flagged =
    ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((v - 0x20202020) & ~v);
  return (flagged & 0x80808080) === 0;
}

/**
 * A free-form string at `pos` (its opening quote), scanned and copied in one pass, four bytes at a
 * time where it can: each word goes straight into its pair (after the path and `=`) and into the
 * text. A string that needs re-encoding or cutting (rare) is dropped from both and goes to
 * stringLeaf, as does one that might not fit the text's buffer.
 */
function freeString(): void {
  if (pairCount >= MAX_PAIRS) bail();
  const src = sourceBytes();
  // The rest of the record bounds the string's length.
  const rest = srcEnd - pos;
  if (textLen + rest + 8 > textBuf.length) {
    scanString();
    stringLeaf();
    return;
  }
  const at = openPair(pathLen + 8 + rest);
  const buf = pairBuf;
  let q = writePath(at);
  buf[q++] = 0x3d; // =
  const text = textBuf;
  let t = textLen;
  if (textChars > 0) text[t++] = 0x20; // kept only with a non-empty value
  const view = workView;
  const pairs = pairView;
  const texts = textView;
  const start = pos + 1;
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
    // a byte at a time up to the word's first special byte
    const b = src[p]!;
    if (b === 0x22) break;
    if (b < 0x20) bail(); // a raw control character, or the end of the record
    if (b === 0x5c) {
      const c = src[p + 1]!;
      if (c === 0x22 || c === 0x5c || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
        if (flags === 0) flags = 1;
      } else if (c === 0x75) {
        if (!isHex(src[p + 2]) || !isHex(src[p + 3]) || !isHex(src[p + 4]) || !isHex(src[p + 5])) bail();
        flags = 2; // the hex digits are copied as plain bytes
      } else if (c === 0x2f) flags = 2;
      else bail();
      buf[q++] = b;
      text[t++] = b;
      buf[q++] = c;
      text[t++] = c;
      p += 2;
      continue;
    }
    buf[q++] = b;
    text[t++] = b;
    p++;
  }
  strStart = start;
  strEnd = p;
  strFlags = flags;
  pos = p + 1;
  const length = p - start;
  if (flags === 2 || length > MAX_PAIR_VALUE_BYTES) {
    if (flags === 2) escaped = true;
    stringLeaf(); // writes over what was copied here
    return;
  }
  if (length > 0) {
    if (textChars + length > MAX_TEXT_CHARS) bail(); // the reference might cut the text here
    textLen = t;
    textChars += length + 1;
  }
  if (pathLen + 1 + length > MAX_PAIR_BYTES && pathLen + 1 + utf8Size(src, start, p) > MAX_PAIR_BYTES) bail(); // the reference cuts the pair
  closePair(at, q);
}

/** The string just scanned, as a leaf of the free-form walk. */
function stringLeaf(): void {
  let from = src;
  let start = strStart;
  let end = strEnd;
  if (strFlags === 2) {
    const decoded = JSON.parse(src.toString('utf8', strStart - 1, strEnd + 1)) as string;
    const json = JSON.stringify(decoded);
    if (json.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(json.length * 3);
    from = scratch;
    start = 1;
    end = scratch.write(json, 0, 'utf8') - 1;
  }
  if (end - start > MAX_PAIR_VALUE_BYTES) {
    const cut = utf8Cut(from, start, end, MAX_PAIR_VALUE_BYTES);
    if (cut < end) {
      valueTruncated = true;
      end = cut;
    }
  }
  if (end > start) addText(from, start, end);
  addPair(from, start, end);
}

function numberLeaf(plain: boolean): void {
  let from = src;
  let start = numStart;
  let end = numEnd;
  if (!plain) {
    const text = String(Number(src.toString('latin1', numStart, numEnd)));
    from = scratch;
    start = 0;
    end = scratch.write(text, 0, 'latin1');
  }
  addText(from, start, end);
  addPair(from, start, end);
}

const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');

// ---------------------------------------------------------------------------------------------
// The walks: free-form values (pairs.ts `add`) and typed values (shape.ts `inspectMember`)

/** A free-form value at `pos`, found at the current path, `depth` as PairCollector.add counts. */
function walkFree(depth: number): void {
  const b = src[pos];
  if (b === 0x22) {
    freeString();
  } else if (b === 0x7b) {
    if (depth >= MAX_WALK_DEPTH) bail(); // the reference tags the document `depth-limited`
    pos++;
    ws();
    if (src[pos] === 0x7d) {
      pos++;
      return;
    }
    const base = pathLen;
    const keys = keyTop;
    do {
      scanKey(base + 1);
      if (keyDot && !dedupAll) dedupEverything();
      checkFreeKey(keys);
      colon();
      appendPath(strStart, strEnd);
      walkFree(depth + 1);
      pathLen = base;
    } while (nextOrClose(0x7d));
    keyTop = keys;
  } else if (b === 0x5b) {
    if (depth >= MAX_WALK_DEPTH) bail();
    pos++;
    ws();
    if (src[pos] === 0x5d) {
      pos++;
      return;
    }
    enterArray();
    do walkFree(depth + 1);
    while (nextOrClose(0x5d));
    arrayDepth--;
  } else if (b === 0x74) {
    scanTrue();
    addPair(TRUE_BYTES, 0, 4);
  } else if (b === 0x66) {
    scanFalse();
    addPair(FALSE_BYTES, 0, 5);
  } else if (b === 0x6e) {
    scanNull(); // null is "no value": no pair
  } else {
    numberLeaf(scanNumber());
  }
}

/** The members of an object whose keys are checked against `table` (the record, or a typed object). */
function typedMembers(table: Table, depth: number, root: boolean): void {
  const serial = ++objectSerial;
  const base = pathLen;
  const keys = keyTop;
  const next = table.next;
  const after = next.length - 2; // index of the first key's prediction
  let previous = after;
  do {
    // The key the previous object of this table had here: when the bytes are that name and its
    // closing quote, it is what scanKey + Table.slot would find, without either pass.
    let slot = next[previous]!;
    let start = pos + 1;
    let end = -1;
    if (slot >= 0 && table.quotes(workView, pos, srcEnd, slot)) {
      const n = table.lengths[slot]!;
      end = start + n;
      pos = end + 1;
      if (table.specs[slot]!.pathed) {
        const to = root ? 0 : base + 1;
        const path = pathBuf;
        const name = table.names[slot]!;
        for (let k = 0; k < n && to + k < MAX_PATH_BYTES; k++) path[to + k] = name[k]!;
      }
    }
    if (end < 0) {
      scanKey(root ? 0 : base + 1);
      start = strStart;
      end = strEnd;
      // An empty or dotted key inside a mapped object would be displaced.
      if (end === start || keyDot) bail();
      slot = table.slot(src, workView, start, end);
      if (slot >= 0 && table.plain[slot] === 1) next[previous] = slot;
    }
    // A root `_` name would be displaced.
    if (root && src[start] === 0x5f) bail();
    previous = slot >= 0 ? slot : after + 1;
    let spec: Spec | undefined;
    if (slot >= 0) {
      if (table.seen[slot] === serial) bail(); // a repeated typed key
      table.seen[slot] = serial;
      spec = table.specs[slot];
    } else checkFreeKey(keys);
    colon();
    if (spec === undefined || spec.pathed) {
      if (root) setPath(start, end);
      else appendPath(start, end);
    }
    if (spec === undefined) walkFree(0);
    else if (spec.leaf === RESERVED) displacedMember(spec, start, end);
    else if (spec.object !== undefined) typedObject(spec.object, depth + 1);
    else if (spec.capture !== 0) capture(spec);
    else typedLeaf(spec.leaf, 0);
    pathLen = base;
  } while (nextOrClose(0x7d));
  keyTop = keys;
}

/**
 * The record's own `@timestamp` or `ct` (key `src[keyStart, keyEnd)`, value at `pos`): the
 * reference moves it into `ct.original` and indexes it as pairs like a free-form member. Its bytes
 * are cut out of the source with one comma: the one before it when a kept member precedes it, else
 * the one after it (if any). The ranges assume a canonical record; build() bails on any other.
 */
function displacedMember(spec: Spec, keyStart: number, keyEnd: number): void {
  const valueStart = pos;
  walkFree(0);
  const memberStart = keyStart - 1; // its opening quote
  // With nothing kept before it, a member starts right after the `{` or after the previous cut.
  const nothingKept = memberStart === (cutCount === 0 ? 1 : cuts[cutCount - 1]!.end);
  const cut = cuts[cutCount++]!;
  cut.keyStart = keyStart;
  cut.keyEnd = keyEnd;
  cut.valueStart = valueStart;
  cut.valueEnd = pos;
  cut.start = nothingKept ? memberStart : memberStart - 1;
  cut.end = nothingKept && src[pos] === 0x2c ? pos + 1 : pos;
  // resolveTime reads the parsed value, whatever its type (a string or a number may be a time)
  if (spec.capture === CAPTURE_RECORD_TIMESTAMP)
    recordTimestamp = JSON.parse(src.toString('utf8', valueStart, pos)) as unknown;
}

/** A value where an object is mapped: null, an object, or arrays of those (else it is displaced). */
function typedObject(table: Table, depth: number): void {
  if (depth > MAX_WALK_DEPTH) bail();
  const b = src[pos];
  if (b === 0x6e) {
    scanNull();
  } else if (b === 0x5b) {
    pos++;
    ws();
    if (src[pos] === 0x5d) {
      pos++;
      return;
    }
    enterArray(); // its objects' free-form members write pairs
    do typedObject(table, depth + 1);
    while (nextOrClose(0x5d));
    arrayDepth--;
  } else if (b === 0x7b) {
    pos++;
    ws();
    if (src[pos] === 0x7d) {
      pos++;
      return;
    }
    typedMembers(table, depth, false);
  } else bail();
}

/** A value where a leaf is mapped: checked to fit (else it would be displaced), not indexed as pairs. */
function typedLeaf(kind: number, depth: number): void {
  const b = src[pos];
  if (b === 0x22) {
    scanString();
    if (kind === LEAF_BOOLEAN && !isBooleanText()) bail();
  } else if (b === 0x74) {
    scanTrue();
  } else if (b === 0x66) {
    scanFalse();
  } else if (b === 0x6e) {
    scanNull();
  } else if (b === 0x5b) {
    if (depth > MAX_WALK_DEPTH) bail();
    pos++;
    ws();
    if (src[pos] === 0x5d) {
      pos++;
      return;
    }
    do typedLeaf(kind, depth + 1);
    while (nextOrClose(0x5d));
  } else {
    if (kind !== LEAF_OTHER) bail(); // a number where a boolean is mapped, an object, or not JSON
    scanNumber();
  }
}

/** The string just scanned is "true", "false" or "" (what a boolean mapping accepts). */
function isBooleanText(): boolean {
  if (strFlags !== 0) return false;
  const n = strEnd - strStart;
  if (n === 0) return true;
  const s = strStart;
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

/** eventTime, eventID or sourceIPAddress at the root: checked like any typed leaf, and decoded. */
function capture(spec: Spec): void {
  const b = src[pos];
  let value: unknown;
  if (b === 0x22) {
    scanString();
    const length = strEnd - strStart;
    if (spec.capture === CAPTURE_EVENT_TIME && strFlags === 0 && (length === 20 || length === 24)) {
      eventTimeAt = strStart; // read in place (see isoTimeAt)
      eventTimeLength = length;
      return;
    }
    if (spec.capture === CAPTURE_SOURCE_IP && strFlags === 0 && !hasColonOrPercent(strStart, strEnd)) {
      // Only IPv4 text can be an address (see ipOrUndefined): no string for a service name.
      // ipOrUndefined gives a dotted quad as it is, anything else here as undefined: no string.
      if (isDottedQuadAt(src, strStart, strEnd)) {
        sourceIpAt = strStart;
        sourceIpEnd = strEnd;
      }
      return;
    }
    value =
      strFlags === 0
        ? src.toString('utf8', strStart, strEnd)
        : (JSON.parse(src.toString('utf8', strStart - 1, strEnd + 1)) as string);
  } else if (b === 0x5b) {
    typedLeaf(spec.leaf, 0);
    value = ARRAY_VALUE;
  } else if (b === 0x74) {
    scanTrue();
    value = true;
  } else if (b === 0x66) {
    scanFalse();
    value = false;
  } else if (b === 0x6e) {
    scanNull();
    value = null;
  } else {
    scanNumber();
    value = Number(src.toString('latin1', numStart, numEnd));
  }
  if (spec.capture === CAPTURE_EVENT_TIME) eventTime = value;
  else if (spec.capture === CAPTURE_EVENT_ID) {
    eventID = value;
    // canonical content is the UTF-8 of the string itself; a re-encoded one is measured
    if (typeof value === 'string')
      eventIDBytes = strFlags === 0 ? strEnd - strStart : Buffer.byteLength(value);
  } else sourceIPAddress = value;
}

function hasColonOrPercent(start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (src[i] === 0x3a || src[i] === 0x25) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// The document

let fastPathEnabled = true;

/** Turns the fast path off (benchmarks and tests compare the two builders through `buildDocument`). */
export function setFastPath(enabled: boolean): void {
  fastPathEnabled = enabled;
}

let lastSourceName: string | undefined;
let lastSourceJson = EMPTY; // what follows the timestamp up to the record index, for lastSourceName

// Constant parts of the source, copied whole (one native copy, where writeAscii reads each character).
const TIMESTAMP_OPEN = Buffer.from('{"@timestamp":"');
const PAIRS_OPEN = Buffer.from(',"pairs":[');
const TEXT_OPEN = Buffer.from(',"text":"');

/**
 * The document for `recordBytes`, or `undefined` when the record needs the reference builder.
 * Never throws: any record it cannot handle is left to the reference (which also reports errors).
 */
export function buildFast(
  recordBytes: Buffer,
  recordIndex: number,
  context: BuildContext,
): BulkDocument | undefined {
  if (!fastPathEnabled) return undefined;
  let bytes = recordBytes;
  if (bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) {
    const span = jsonSpan(recordBytes); // surrounding whitespace (rare)
    bytes = recordBytes.subarray(span.start, span.end);
  }
  if (bytes[0] !== 0x7b || !isUtf8(bytes)) return undefined;
  try {
    return build(bytes, recordIndex, context);
  } catch {
    return undefined; // BAIL, or anything unforeseen: the reference builder decides
  } finally {
    src = EMPTY;
  }
}

function build(bytes: Buffer, recordIndex: number, context: BuildContext): BulkDocument {
  const length = bytes.length;
  if (length + 8 > work.length) {
    work = Buffer.allocUnsafeSlow(Math.max(work.length * 2, length + 8));
    workView = new DataView(work.buffer, work.byteOffset, work.length);
  }
  work.set(bytes, 0);
  work[length] = 0; // see `work`
  src = work;
  srcEnd = length;
  pos = 1;
  sawNewline = false;
  spaced = false;
  escaped = false;
  oddCount = 0;
  cutCount = 0;
  recordTimestamp = undefined;
  pathLen = 0;
  pairLen = 0;
  pairCount = 0;
  textLen = 0;
  textChars = 0;
  valueTruncated = false;
  keyCount = 0;
  keyTop = 0;
  if (objectSerial > 0x7fff0000) {
    objectSerial = 0;
    keyTable.fill(0);
    for (const table of TABLES) table.seen.fill(0);
  }
  firstSerial = objectSerial + 1;
  eventTime = undefined;
  eventTimeAt = -1;
  eventTimeLength = 0;
  eventID = undefined;
  sourceIPAddress = undefined;
  sourceIpAt = -1;
  arrayDepth = 0;
  dedupAll = false;

  ws();
  if (src[pos] === 0x7d) bail(); // the empty record: rare, left to the reference
  typedMembers(ROOT, 0, true);
  if (pos !== srcEnd) bail();
  if (cutCount > 0 && !isCanonical()) bail(); // the reference re-serialises the record

  const nowMs = context.nowMs ?? Date.now();
  // CloudTrail's own form of eventTime (with or without milliseconds) is read from the bytes, and
  // then `@timestamp` is those bytes (+ `.000Z` without milliseconds): what toISOString gives for
  // a year 2000-9999.
  let timeAt = -1;
  let time: ResolvedTime | undefined; // undefined: eventTime read at timeAt
  let timeMs = NaN;
  if (eventTimeAt >= 0) {
    timeMs = isoTimeAt(bytes, eventTimeAt, eventTimeLength);
    if (timeMs === timeMs && isPlausibleTime(timeMs, nowMs)) {
      timeAt = eventTimeAt;
    } else {
      time = resolveTime(
        bytes.toString('latin1', eventTimeAt, eventTimeAt + eventTimeLength),
        recordTimestamp,
        context.keyDate,
        nowMs,
      );
    }
  } else time = resolveTime(eventTime, recordTimestamp, context.keyDate, nowMs);
  // documentId(eventID, bytes), without its result object
  let id: string;
  let hashed = false;
  if (typeof eventID === 'string' && eventID !== '' && eventIDBytes <= MAX_ID_BYTES) id = eventID;
  else {
    id = contentHashId(bytes);
    hashed = true;
  }

  let timestamp = '';
  let timeTag: string | undefined;
  let eventTimeInvalid = false;
  if (time !== undefined) {
    timeMs = time.ms;
    timeTag = TIME_TAGS[time.origin];
    eventTimeInvalid = time.eventTimeInvalid;
    timestamp = new Date(timeMs).toISOString();
  }
  const tagged = eventTimeInvalid || timeTag !== undefined || hashed || cutCount > 0 || valueTruncated;
  if (context.sourceName !== lastSourceName) {
    lastSourceJson = Buffer.from(
      `","ct":{"source":${JSON.stringify(context.sourceName)},"recordIndex":`,
      'utf8',
    );
    lastSourceName = context.sourceName;
  }
  // `{"@timestamp":"…","ct":{"source":` + source + `,"recordIndex":N` [+ `,"tags":[…]`]
  // [+ `,"sourceIp":"…"`] [+ `,"pairs":[…]`] [+ `,"text":"…"`] [+ `,"original":"…"`] + `},`
  // + the record after its `{` (without its cut members)
  const sourceIp = sourceIpAt >= 0 ? undefined : ipOrUndefined(sourceIPAddress);

  const size =
    64 +
    timestamp.length +
    lastSourceJson.length +
    MIDDLE_BYTES +
    (pairCount > 0 ? 11 + pairLen : 0) +
    (textLen > 0 ? 10 + textLen : 0) +
    originalSize() +
    bytes.length;
  const { buffer, offset } = reserve(size);
  buffer.set(TIMESTAMP_OPEN, offset);
  let at = offset + TIMESTAMP_OPEN.length;
  if (timeAt >= 0) {
    for (let i = timeAt; i < timeAt + 19; i++) buffer[at++] = bytes[i]!;
    if (eventTimeLength === 24) {
      for (let i = timeAt + 19; i < timeAt + 24; i++) buffer[at++] = bytes[i]!;
    } else at = writeAscii(buffer, at, '.000Z');
  } else at = writeAscii(buffer, at, timestamp);
  buffer.set(lastSourceJson, at); // `","ct":{"source":…,"recordIndex":`
  at += lastSourceJson.length;
  at = writeIndex(buffer, at, recordIndex);
  if (tagged) {
    at = writeAscii(buffer, at, ',"tags":[');
    const tagsAt = at;
    if (eventTimeInvalid) at = writeAscii(buffer, at, ',"eventTime-invalid"');
    if (timeTag !== undefined) {
      at = writeAscii(buffer, at, ',"');
      at = writeAscii(buffer, at, timeTag);
      buffer[at++] = 0x22;
    }
    if (hashed) at = writeAscii(buffer, at, ',"id-from-content-hash"');
    if (cutCount > 0) at = writeAscii(buffer, at, ',"displaced"');
    if (valueTruncated) at = writeAscii(buffer, at, ',"value-truncated"');
    buffer.copyWithin(tagsAt, tagsAt + 1, at); // without the first comma
    buffer[at - 1] = 0x5d;
  }
  if (sourceIpAt >= 0) {
    at = writeAscii(buffer, at, ',"sourceIp":"');
    for (let i = sourceIpAt; i < sourceIpEnd; i++) buffer[at++] = bytes[i]!;
    buffer[at++] = 0x22;
  } else if (sourceIp !== undefined) {
    at = writeAscii(buffer, at, ',"sourceIp":"');
    at = writeAscii(buffer, at, sourceIp);
    buffer[at++] = 0x22;
  }
  if (pairCount > 0) {
    buffer.set(PAIRS_OPEN, at);
    at += PAIRS_OPEN.length;
    copyBytes(pairBuf, 0, pairLen - 1, buffer, at); // without the last comma
    at += pairLen - 1;
    buffer[at++] = 0x5d;
  }
  if (textLen > 0) {
    buffer.set(TEXT_OPEN, at);
    at += TEXT_OPEN.length;
    copyBytes(textBuf, 0, textLen, buffer, at);
    at += textLen;
    buffer[at++] = 0x22;
  }
  if (cutCount > 0) at = writeOriginal(buffer, at);
  buffer[at++] = 0x7d;
  const recordStart = at + 1;
  at = writeMembers(bytes, buffer, at);
  // A raw CR/LF can only be whitespace between tokens: a space keeps the JSON and the bulk line whole.
  if (sawNewline) {
    for (let i = recordStart; i < at; i++) {
      const byte = buffer[i];
      if (byte === 0x0a || byte === 0x0d) buffer[i] = 0x20;
    }
  }
  const source = commit(buffer, offset, at - offset);

  const index =
    timeAt >= 0
      ? dailyIndexAt(context.indexPrefix, bytes, timeAt)
      : dailyIndex(context.indexPrefix, timestamp);
  const document = new EncodedDocument(index, id, source, recordIndex);
  if (time === undefined || time.origin === 'eventTime') document.eventTimeMs = timeMs;
  return document;
}

/**
 * The record after its `{`, at `at` (right after the `ct` object): `,` + its members + `}`, or only
 * `}` when all its members were cut. Returns where the source ends.
 */
function writeMembers(bytes: Buffer, buffer: Buffer, at: number): number {
  const start = at;
  if (cutCount === 0) {
    buffer.set(bytes, at);
    at += bytes.length;
  } else {
    let from = 0;
    for (let i = 0; i < cutCount; i++) {
      const cut = cuts[i]!;
      buffer.set(bytes.subarray(from, cut.start), at);
      at += cut.start - from;
      from = cut.end;
    }
    buffer.set(bytes.subarray(from), at);
    at += bytes.length - from;
    if (at - start === 2) {
      buffer[start] = 0x7d; // nothing left but `{}`
      return start + 1;
    }
  }
  buffer[start] = 0x2c; // over the record's `{`
  return at;
}

/** Room for writeOriginal: every byte of a name or value may gain a backslash. */
function originalSize(): number {
  let size = 0;
  for (let i = 0; i < cutCount; i++) {
    const cut = cuts[i]!;
    size += 8 + 2 * (cut.keyEnd - cut.keyStart + cut.valueEnd - cut.valueStart);
  }
  return size > 0 ? size + 16 : 0;
}

/**
 * `,"original":"…"`: the JSON text of `{"/<name>": value, …}` for the cut members (JSON pointers
 * of root names without `~` or `/`: the name itself) as a JSON string. The record is canonical, so
 * each value's bytes are its JSON.stringify text.
 */
function writeOriginal(buffer: Buffer, at: number): number {
  at = writeAscii(buffer, at, ',"original":"{');
  for (let i = 0; i < cutCount; i++) {
    const cut = cuts[i]!;
    if (i > 0) buffer[at++] = 0x2c;
    at = writeAscii(buffer, at, '\\"/');
    at = copyEscaped(src, cut.keyStart, cut.keyEnd, buffer, at);
    at = writeAscii(buffer, at, '\\":');
    at = copyEscaped(src, cut.valueStart, cut.valueEnd, buffer, at);
  }
  return writeAscii(buffer, at, '}"');
}

/**
 * Canonical JSON text as the content of a JSON string, as JSON.stringify escapes it: only `"` and
 * `\` (the text holds no control character, and valid UTF-8 no lone surrogate).
 */
function copyEscaped(from: Buffer, start: number, end: number, to: Buffer, at: number): number {
  for (let i = start; i < end; i++) {
    const b = from[i]!;
    if (b === 0x22 || b === 0x5c) to[at++] = 0x5c;
    to[at++] = b;
  }
  return at;
}

const lastDay = Buffer.alloc(10);
let lastDayIndex = '';
let lastDayPrefix = '';

/** dailyIndex for the day written at `bytes[at, at + 10)`, without a string per record. */
function dailyIndexAt(prefix: string, bytes: Buffer, at: number): string {
  let same = prefix === lastDayPrefix;
  for (let i = 0; same && i < 10; i++) same = lastDay[i] === bytes[at + i];
  if (!same) {
    bytes.copy(lastDay, 0, at, at + 10);
    lastDayPrefix = prefix;
    lastDayIndex = dailyIndex(prefix, bytes.toString('latin1', at, at + 10));
  }
  return lastDayIndex;
}

/**
 * The instant of `YYYY-MM-DDTHH:MM:SSZ` (`length` 20) or `YYYY-MM-DDTHH:MM:SS.mmmZ` (24) at
 * `bytes[at, at + length)`, or NaN (then eventTime.ts decides). Gives what parseTime gives for such
 * text, for years from 2000 (earlier ones are implausible).
 */
function isoTimeAt(bytes: Buffer, at: number, length: number): number {
  if (
    bytes[at + 4] !== 0x2d ||
    bytes[at + 7] !== 0x2d ||
    bytes[at + 10] !== 0x54 ||
    bytes[at + 13] !== 0x3a ||
    bytes[at + 16] !== 0x3a ||
    bytes[at + length - 1] !== 0x5a
  )
    return NaN;
  let millis = 0;
  if (length === 24) {
    if (bytes[at + 19] !== 0x2e) return NaN;
    millis = digitsAt(bytes, at + 20, 3);
    if (millis < 0) return NaN;
  }
  const year = digitsAt(bytes, at, 4);
  const month = digitsAt(bytes, at + 5, 2);
  const day = digitsAt(bytes, at + 8, 2);
  const hour = digitsAt(bytes, at + 11, 2);
  const minute = digitsAt(bytes, at + 14, 2);
  const second = digitsAt(bytes, at + 17, 2);
  if (year < 2000 || month < 1 || month > 12 || day < 1 || (hour | minute | second) < 0) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > days) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** The decimal number of `count` digits at `at`, or -1 when one is not a digit. */
function digitsAt(bytes: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Room for `,"recordIndex":N`, the tags and `,"sourceIp":"…"` (an address of at most 64 characters). */
const MIDDLE_BYTES =
  40 +
  ',"tags":[],"eventTime-invalid","","id-from-content-hash","displaced","value-truncated"'.length +
  Math.max(...Object.values(TIME_TAGS).map((tag) => (tag ?? '').length)) +
  ',"sourceIp":""'.length +
  64;

/** JSON.stringify(index) at `at` (digits without a string for a plain index). */
function writeIndex(buffer: Buffer, at: number, index: number): number {
  if (!(index >= 0 && index <= 0xffffffff && index === Math.floor(index)))
    return writeAscii(buffer, at, JSON.stringify(index));
  let digits = 1;
  for (let rest = index; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = index;
  for (let i = at + digits - 1; i >= at; i--) {
    buffer[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

function writeAscii(buffer: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}
