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

export class EncodedDocument implements BulkDocument {
  readonly #bytes: Buffer;
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
    return this.#bytes.toString('utf8');
  }

  [SOURCE_BYTES](): Buffer {
    return this.#bytes;
  }
}

/** The UTF-8 bytes of `document.source` when the document holds them, else undefined. */
export function sourceBytesOf(document: BulkDocument): Buffer | undefined {
  return document instanceof EncodedDocument ? document[SOURCE_BYTES]() : undefined;
}

// Sources are carved out of 1 MiB slabs (a bump allocator) instead of one allocation each: a Buffer
// per document would mean one native allocation and one tracked backing store per record. A slab
// is freed by the garbage collector once no document in it is referenced any more; batches finish
// roughly in order, so a slab's documents die together.
const SLAB_BYTES = 1024 * 1024;
const OWN_ALLOCATION_BYTES = SLAB_BYTES / 8;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

/**
 * Room for at most `maxBytes` bytes; call {@link commit} with the bytes actually written before the
 * next reserve. Returns the buffer and the offset to write at.
 */
export function reserve(maxBytes: number): { buffer: Buffer; offset: number } {
  if (maxBytes > OWN_ALLOCATION_BYTES) return { buffer: Buffer.allocUnsafeSlow(maxBytes), offset: 0 };
  if (slabUsed + maxBytes > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  return { buffer: slab, offset: slabUsed };
}

/** Takes `length` bytes written at `offset` of a reserved buffer as a document's source. */
export function commit(buffer: Buffer, offset: number, length: number): Buffer {
  if (buffer === slab) slabUsed = offset + length;
  return buffer.subarray(offset, offset + length);
}
