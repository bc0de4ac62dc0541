/**
 * Documents whose `_source` is held as UTF-8 bytes, not as a string.
 *
 * Why: a bulk batch holds thousands of sources for as long as its request is in flight. As strings
 * they live on the V8 heap long enough to be promoted to old space (the garbage that made peak RSS
 * grow with file size), and each one was copied three more times (flattened, joined into the body,
 * encoded to UTF-8 on the socket). As bytes in off-heap slabs they are written once, copied once
 * into the request body, and cost the garbage collector nothing.
 *
 * The `source` string is still there for whoever needs it (self-heal, dead letters, tests): it is
 * decoded on demand. The bytes sit behind a private field and a symbol-keyed prototype method, so a
 * copy made by spreading (`{ ...document, source }`, as self-heal does) is an ordinary document
 * whose new `source` is the one sent.
 */
import type { BulkDocument } from '../types.js';

/** Key of the method that hands out a document's source bytes (see {@link sourceBytesOf}). */
export const SOURCE_BYTES = Symbol.for('cloudtrail-opensearch.sourceBytes');

const RELEASE = Symbol('release');

export class EncodedDocument implements BulkDocument {
  #bytes: Buffer | undefined;
  declare eventTimeMs?: number;

  constructor(
    readonly index: string,
    readonly id: string,
    bytes: Buffer,
    readonly recordIndex: number,
  ) {
    this.#bytes = bytes;
  }

  /** The source as one line of JSON text (decoded on each call: the hot path never asks). */
  get source(): string {
    return this.bytes().toString('utf8');
  }

  [SOURCE_BYTES](): Buffer {
    return this.bytes();
  }

  /** Gives the bytes back to their slab (see {@link releaseSource}); the document has no source after. */
  [RELEASE](): void {
    const bytes = this.#bytes;
    if (!bytes) return;
    this.#bytes = undefined;
    const slab = slabs.get(bytes.buffer);
    if (slab && --slab.live === 0 && slab.buffer !== current) recycle(slab);
  }

  private bytes(): Buffer {
    if (!this.#bytes) throw new Error(`document ${this.id}: its source was released after its outcome`);
    return this.#bytes;
  }
}

/**
 * Declares that nothing will read `document`'s source any more (its bulk outcome is reported): its bytes
 * go back to their slab, and a slab whose documents are all released is reused for new documents instead
 * of waiting for the garbage collector (V8 collects external memory late: tens of megabytes of dead slabs
 * before a collection). Reading the source afterwards throws rather than return another document's bytes.
 * Documents that do not hold bytes are left alone.
 */
export function releaseSource(document: BulkDocument): void {
  if (document instanceof EncodedDocument) document[RELEASE]();
}

/** The UTF-8 bytes of `document.source` when the document holds them, else undefined. */
export function sourceBytesOf(document: BulkDocument): Buffer | undefined {
  return document instanceof EncodedDocument ? document[SOURCE_BYTES]() : undefined;
}

// Sources are carved out of 1 MiB slabs (a bump allocator) instead of one allocation each: a Buffer
// per document would mean one native allocation and one tracked backing store per record. A slab
// whose documents have all been released (releaseSource, once their outcome is reported) is reused
// at once; one holding a document that never got released is freed by the garbage collector once no
// document in it is referenced any more. Batches finish roughly in order, so a slab's documents are
// released together.
const SLAB_BYTES = 1024 * 1024;
const OWN_ALLOCATION_BYTES = SLAB_BYTES / 8;
/** Emptied slabs kept for reuse: enough for a few batches in flight, no more (they stay allocated). */
const FREE_SLABS = 12;

interface Slab {
  readonly buffer: Buffer;
  /** Committed sources not yet released. */
  live: number;
}

/** Slabs by their memory, for releaseSource (a source is a view of its slab's ArrayBuffer). */
const slabs = new WeakMap<ArrayBufferLike, Slab>();
const free: Slab[] = [];
let currentSlab: Slab = newSlab(0);
let current = currentSlab.buffer;
let slabUsed = 0;

function newSlab(bytes: number): Slab {
  const slab = { buffer: Buffer.allocUnsafeSlow(bytes), live: 0 };
  slabs.set(slab.buffer.buffer, slab);
  return slab;
}

function recycle(slab: Slab): void {
  if (free.length < FREE_SLABS && slab.buffer.length === SLAB_BYTES) free.push(slab);
}

/**
 * Room for at most `maxBytes` bytes; call {@link commit} with the bytes actually written before the
 * next reserve. Returns the buffer and the offset to write at.
 */
export function reserve(maxBytes: number): { buffer: Buffer; offset: number } {
  if (maxBytes > OWN_ALLOCATION_BYTES) return { buffer: Buffer.allocUnsafeSlow(maxBytes), offset: 0 };
  if (slabUsed + maxBytes > current.length) {
    const full = currentSlab;
    currentSlab = free.pop() ?? newSlab(SLAB_BYTES);
    current = currentSlab.buffer;
    slabUsed = 0;
    if (full.live === 0) recycle(full); // every document in it already released
  }
  return { buffer: current, offset: slabUsed };
}

/** Takes `length` bytes written at `offset` of a reserved buffer as a document's source. */
export function commit(buffer: Buffer, offset: number, length: number): Buffer {
  if (buffer === current) {
    slabUsed = offset + length;
    currentSlab.live += 1;
  }
  return buffer.subarray(offset, offset + length);
}
