/**
 * JSON bytes → the exact bytes of each element of the top-level "Records" array, one at a time.
 *
 * A hand-written byte scanner rather than a JSON parser: it only has to find where each record
 * starts and ends, which is several times faster than parsing (the document builder parses each
 * record anyway). It keeps its place across chunks, so no byte is scanned twice; a record inside
 * one chunk is a zero-copy view of it, a record spanning chunks is copied once.
 *
 * Document shape accepted: optional BOM, whitespace anywhere, one top-level object whose keys may
 * come in any order; keys other than "Records" are skipped whatever they hold. Several top-level
 * objects back to back (e.g. two log files gzipped and concatenated) are read in turn, record
 * indexes continuing; each must have its own "Records" array.
 *
 * Faults in the document end the stream with a RecordStreamError, after every record before the
 * fault has been yielded. Faults confined to one element do not: the element is yielded flagged
 * (see SplitRecord) so the caller can dead-letter it and carry on with the next one.
 */
import { RecordStreamError, describeByte } from './errors.js';
import {
  BACKSLASH,
  BOM,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  isWhitespace,
  startsScalar,
} from './json-bytes.js';
import { ScanFault, ValueScanner } from './value-scanner.js';

export interface SplitRecord {
  /**
   * The element's exact bytes. Often a view into a larger decoded chunk: copy it if you keep it
   * long. Empty when `tooLarge`.
   */
  bytes: Buffer;
  /** 0-based position in Records (continuing across concatenated documents). */
  index: number;
  /** Byte offset of the element's first byte in the decompressed stream. */
  offset: number;
  /** The element's length in bytes (equals bytes.length unless `tooLarge`). */
  size: number;
  /** The element is a valid JSON value but not an object: dead-letter it. */
  notObject?: true;
  /** The element is over maxRecordBytes; its bytes were not kept. Dead-letter its position. */
  tooLarge?: true;
  /** Why a flagged element can't be indexed (kind 'not-object' or 'limit'), for the dead letter. */
  problem?: RecordStreamError;
}

export interface SplitOptions {
  maxRecordBytes: number;
  sourceName: string;
}

/** Where the scanner is in the document grammar. */
const enum State {
  DocStart, // before a top-level '{' (BOM, whitespace)
  FirstKeyOrEnd, // after '{'
  Key, // after ',' in the top-level object
  InKey, // inside a top-level key string
  Colon,
  ValueStart,
  SkipValue, // inside a top-level value that is not Records
  AfterValue, // expect ',' or '}'
  FirstElementOrEnd, // after Records' '['
  Element, // expect an element after ','
  InElement,
  AfterElement, // expect ',' or ']'
}

const RECORDS_KEY = Buffer.from('Records');
// A key longer than this (raw, escapes included) cannot spell "Records" (7 × "\uXXXX" = 42 bytes).
const MAX_KEY_BYTES = 64;

export async function* splitRecords(
  chunks: AsyncIterable<Buffer>,
  options: SplitOptions,
): AsyncGenerator<SplitRecord> {
  const splitter = new RecordSplitter(options);
  for await (const chunk of chunks) {
    splitter.feed(chunk);
    for (let record = splitter.next(); record; record = splitter.next()) yield record;
  }
  splitter.end();
}

/**
 * The same elements as splitRecords, in the same order with the same fields, but handed over as
 * one array per input chunk (the elements that chunk completes), so a consumer can run a
 * synchronous loop per chunk instead of an await per element. Never yields an empty array. On a
 * fault it first yields the elements completed before the fault (in their own array), then throws
 * the same error splitRecords would.
 */
export async function* splitRecordBatches(
  chunks: AsyncIterable<Buffer>,
  options: SplitOptions,
): AsyncGenerator<SplitRecord[]> {
  const splitter = new RecordSplitter(options);
  for await (const chunk of chunks) {
    splitter.feed(chunk);
    const batch: SplitRecord[] = [];
    try {
      for (let record = splitter.next(); record; record = splitter.next()) batch.push(record);
    } catch (error) {
      if (batch.length > 0) yield batch;
      throw error;
    }
    if (batch.length > 0) yield batch;
  }
  splitter.end();
}

/** The resumable state machine behind splitRecords: feed(chunk), then next() until undefined. */
export class RecordSplitter {
  private readonly maxRecordBytes: number;
  private readonly sourceName: string;
  private readonly value = new ValueScanner();

  private state = State.DocStart;
  private bomBytes = 0;
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Stream offset of chunk[0]. */
  private chunkBase = 0;
  private documents = 0;
  private recordsInDocument = false;
  private recordCount = 0;

  // The top-level key being read.
  private key: number[] = [];
  private keyEscaped = false;
  private keyEscapePending = false;
  private keyIsRecords = false;

  // The element being read: its start in the current chunk and the pieces from earlier chunks.
  private elementStart = 0;
  private elementOffset = 0;
  private elementIsObject = false;
  private pieces: Buffer[] = [];
  private piecesLength = 0;
  private tooLarge = false;

  constructor(options: SplitOptions) {
    this.maxRecordBytes = options.maxRecordBytes;
    this.sourceName = options.sourceName;
  }

