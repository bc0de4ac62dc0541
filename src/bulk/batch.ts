/**
 * Bulk framing and size-bounded packing. A batch's NDJSON body is the concatenation of its entries' text, so
 * its byte size is known before it is built and never has to be measured after the fact.
 */
import { entryStartOf, sourceBytesOf } from '../documents/encoded.js';
import type { BulkDocument } from '../types.js';
import { actionHead, actionLine, isPlainId, plainActionBytes, writePlainAction } from './action.js';

export { actionLine } from './action.js';

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

export function toEntry(
  original: BulkDocument,
  doc: BulkDocument = original,
  heals = 0,
  attempts = 0,
): Entry {
  const source = sourceBytesOf(doc);
  if (source !== undefined) {
    const start = entryStartOf(doc);
    if (start >= 0) return new FramedEntry(original, doc, heals, attempts, source, start);
    // Event ids and content hashes are plain ASCII: written byte by byte behind the index's cached head.
    if (isPlainId(doc.id))
      return new EncodedEntry(original, doc, heals, attempts, actionHead(doc.index), source, doc.id);
    return new EncodedEntry(original, doc, heals, attempts, Buffer.from(actionLine(doc), 'utf8'), source);
  }
  const ndjson = `${actionLine(doc)}\n${doc.source}\n`;
  return { original, doc, heals, attempts, ndjson, bytes: Buffer.byteLength(ndjson, 'utf8') };
}

/**
 * The entry of a document whose whole entry already sits in its slab, action line in front of the
 * source (see src/documents/encoded.ts): a body of consecutive such entries is a view, not a copy.
 */
class FramedEntry implements Entry {
  readonly bytes: number;
  /** The slab's memory and the entry's place in it. */
  readonly memory: ArrayBufferLike;
  readonly end: number;
  constructor(
    readonly original: BulkDocument,
    readonly doc: BulkDocument,
    readonly heals: number,
    public attempts: number,
    readonly source: Buffer,
    readonly start: number,
  ) {
    this.memory = source.buffer;
    this.end = source.byteOffset + source.length + 1;
    this.bytes = this.end - start;
  }

  get ndjson(): string {
    return `${actionLine(this.doc)}\n${this.source.toString('utf8')}\n`;
  }
}

/**
 * The entry of a document that holds its source as UTF-8 bytes but not framed in place: the source is
 * copied once, into the request body, and never becomes a string. The action line is never a string
 * either: its head's bytes (shared by the index's documents) then the plain id, one byte per character.
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
    this.bytes = (id === undefined ? head.length + 1 : plainActionBytes(head, id)) + source.length + 1;
  }

  get ndjson(): string {
    return `${actionLine(this.doc)}\n${this.source.toString('utf8')}\n`;
  }

  writeTo(body: Buffer, at: number): number {
    if (this.id === undefined) {
      body.set(this.head, at);
      at += this.head.length;
      body[at++] = 0x0a;
    } else at = writePlainAction(body, at, this.head, this.id);
    // TypedArray#set, not Buffer#copy: copy builds a view of the source per call, a cost at 1 KB a piece.
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
 * Request body buffers for reuse, for the bodies that are written out (see {@link bodyBytes}): a sender
 * gives a body back once the cluster has answered for every document in it (so the socket is done with
 * it). Allocating a fresh multi-megabyte buffer per request costs page faults on every write, and an
 * unreferenced one is only freed when V8 next collects garbage, which it does late for external memory;
 * a few reused buffers keep both flat. Shared by every sender (the pipeline makes one per file).
 */
const POOLED_BODIES = 2;
const BODY_CAPACITY_STEP = 1024 * 1024;
const freeBodies: ArrayBuffer[] = [];
/** The pool's own buffers: a body that is a view of document slabs is never pooled. */
const pooledBackings = new WeakSet<ArrayBuffer>();

/** Gives back a body built by {@link bodyBytes} with `pooled`; it must not be read or sent again. */
export function releaseBody(body: Buffer): void {
  const backing = body.buffer;
  if (!(backing instanceof ArrayBuffer) || !pooledBackings.has(backing)) return;
  if (freeBodies.length < POOLED_BODIES && !freeBodies.includes(backing)) freeBodies.push(backing);
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
  const backing = Buffer.allocUnsafeSlow(capacity).buffer as ArrayBuffer;
  pooledBackings.add(backing);
  return Buffer.from(backing, 0, size);
}

/** True when the entries' bytes follow each other in one slab: the body is a view of them. */
function inPlace(entries: readonly Entry[]): boolean {
  const first = entries[0];
  if (!(first instanceof FramedEntry)) return false;
  const memory = first.memory;
  let end = first.end;
  for (let i = 1; i < entries.length; i++) {
    const entry = entries[i];
    if (!(entry instanceof FramedEntry) || entry.memory !== memory || entry.start !== end) return false;
    end = entry.end;
  }
  return true;
}

/**
 * The request body as bytes. With `pooled` (the transport keeps no reference to a body once its request
 * is settled), a run of consecutive framed documents (the common case: a batch of one file's documents)
 * is sent from where the documents are, a view of their slab: their sources stay put until their outcome
 * is reported, which is after the cluster has read them. Anything else (retries of some items, batches
 * that cross a slab's end, rewritten documents) is written out: one allocation (or a reused buffer when
 * `pooled`) and one copy per entry, no intermediate strings.
 */
export function bodyBytes(entries: readonly Entry[], pooled = false): Buffer {
  if (pooled && inPlace(entries)) {
    const first = entries[0] as FramedEntry;
    const last = entries[entries.length - 1] as FramedEntry;
    return Buffer.from(first.memory, first.start, last.end - first.start);
  }
  let total = 0;
  for (const entry of entries) total += entry.bytes;
  const body = bodyBuffer(total, pooled);
  let at = 0;
  for (let i = 0; i < entries.length;) {
    const entry = entries[i++] as Entry;
    if (entry instanceof FramedEntry) {
      // A run of framed entries (the two halves of a batch that crosses a slab's end): one copy.
      let end = entry.end;
      for (let next = entries[i]; next instanceof FramedEntry; next = entries[++i]) {
        if (next.memory !== entry.memory || next.start !== end) break;
        end = next.end;
      }
      body.set(new Uint8Array(entry.memory, entry.start, end - entry.start), at);
      at += end - entry.start;
    } else if (entry instanceof EncodedEntry) at = entry.writeTo(body, at);
    else at += body.write(entry.ndjson, at, 'utf8');
  }
  return at === total ? body : body.subarray(0, at);
}
