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
 * Bounded by settings: an arena told the sender's batch limits starts each batch where the slab has room
 * for the whole of it, so a batch never straddles two slabs (it is sent from its slab, never copied into a
 * request body of its own), and a slab is free again once its batches' outcomes are in. The bulk sender
 * holds at most `concurrency + 1` batches per file, so a file holds at most `concurrency + 2` slabs of
 * {@link slabBytesFor} bytes, whatever the file's size or number of records. The pool keeps the slabs it
 * made and hands them out again: slabs are never left to the garbage collector (which frees external
 * memory late), so the process's slab memory is the most that was ever live at once.
 *
 * Ownership: a {@link SlabPool} (one per indexer, so per thread) keeps emptied slabs for reuse; each file
 * builds into a {@link SourceArena} of its own (files indexed at the same time must not interleave their
 * documents); a document goes back to its slab on `release()`, and a slab whose documents are all
 * released, and that no arena still allocates from, goes back to the pool.
 */
import type { BulkDocument } from '../types.js';

/**
 * Emptied slabs a pool keeps (they stay allocated): enough for the default two files in flight with two
 * requests each (2 × (2 + 2)); more files at once, or a higher BULK_CONCURRENCY, make more slabs live, and
 * those beyond this many go back to the garbage collector when emptied.
 */
const DEFAULT_FREE_SLABS = 8;

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

/** Default slab size (arenas of files give theirs: {@link slabBytesFor}). */
export const DEFAULT_SLAB_BYTES = 8 * 1024 * 1024;

/** The bulk sender's limits on one request, which an arena lays its slabs out for. */
export interface BatchLimits {
  maxBytes: number;
  maxDocs: number;
}

/**
 * The slab size for batches of at most `maxBytes` bytes: one whole batch, plus room for the largest
 * source kept in a slab (an eighth of it; larger ones get a buffer of their own), rounded up to 64 KiB.
 */
export function slabBytesFor(maxBytes: number): number {
  const step = 64 * 1024;
  return Math.max(step, Math.ceil(((maxBytes * 8) / 7 + 1) / step) * step);
}

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
 *
 * Given the sender's batch limits, the arena follows the sender's packing as documents are committed
 * (a document takes `spareBefore + length + 1` bytes in a batch, as in its slab), and starts each batch
 * where its slab can hold the whole of it: at the first reservation after a full batch, or by moving the
 * document that did not fit the batch before it (known only once it is written) to a fresh slab.
 * Following the packing only decides where documents go: if the sender cuts batches elsewhere (after a
 * 413 lowered its limit), a batch may straddle slabs and is copied into a body, as without limits.
 */
export class SourceArena {
  private slab: Slab | undefined;
  /** End of the last committed document's spare byte after it. */
  private used = 0;
  /** The open reservation: its buffer (undefined when none) and where its source starts. */
  private reservedBuffer: Buffer | undefined;
  private reservedAt = 0;
  private reservedBytes = 0;
  /** The batch the sender is filling, as far as the arena can tell: its documents and bytes. */
  private batchDocs = 0;
  private batchBytes = 0;

  /**
   * @param spareBefore bytes left free in front of each source for the reader (the bulk stage writes
   *   its action line there); 0 for none.
   * @param batch the sender's limits, to keep each batch within one slab; without them documents fill
   *   each slab to its end.
   */
  constructor(
    private readonly pool: SlabPool,
    readonly slabBytes = DEFAULT_SLAB_BYTES,
    readonly spareBefore = 0,
    private readonly batch?: BatchLimits,
  ) {}

  /** Room for a source of at most `maxBytes` bytes; {@link commit} says how many were written. */
  reserve(maxBytes: number): Reservation {
    const spare = this.spareBefore;
    const room = spare + maxBytes + 1;
    if (room > this.largestInSlab) {
      const buffer = Buffer.allocUnsafeSlow(room);
      return this.opened(buffer, spare, maxBytes);
    }
    // The first document of a batch needs the whole batch after it in the same slab.
    const needed = this.batchDocs === 0 ? Math.max(room, this.wholeBatch) : room;
    const slab = this.slab;
    if (slab === undefined || this.used + needed > slab.buffer.length) this.nextSlab();
    return this.opened(this.slab!.buffer, this.used + spare, maxBytes);
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
    const spare = this.spareBefore;
    const startsBatch = this.packed(spare + length + 1);
    let at = this.reservedAt;
    let slab = this.slab;
    if (slab === undefined || buffer !== slab.buffer) {
      return new SourceDocument(index, id, recordIndex, eventTimeMs, buffer.subarray(at, at + length), spare);
    }
    if (startsBatch && at - spare + this.wholeBatch > slab.buffer.length) {
      // A document that did not fit the batch before it starts the next batch, where the rest of the
      // slab cannot hold that batch: it moves to a fresh slab (one small copy instead of a body's).
      slab = this.nextSlab();
      slab.buffer.set(buffer.subarray(at, at + length), spare);
      at = spare;
    }
    this.used = at + length + 1;
    slab.live += 1;
    const bytes = slab.buffer.subarray(at, at + length);
    return new SourceDocument(index, id, recordIndex, eventTimeMs, bytes, spare, slab);
  }

  /** The largest reservation kept in a slab: larger ones get a buffer of their own. */
  private get largestInSlab(): number {
    return this.slabBytes / 8;
  }

  /**
   * Slab bytes one batch may need from its first document: its bytes, and the reservation of its last
   * document, which starts before its end. 0 without limits, or when a slab is too small to hold a
   * batch (documents then fill each slab to its end).
   */
  private get wholeBatch(): number {
    const batch = this.batch;
    if (batch === undefined) return 0;
    const whole = batch.maxBytes + this.largestInSlab;
    return whole <= this.slabBytes ? whole : 0;
  }

  private nextSlab(): Slab {
    this.slab?.close();
    this.used = 0;
    return (this.slab = this.pool.take(this.slabBytes));
  }

  /**
   * The sender's packing, followed (BulkSender: a document joins the batch if it fits, else starts the
   * next one; a full batch is handed over at once): true when a committed document of `entryBytes`
   * starts a batch after one it did not fit into.
   */
  private packed(entryBytes: number): boolean {
    const batch = this.batch;
    if (batch === undefined) return false;
    const fits =
      this.batchDocs === 0 ||
      (this.batchDocs < batch.maxDocs && this.batchBytes + entryBytes <= batch.maxBytes);
    if (!fits) this.batchDocs = this.batchBytes = 0;
    this.batchDocs += 1;
    this.batchBytes += entryBytes;
    if (this.batchDocs >= batch.maxDocs || this.batchBytes >= batch.maxBytes)
      this.batchDocs = this.batchBytes = 0;
    return !fits;
  }

  /** Stops allocating: the current slab goes back to the pool once its documents are released. */
  close(): void {
    const slab = this.slab;
    this.slab = undefined;
    this.reservedBuffer = undefined;
    slab?.close();
  }
}
