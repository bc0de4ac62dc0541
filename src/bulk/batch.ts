/**
 * Bulk framing and size-bounded packing. A batch's NDJSON body is the concatenation of its entries' text, so
 * its byte size is known before it is built and never has to be measured after the fact.
 */
import { sourceBytesOf } from '../documents/encoded.js';
import type { BulkDocument } from '../types.js';

/** One document as the sender tracks it between attempts. */
export interface Entry {
  /** The document as passed to `add()`: outcomes are reported against it. */
  readonly original: BulkDocument;
  /** What is sent: the original, or its self-heal rewrite. */
  readonly doc: BulkDocument;
  /** How many self-heal rewrites this is (0: the original). Each round fixes the field OpenSearch named. */
  readonly heals: number;
  /** Transient failures (request- or item-level) seen so far. */
  attempts: number;
  /** Action line + source line, each newline-terminated (the bulk API requires the final newline). */
  readonly ndjson: string;
  /** UTF-8 bytes of `ndjson`. */
  readonly bytes: number;
}

export function actionLine(doc: BulkDocument): string {
  // `create`, never `index`: a replay of an already-stored id is a 409 we count as a duplicate.
  return `${actionPrefix(doc.index)}${quoted(doc.id)}}}`;
}

// The action line's head is the same for every document of a day's index: built once per index name.
let lastIndex = '';
let lastPrefix = '{"create":{"_index":"","_id":';
function actionPrefix(index: string): string {
  if (index !== lastIndex) {
    lastPrefix = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
    lastIndex = index;
  }
  return lastPrefix;
}

/** Printable ASCII without `"` or `\`: a JSON string as is (event ids and content hashes always are). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
function quoted(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

export function toEntry(
  original: BulkDocument,
  doc: BulkDocument = original,
  heals = 0,
  attempts = 0,
): Entry {
  const source = sourceBytesOf(doc);
  if (source !== undefined) {
    // Event ids and content hashes are plain ASCII: written byte by byte behind the index's cached head.
    if (PLAIN.test(doc.id))
      return new EncodedEntry(original, doc, heals, attempts, actionHead(doc.index), source, doc.id);
    return new EncodedEntry(original, doc, heals, attempts, Buffer.from(actionLine(doc), 'utf8'), source);
  }
  const ndjson = `${actionLine(doc)}\n${doc.source}\n`;
  return { original, doc, heals, attempts, ndjson, bytes: Buffer.byteLength(ndjson, 'utf8') };
}

// `{"create":{"_index":"…","_id":` as bytes, built once per index name (a day's index: one per file, mostly).
let lastHeadIndex: string | undefined;
let lastHead = Buffer.alloc(0);
function actionHead(index: string): Buffer {
  if (index !== lastHeadIndex) {
    lastHead = Buffer.from(actionPrefix(index), 'utf8');
    lastHeadIndex = index;
  }
  return lastHead;
}

/**
 * The entry of a document that holds its source as UTF-8 bytes (the builder's): the source is
 * copied once, into the request body, and never becomes a string (see src/documents/encoded.ts).
 * The action line is never a string either: its head's bytes (shared by the index's documents) then
 * the plain id, one byte per character.
 */
class EncodedEntry implements Entry {
  readonly bytes: number;
  constructor(
    readonly original: BulkDocument,
    readonly doc: BulkDocument,
    readonly heals: number,
    public attempts: number,
    /** The action line's head (then `"id"}}`), or the whole action line when there is no `id`. */
    private readonly head: Buffer,
    readonly source: Buffer,
    /** The document's id when plain ASCII without `"` or `\\`. */
    private readonly id?: string,
  ) {
    this.bytes = head.length + (id === undefined ? 0 : id.length + 4) + source.length + 2;
  }

  get ndjson(): string {
    return `${actionLine(this.doc)}\n${this.source.toString('utf8')}\n`;
  }