  /** Hands over the next chunk; call only after next() returned undefined. */
  feed(chunk: Buffer): void {
    if (this.state === State.InElement) this.keepElementTail();
    this.chunkBase += this.chunk.length;
    this.chunk = chunk;
    this.pos = 0;
    this.elementStart = 0;
  }

  /** The next complete element in the chunks fed so far, or undefined when more input is needed. */
  next(): SplitRecord | undefined {
    const buf = this.chunk;
    const len = buf.length;
    let pos = this.pos;
    try {
      while (pos < len) {
        if (this.state === State.InElement) {
          const end = this.value.scan(buf, pos);
          if (end < 0) {
            pos = len;
            break;
          }
          this.pos = end;
          this.state = State.AfterElement;
          return this.finishElement(end);
        }
        if (this.state === State.SkipValue) {
          const end = this.value.scan(buf, pos);
          if (end < 0) {
            pos = len;
            break;
          }
          pos = end;
          this.state = State.AfterValue;
          continue;
        }
        if (this.state === State.InKey) {
          pos = this.scanKey(buf, pos);
          continue;
        }
        const c = buf[pos]!;
        if (isWhitespace(c)) {
          pos++;
          continue;
        }
        pos = this.structural(c, pos);
      }
    } catch (error) {
      if (error instanceof ScanFault) throw this.faultInValue(error);
      throw error;
    }
    this.pos = pos;
    return undefined;
  }

  /** Call when the input is exhausted: throws unless the document ended cleanly. */
  end(): void {
    const byte = this.chunkBase + this.chunk.length;
    if (this.state === State.DocStart) {
      if (this.documents > 0) return;
      throw new RecordStreamError('json', this.sourceName, 'no JSON content (empty input)', { byte });
    }
    if (this.inRecords()) {
      const where = this.recordCount === 0 ? 'before record 0' : `after record ${this.recordCount - 1}`;
      throw this.jsonError(`unexpected end of input ${where} at byte ${byte}`, byte);
    }
    const context = this.recordsInDocument ? 'after the "Records" array' : 'before any "Records" array';
    throw this.jsonError(`unexpected end of input ${context} at byte ${byte}`, byte);
  }

  /** One byte of document structure (not whitespace, not inside a value or key). Returns the next pos. */
  private structural(c: number, pos: number): number {
    switch (this.state) {
      case State.DocStart: {
        // A BOM only counts as the very first bytes of the stream.
        if (this.bomBytes === this.at(pos) && this.bomBytes < BOM.length && c === BOM[this.bomBytes]) {
          this.bomBytes++;
          return pos + 1;
        }
        if (c !== OPEN_BRACE) throw this.unexpected(c, pos, "'{' (a JSON object)");
        this.documents++;
        this.recordsInDocument = false;
        this.state = State.FirstKeyOrEnd;
        return pos + 1;
      }
      case State.FirstKeyOrEnd:
        if (c === CLOSE_BRACE) return this.endDocument(pos);
        return this.startKey(c, pos);
      case State.Key:
        return this.startKey(c, pos);
      case State.Colon:
        if (c !== COLON) throw this.unexpected(c, pos, "':'");
        this.state = State.ValueStart;
        return pos + 1;
      case State.ValueStart:
        if (this.keyIsRecords) {
          if (this.recordsInDocument)
            throw this.jsonError(`duplicate "Records" key before byte ${this.at(pos)}`, this.at(pos));
          if (c !== OPEN_BRACKET) {
            throw this.jsonError(
              `"Records" is not an array (found ${describeByte(c)} at byte ${this.at(pos)})`,
              this.at(pos),
            );
          }
          this.recordsInDocument = true;
          this.state = State.FirstElementOrEnd;
          return pos + 1;
        }
        if (c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE && !startsScalar(c)) {
          throw this.unexpected(c, pos, 'a JSON value');
        }
        this.value.begin(c);
        this.state = State.SkipValue;
        return pos + 1;
      case State.AfterValue:
        if (c === COMMA) {
          this.state = State.Key;
          return pos + 1;
        }
        if (c === CLOSE_BRACE) return this.endDocument(pos);
        throw this.unexpected(c, pos, "',' or '}'");
      case State.FirstElementOrEnd:
        if (c === CLOSE_BRACKET) {
          this.state = State.AfterValue;
          return pos + 1;
        }
        return this.startElement(c, pos);
      case State.Element:
        return this.startElement(c, pos);
      case State.AfterElement:
        if (c === COMMA) {
          this.state = State.Element;
          return pos + 1;
        }
        if (c === CLOSE_BRACKET) {
          this.state = State.AfterValue;
          return pos + 1;
        }
        throw this.unexpected(c, pos, "',' or ']'");
      default:
        throw new Error(`splitter: unexpected state ${this.state}`);
    }
  }

  private startKey(c: number, pos: number): number {
    if (c !== QUOTE) throw this.unexpected(c, pos, 'a key');
    this.key.length = 0;
    this.keyEscaped = false;
    this.keyEscapePending = false;
    this.state = State.InKey;
    return pos + 1;
  }

