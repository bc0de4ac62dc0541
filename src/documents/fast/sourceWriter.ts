/**
 * The fast path's output: the document source written into the file's arena in one pass,
 *
 *   `{"@timestamp":"…","ct":{"source":…,"recordIndex":N` [`,"tags":[…]`] [`,"sourceIp":"…"`]
 *   `,"actor":…` (the derived members, derived.ts) [`,"pairs":[…]`] [`,"text":"…"`] [`,"original":"…"`] `},` + the record after its `{`
 *
 * (without its cut members), byte for byte what the reference builder writes for the same record.
 * Constant parts are copied whole (one native copy, where writing a string reads each character).
 */
import { TIME_TAGS } from '../head.js';
import type { SourceArena } from '../memory.js';
import type { BulkDocument } from '../../types.js';
import { copyBytes, type PairsWriter } from './pairsWriter.js';
import type { RecordScanner } from './recordScanner.js';
import type { RecordWalker } from './recordWalker.js';

const TIMESTAMP_OPEN = Buffer.from('{"@timestamp":"');
const PAIRS_OPEN = Buffer.from(',"pairs":[');
const TEXT_OPEN = Buffer.from(',"text":"');

/** Room for `,"recordIndex":N`, the tags and `,"sourceIp":"…"` (an address of at most 64 characters). */
const MIDDLE_BYTES =
  40 +
  ',"tags":[],"eventTime-invalid","","id-from-content-hash","displaced","value-truncated"'.length +
  Math.max(...Object.values(TIME_TAGS).map((tag) => (tag ?? '').length)) +
  ',"sourceIp":""'.length +
  64;

/** What the builder resolved for the record being written (one object, reused from record to record). */
export interface SourceFacts {
  /** Where a CloudTrail-form eventTime sits in the record (its bytes become `@timestamp`), else -1. */
  timeAt: number;
  /** 20 or 24 (with milliseconds), when `timeAt` >= 0. */
  timeLength: number;
  /** The ISO timestamp, when `timeAt` < 0. */
  timestamp: string;
  timeTag: string | undefined;
  eventTimeInvalid: boolean;
  /** The id is a content hash (tagged). */
  hashed: boolean;
  /** `ct.sourceIp` when not read in place from the record (RecordWalker.sourceIpAt). */
  sourceIp: string | undefined;
  /** The derived members' JSON, each with its leading comma (derivedJson). */
  derived: Buffer;
  index: string;
  id: string;
  recordIndex: number;
  eventTimeMs: number | undefined;
}

export class SourceWriter {
  private sourceName: string | undefined;
  /** What follows the timestamp up to the record index, for `sourceName`. */
  private sourceJson = Buffer.alloc(0);

  constructor(
    private readonly arena: SourceArena,
    private readonly scanner: RecordScanner,
    private readonly walker: RecordWalker,
    private readonly pairs: PairsWriter,
  ) {}

