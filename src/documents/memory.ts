/**
 * Where documents' `_source` bytes live: off-heap slabs carved up by a bump allocator, and the document
 * objects that hold them.
 *
 * Why slabs: a bulk batch holds thousands of sources for as long as its request is in flight. As strings
 * they would live on the V8 heap long enough to be promoted (peak memory growing with file size) and be
 * copied again on their way to the socket; as one Buffer each they would cost a native allocation and a
 * tracked backing store per record. Bytes written once into a slab cost the garbage collector nothing,
 * and documents built one after another lie back to back, each with spare bytes in front of it and one
 * after it, so the bulk stage can frame them in place and send a run of them as one view of the slab.
 *
 * Ownership: a {@link SlabPool} (one per indexer, so per thread) keeps emptied slabs for reuse; each file
 * builds into a {@link SourceArena} of its own (files indexed at the same time must not interleave their
 * documents); a document goes back to its slab on `release()`, and a slab whose documents are all
 * released, and that no arena still allocates from, goes back to the pool.
 */
import type { BulkDocument } from '../types.js';

/** Emptied slabs a pool keeps (they stay allocated). Arenas are per file: a few files are in flight. */
const DEFAULT_FREE_SLABS = 2;

class Slab {
  /** Committed documents not yet released. */
  live = 0;
  /** An arena still allocates from it. */
  open = true;
  constructor(
    readonly buffer: Buffer,
    readonly pool: SlabPool,
  ) {}

  /** One of its documents was released. */
  drop(): void {
    if (--this.live === 0 && !this.open) this.pool.give(this);
  }

  /** Its arena moved on (or closed). */
  close(): void {
    this.open = false;
    if (this.live === 0) this.pool.give(this);
  }
}

/**
 * Emptied slabs, kept for the next arenas. Reusing them keeps memory flat: V8 frees unreferenced external
 * memory late (tens of megabytes of dead slabs between collections), and fresh memory costs a page fault
 * per page written.
 */
export class SlabPool {
  private readonly free: Slab[] = [];
  constructor(private readonly maxFree = DEFAULT_FREE_SLABS) {}

  /** A slab of at least `bytes` bytes, emptied. */
  take(bytes: number): Slab {
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const slab = free[i]!;
      if (slab.buffer.length >= bytes) {
        free.splice(i, 1);
        slab.open = true;
        return slab;
      }
    }
    return new Slab(Buffer.allocUnsafeSlow(bytes), this);
  }

  /** Takes back a slab no document and no arena uses any more. */
  give(slab: Slab): void {
    const free = this.free;
    if (free.includes(slab)) return;
    free.push(slab);
    if (free.length <= this.maxFree) return;
    // Too many: the smallest goes (a slab serves any arena whose slabs are no bigger).
    let smallest = 0;
    for (let i = 1; i < free.length; i++) {
      if (free[i]!.buffer.length < free[smallest]!.buffer.length) smallest = i;
    }
    free.splice(smallest, 1);
  }
}

/** What a document is, besides its bytes. */
export interface DocumentFields {
  index: string;
  id: string;
  recordIndex: number;
  eventTimeMs?: number;
}

/** A bulk document whose bytes sit in a slab or in a buffer of their own. */
export class SourceDocument implements BulkDocument {
  #bytes: Buffer | undefined;
  #slab: Slab | undefined;

  constructor(
    readonly index: string,
    readonly id: string,
    readonly recordIndex: number,
    readonly eventTimeMs: number | undefined,
    bytes: Buffer,
    readonly spareBefore = 0,
    slab?: Slab,
  ) {
    this.#bytes = bytes;
    this.#slab = slab;
  }

  get bytes(): Buffer {
    const bytes = this.#bytes;
    if (bytes === undefined) {
      throw new Error(`document ${this.id} (record ${this.recordIndex}): its source was released`);
    }
    return bytes;
  }