  /** Reads key bytes up to the closing quote; keeps at most MAX_KEY_BYTES + 1 of them. */
  private scanKey(buf: Buffer, pos: number): number {
    const len = buf.length;
    while (pos < len) {
      const c = buf[pos++]!;
      if (this.keyEscapePending) {
        this.keyEscapePending = false;
      } else if (c === BACKSLASH) {
        this.keyEscaped = this.keyEscapePending = true;
      } else if (c === QUOTE) {
        this.keyIsRecords = this.keySpellsRecords();
        this.state = State.Colon;
        return pos;
      }
      if (this.key.length <= MAX_KEY_BYTES) this.key.push(c);
    }
    return pos;
  }

  private keySpellsRecords(): boolean {
    const key = this.key;
    if (!this.keyEscaped) return key.length === RECORDS_KEY.length && RECORDS_KEY.equals(Buffer.from(key));
    if (key.length > MAX_KEY_BYTES) return false;
    // Rare: an escaped key such as "Rec\u006frds" still names Records.
    try {
      return JSON.parse(`"${Buffer.from(key).toString('utf8')}"`) === 'Records';
    } catch {
      return false;
    }
  }

  private endDocument(pos: number): number {
    if (!this.recordsInDocument) {
      throw new RecordStreamError('no-records', this.sourceName, 'no top-level "Records" array', {
        byte: this.at(pos),
        record: this.recordCount,
      });
    }
    this.state = State.DocStart;
    return pos + 1;
  }

  private startElement(c: number, pos: number): number {
    const isObject = c === OPEN_BRACE;
    if (!isObject && c !== OPEN_BRACKET && c !== QUOTE && !startsScalar(c)) {
      const after = this.recordCount === 0 ? 'before record 0' : `after record ${this.recordCount - 1}`;
      throw this.jsonError(`unexpected ${describeByte(c)} at byte ${this.at(pos)} ${after}`, this.at(pos));
    }
    this.value.begin(c);
    this.state = State.InElement;
    this.elementIsObject = isObject;
    this.elementStart = pos;
    this.elementOffset = this.at(pos);
    this.pieces = [];
    this.piecesLength = 0;
    this.tooLarge = false;
    return pos + 1;
  }

  /** The chunk ends inside an element: keep its tail (unless the element is already too large). */
  private keepElementTail(): void {
    const tail = this.chunk.length - this.elementStart;
    this.piecesLength += tail;
    if (this.tooLarge) return;
    if (this.piecesLength > this.maxRecordBytes) {
      this.tooLarge = true;
      this.pieces = [];
      return;
    }
    if (tail > 0) this.pieces.push(this.chunk.subarray(this.elementStart));
  }

  private finishElement(end: number): SplitRecord {
    const index = this.recordCount++;
    const offset = this.elementOffset;
    const size = this.piecesLength + end - this.elementStart;
    if (this.tooLarge || size > this.maxRecordBytes) {
      this.pieces = [];
      const problem = new RecordStreamError(
        'limit',
        this.sourceName,
        `record ${index} at byte ${offset} is ${size} bytes, over the ${this.maxRecordBytes}-byte limit (MAX_RECORD_BYTES)`,
        { byte: offset, record: index },
      );
      return { bytes: Buffer.alloc(0), index, offset, size, tooLarge: true, problem };
    }
    const last = this.chunk.subarray(this.elementStart, end);
    let bytes = last;
    if (this.pieces.length > 0) {
      this.pieces.push(last);
      bytes = Buffer.concat(this.pieces, size);
      this.pieces = [];
    }
    if (this.elementIsObject) return { bytes, index, offset, size };
    const problem = new RecordStreamError(
      'not-object',
      this.sourceName,
      `record ${index} at byte ${offset} is not a JSON object`,
      { byte: offset, record: index },
    );
    return { bytes, index, offset, size, notObject: true, problem };
  }

  private inRecords(): boolean {
    const s = this.state;
    return (
      s === State.FirstElementOrEnd ||
      s === State.Element ||
      s === State.InElement ||
      s === State.AfterElement
    );
  }

  private at(pos: number): number {
    return this.chunkBase + pos;
  }

  private jsonError(detail: string, byte: number): RecordStreamError {
    const position = this.inRecords() ? { byte, record: this.recordCount } : { byte };
    return new RecordStreamError('json', this.sourceName, detail, position);
  }

  private unexpected(c: number, pos: number, expected: string): RecordStreamError {
    const byte = this.at(pos);
    const context = this.inRecords()
      ? this.recordCount === 0
        ? ' before record 0'
        : ` after record ${this.recordCount - 1}`
      : '';
    return this.jsonError(
      `unexpected ${describeByte(c)} at byte ${byte}${context}, expected ${expected}`,
      byte,
    );
  }

  private faultInValue(fault: ScanFault): RecordStreamError {
    const byte = this.at(fault.index);
    const where = this.state === State.InElement ? ` in record ${this.recordCount}` : ' in a top-level value';
    return this.jsonError(`${fault.message} at byte ${byte}${where}`, byte);
  }
}