  /** Writes the source of the walked record `bytes` and commits it as the document. */
  write(bytes: Buffer, sourceName: string, facts: SourceFacts): BulkDocument {
    const walker = this.walker;
    const pairs = this.pairs;
    const cutCount = walker.cutCount;
    const valueTruncated = pairs.valueTruncated;
    const tagged =
      facts.eventTimeInvalid || facts.timeTag !== undefined || facts.hashed || cutCount > 0 || valueTruncated;
    if (sourceName !== this.sourceName) {
      this.sourceJson = Buffer.from(`","ct":{"source":${JSON.stringify(sourceName)},"recordIndex":`, 'utf8');
      this.sourceName = sourceName;
    }
    const sourceJson = this.sourceJson;
    const pairLen = pairs.pairLen;
    const textLen = pairs.textLen;
    const size =
      64 +
      facts.timestamp.length +
      sourceJson.length +
      MIDDLE_BYTES +
      facts.derived.length +
      (pairs.pairCount > 0 ? 11 + pairLen : 0) +
      (textLen > 0 ? 10 + textLen : 0) +
      this.originalSize() +
      bytes.length;
    const { buffer, offset } = this.arena.reserve(size);
    buffer.set(TIMESTAMP_OPEN, offset);
    let at = offset + TIMESTAMP_OPEN.length;
    const timeAt = facts.timeAt;
    if (timeAt >= 0) {
      // CloudTrail's form: `@timestamp` is its bytes (+ `.000Z` without milliseconds), what toISOString
      // gives for a year 2000-9999.
      for (let i = timeAt; i < timeAt + 19; i++) buffer[at++] = bytes[i]!;
      if (facts.timeLength === 24) {
        for (let i = timeAt + 19; i < timeAt + 24; i++) buffer[at++] = bytes[i]!;
      } else at = writeAscii(buffer, at, '.000Z');
    } else at = writeAscii(buffer, at, facts.timestamp);
    buffer.set(sourceJson, at); // `","ct":{"source":…,"recordIndex":`
    at += sourceJson.length;
    at = writeIndex(buffer, at, facts.recordIndex);
    if (tagged) {
      at = writeAscii(buffer, at, ',"tags":[');
      const tagsAt = at;
      if (facts.eventTimeInvalid) at = writeAscii(buffer, at, ',"eventTime-invalid"');
      if (facts.timeTag !== undefined) {
        at = writeAscii(buffer, at, ',"');
        at = writeAscii(buffer, at, facts.timeTag);
        buffer[at++] = 0x22;
      }
      if (facts.hashed) at = writeAscii(buffer, at, ',"id-from-content-hash"');
      if (cutCount > 0) at = writeAscii(buffer, at, ',"displaced"');
      if (valueTruncated) at = writeAscii(buffer, at, ',"value-truncated"');
      buffer.copyWithin(tagsAt, tagsAt + 1, at); // without the first comma
      buffer[at - 1] = 0x5d;
    }
    if (walker.sourceIpAt >= 0) {
      at = writeAscii(buffer, at, ',"sourceIp":"');
      for (let i = walker.sourceIpAt; i < walker.sourceIpEnd; i++) buffer[at++] = bytes[i]!;
      buffer[at++] = 0x22;
    } else if (facts.sourceIp !== undefined) {
      at = writeAscii(buffer, at, ',"sourceIp":"');
      at = writeAscii(buffer, at, facts.sourceIp);
      buffer[at++] = 0x22;
    }
    buffer.set(facts.derived, at);
    at += facts.derived.length;
    if (pairs.pairCount > 0) {
      buffer.set(PAIRS_OPEN, at);
      at += PAIRS_OPEN.length;
      copyBytes(pairs.pairs, 0, pairLen - 1, buffer, at); // without the last comma
      at += pairLen - 1;
      buffer[at++] = 0x5d;
    }
    if (textLen > 0) {
      buffer.set(TEXT_OPEN, at);
      at += TEXT_OPEN.length;
      copyBytes(pairs.text, 0, textLen, buffer, at);
      at += textLen;
      buffer[at++] = 0x22;
    }
    if (cutCount > 0) at = this.writeOriginal(buffer, at);
    buffer[at++] = 0x7d;
    const recordStart = at + 1;
    at = this.writeMembers(bytes, buffer, at);
    // A raw CR/LF can only be whitespace between tokens: a space keeps the JSON and the bulk line whole.
    if (this.scanner.sawNewline) {
      for (let i = recordStart; i < at; i++) {
        const byte = buffer[i];
        if (byte === 0x0a || byte === 0x0d) buffer[i] = 0x20;
      }
    }
    return this.arena.commit(at - offset, facts.index, facts.id, facts.recordIndex, facts.eventTimeMs);
  }

  /**
   * The record after its `{`, at `at` (right after the `ct` object): `,` + its members + `}`, or only
   * `}` when all its members were cut. Returns where the source ends.
   */
  private writeMembers(bytes: Buffer, buffer: Buffer, at: number): number {
    const walker = this.walker;
    const cutCount = walker.cutCount;
    const start = at;
    if (cutCount === 0) {
      buffer.set(bytes, at);
      at += bytes.length;
    } else {
      let from = 0;
      for (let i = 0; i < cutCount; i++) {
        const cut = walker.cuts[i]!;
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
  private originalSize(): number {
    const walker = this.walker;
    let size = 0;
    for (let i = 0; i < walker.cutCount; i++) {
      const cut = walker.cuts[i]!;
      size += 8 + 2 * (cut.keyEnd - cut.keyStart + cut.valueEnd - cut.valueStart);
    }
    return size > 0 ? size + 16 : 0;
  }

  /**
   * `,"original":"…"`: the JSON text of `{"/<name>": value, …}` for the cut members (JSON pointers
   * of root names without `~` or `/`: the name itself) as a JSON string. The record is canonical, so
   * each value's bytes are its JSON.stringify text.
   */
  private writeOriginal(buffer: Buffer, at: number): number {
    const walker = this.walker;
    const src = this.scanner.src;
    at = writeAscii(buffer, at, ',"original":"{');
    for (let i = 0; i < walker.cutCount; i++) {
      const cut = walker.cuts[i]!;
      if (i > 0) buffer[at++] = 0x2c;
      at = writeAscii(buffer, at, '\\"/');
      at = copyEscaped(src, cut.keyStart, cut.keyEnd, buffer, at);
      at = writeAscii(buffer, at, '\\":');
      at = copyEscaped(src, cut.valueStart, cut.valueEnd, buffer, at);
    }
    return writeAscii(buffer, at, '}"');
  }
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

/**
 * The instant of `YYYY-MM-DDTHH:MM:SSZ` (`length` 20) or `YYYY-MM-DDTHH:MM:SS.mmmZ` (24) at
 * `bytes[at, at + length)`, or NaN (then eventTime.ts decides). Gives what parseTime gives for such
 * text, for years from 2000 (earlier ones are implausible).
 */
export function isoTimeAt(bytes: Buffer, at: number, length: number): number {
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