  release(): void {
    if (this.#bytes === undefined) return;
    this.#bytes = undefined;
    const slab = this.#slab;
    this.#slab = undefined;
    slab?.drop();
  }
}

/** A document whose `_source` is given as JSON text (self-heal rewrites, re-drives, tests). */
export function documentFromText(fields: DocumentFields, source: string): BulkDocument {
  const { index, id, recordIndex, eventTimeMs } = fields;
  return new SourceDocument(index, id, recordIndex, eventTimeMs, Buffer.from(source, 'utf8'));
}

/** The `_source` of a document as text (dead letters, self-heal, tests: the hot path never asks). */
export function sourceText(document: BulkDocument): string {
  return document.bytes.toString('utf8');
}

/** Default slab size: at least twice a request's size keeps most requests within one slab. */
export const DEFAULT_SLAB_BYTES = 8 * 1024 * 1024;

/** Room in an arena's slab: where to write and how much. */
export interface Reservation {
  readonly buffer: Buffer;
  /** Where the source starts. */
  readonly offset: number;
}

/**
 * Where one file's documents are built: each is reserved, written, then committed, and committed
 * documents lie back to back in the current slab, `spareBefore` bytes in front of each source and one
 * after it. A source too big for a slab gets a buffer of its own (with the same spare bytes).
 */
export class SourceArena {
  private slab: Slab | undefined;
  /** End of the last committed document's spare byte after it. */
  private used = 0;
  /** The open reservation: its buffer (undefined when none) and where its source starts. */
  private reservedBuffer: Buffer | undefined;
  private reservedAt = 0;
  private reservedBytes = 0;

  /**
   * @param spareBefore bytes left free in front of each source for the reader (the bulk stage writes
   *   its action line there); 0 for none.
   */
  constructor(
    private readonly pool: SlabPool,
    readonly slabBytes = DEFAULT_SLAB_BYTES,
    readonly spareBefore = 0,
  ) {}

  /** Room for a source of at most `maxBytes` bytes; {@link commit} says how many were written. */
  reserve(maxBytes: number): Reservation {
    const spare = this.spareBefore;
    const room = spare + maxBytes + 1;
    if (room > this.slabBytes / 8) {
      const buffer = Buffer.allocUnsafeSlow(room);
      return this.opened(buffer, spare, maxBytes);
    }
    let slab = this.slab;
    if (slab === undefined || this.used + room > slab.buffer.length) {
      slab?.close();
      slab = this.slab = this.pool.take(this.slabBytes);
      this.used = 0;
    }
    return this.opened(slab.buffer, this.used + spare, maxBytes);
  }

  private opened(buffer: Buffer, offset: number, maxBytes: number): Reservation {
    this.reservedBuffer = buffer;
    this.reservedAt = offset;
    this.reservedBytes = maxBytes;
    return { buffer, offset };
  }

  /** The document whose source is the first `length` bytes written at the reservation. */
  commit(
    length: number,
    index: string,
    id: string,
    recordIndex: number,
    eventTimeMs: number | undefined,
  ): BulkDocument {
    const buffer = this.reservedBuffer;
    if (buffer === undefined) throw new Error('SourceArena.commit() without a reservation');
    if (length > this.reservedBytes) {
      throw new Error(`SourceArena.commit(): ${length} bytes written into room for ${this.reservedBytes}`);
    }
    this.reservedBuffer = undefined;
    const at = this.reservedAt;
    const bytes = buffer.subarray(at, at + length);
    const slab = this.slab;
    if (slab === undefined || buffer !== slab.buffer) {
      return new SourceDocument(index, id, recordIndex, eventTimeMs, bytes, this.spareBefore);
    }
    this.used = at + length + 1;
    slab.live += 1;
    return new SourceDocument(index, id, recordIndex, eventTimeMs, bytes, this.spareBefore, slab);
  }

  /** Stops allocating: the current slab goes back to the pool once its documents are released. */
  close(): void {
    const slab = this.slab;
    this.slab = undefined;
    this.reservedBuffer = undefined;
    slab?.close();
  }
}