  writeTo(body: Buffer, at: number): number {
    // TypedArray#set, not Buffer#copy: copy builds a view of the source per call, a cost at 1 KB a piece.
    body.set(this.head, at);
    at += this.head.length;
    const id = this.id;
    if (id !== undefined) {
      body[at++] = 0x22;
      for (let i = 0; i < id.length; i++) body[at++] = id.charCodeAt(i);
      body[at++] = 0x22;
      body[at++] = 0x7d;
      body[at++] = 0x7d;
    }
    body[at++] = 0x0a;
    body.set(this.source, at);
    at += this.source.length;
    body[at++] = 0x0a;
    return at;
  }
}

export interface BatchLimits {
  maxBytes: number;
  maxDocs: number;
}

/** True when `entry` can join a batch of `count` entries and `bytes` bytes. An empty batch takes anything. */
export function fits(count: number, bytes: number, entry: Entry, limits: BatchLimits): boolean {
  return count === 0 || (count < limits.maxDocs && bytes + entry.bytes <= limits.maxBytes);
}

/** How many leading entries form the next batch within the limits (at least one: an oversized entry goes alone). */
export function nextBatchSize(entries: readonly Entry[], limits: BatchLimits, start = 0): number {
  let count = 0;
  let bytes = 0;
  for (let i = start; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    if (!fits(count, bytes, entry, limits)) break;
    count += 1;
    bytes += entry.bytes;
  }
  return count;
}

/** Splits entries, in order, into batches within the limits. */
export function pack(entries: readonly Entry[], limits: BatchLimits): Entry[][] {
  const batches: Entry[][] = [];
  for (let start = 0; start < entries.length;) {
    const size = nextBatchSize(entries, limits, start);
    batches.push(entries.slice(start, start + size));
    start += size;
  }
  return batches;
}

export function bodyOf(entries: readonly Entry[]): string {
  return entries.map((entry) => entry.ndjson).join('');
}

/**
 * Request body buffers for reuse: a sender gives a body back once the cluster has answered for every
 * document in it (so the socket is done with it). Allocating a fresh multi-megabyte buffer per request
 * costs page faults on every write, and an unreferenced one is only freed when V8 next collects garbage,
 * which it does late for external memory; a few reused buffers keep both flat. Shared by every sender
 * (the pipeline makes one per file).
 */
const POOLED_BODIES = 4;
const BODY_CAPACITY_STEP = 1024 * 1024;
const freeBodies: ArrayBuffer[] = [];

/** Gives back a body built by {@link bodyBytes} with `pooled`; it must not be read or sent again. */
export function releaseBody(body: Buffer): void {
  const backing = body.buffer;
  if (!(backing instanceof ArrayBuffer)) return;
  if (
    freeBodies.length < POOLED_BODIES &&
    backing.byteLength >= BODY_CAPACITY_STEP &&
    !freeBodies.includes(backing)
  ) {
    freeBodies.push(backing);
  }
}

function bodyBuffer(size: number, pooled: boolean): Buffer {
  if (!pooled) return Buffer.allocUnsafeSlow(size);
  for (let i = freeBodies.length - 1; i >= 0; i--) {
    const backing = freeBodies[i] as ArrayBuffer;
    if (backing.byteLength >= size) {
      freeBodies.splice(i, 1);
      return Buffer.from(backing, 0, size);
    }
  }
  const capacity = Math.ceil(size / BODY_CAPACITY_STEP) * BODY_CAPACITY_STEP;
  return Buffer.from(Buffer.allocUnsafeSlow(capacity).buffer, 0, size);
}

/**
 * The request body as bytes: one allocation (or a reused buffer when `pooled`) and one copy per entry, no
 * intermediate strings.
 */
export function bodyBytes(entries: readonly Entry[], pooled = false): Buffer {
  let total = 0;
  for (const entry of entries) total += entry.bytes;
  const body = bodyBuffer(total, pooled);
  let at = 0;
  for (const entry of entries) {
    at = entry instanceof EncodedEntry ? entry.writeTo(body, at) : at + body.write(entry.ndjson, at, 'utf8');
  }
  return at === total ? body : body.subarray(0, at);
}
