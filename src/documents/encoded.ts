/**
 * Documents whose `_source` is held as UTF-8 bytes, not as a string.
 *
 * Why: a bulk batch holds thousands of sources for as long as its request is in flight. As strings
 * they live on the V8 heap long enough to be promoted to old space (the garbage that made peak RSS
 * grow with file size), and each one was copied three more times (flattened, joined into the body,
 * encoded to UTF-8 on the socket). As bytes in off-heap slabs they are written once, framed in place
 * as their bulk entry (the request body is mostly a view of them, see below), and cost the garbage
 * collector nothing.
 *
 * The `source` string is still there for whoever needs it (self-heal, dead letters, tests): it is
 * decoded on demand. The bytes sit behind a private field and a symbol-keyed prototype method, so a
 * copy made by spreading (`{ ...document, source }`, as self-heal does) is an ordinary document
 * whose new `source` is the one sent.
 */
import { actionHead, actionText, isPlainId, plainActionBytes, writePlainAction } from '../bulk/action.js';
import type { BulkDocument } from '../types.js';

/** Key of the method that hands out a document's source bytes (see {@link sourceBytesOf}). */
export const SOURCE_BYTES = Symbol.for('cloudtrail-opensearch.sourceBytes');

const RELEASE = Symbol('release');
const ENTRY_START = Symbol('entryStart');

export class EncodedDocument implements BulkDocument {
  #bytes: Buffer | undefined;
  /** The slab holding the bytes (undefined: a buffer of their own, or bytes not from {@link commit}). */
  #slab: Slab | undefined;
  /** Where this document's bulk entry (`action\n` + source + `\n`) starts in its slab; -1 when not framed. */
  #entryStart = -1;
  declare eventTimeMs?: number;

  constructor(
    readonly index: string,
    readonly id: string,
    bytes: Buffer,
    readonly recordIndex: number,
  ) {
    this.#bytes = bytes;
    if (bytes === lastCommit) {
      lastCommit = undefined;
      this.#slab = lastSlab;
      this.#entryStart = frame(lastArena, lastSlab.buffer, lastHeadStart, bytes.byteOffset, index, id);
    } else {
      this.#slab = slabs.get(bytes.buffer);
    }
  }

  /** The source as one line of JSON text (decoded on each call: the hot path never asks). */
  get source(): string {
    return this.bytes().toString('utf8');
  }

  [SOURCE_BYTES](): Buffer {
    return this.bytes();
  }

  [ENTRY_START](): number {
    return this.#bytes ? this.#entryStart : -1;
  }

  /** Gives the bytes back to their slab (see {@link releaseSource}); the document has no source after. */
  [RELEASE](): void {
    if (!this.#bytes) return;
    this.#bytes = undefined;
    const slab = this.#slab;
    if (slab && --slab.live === 0 && !slab.open) recycle(slab);
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

/**
 * Where `document`'s whole bulk entry starts in the memory of its source bytes (their `buffer`), when the
 * allocator framed it: its action line and newline sit right before the source, a newline right after.
 * -1 otherwise (the entry must be written out).
 */
export function entryStartOf(document: BulkDocument): number {
  return document instanceof EncodedDocument ? document[ENTRY_START]() : -1;
}

// Sources are carved out of slabs (a bump allocator) instead of one allocation each: a Buffer per
// document would mean one native allocation and one tracked backing store per record. A slab whose
// documents have all been released (releaseSource, once their outcome is reported) is reused at once;
// one holding a document that never got released is freed by the garbage collector once no document
// in it is referenced any more. Batches finish roughly in order, so a slab's documents are released
// together.
//
// Each source is framed as its bulk entry: room for the action line is left in front of it (as long as
// the previous document's), its newline is written after it on commit, and the action line once the
// document is made. Documents built one after another in an arena are then one run of bytes, and a
// request body of consecutive documents is a view of their slab, not a copy (src/bulk/batch.ts).
// Files indexed at the same time each build into their own arena (useArena) so their runs do not
// interleave.

/** Slab size of the default arena. */
export const DEFAULT_SLAB_BYTES = 8 * 1024 * 1024;
/** Emptied slabs kept for reuse (they stay allocated). Arenas are per file: a few files in flight. */
const FREE_SLABS = 2;

interface Slab {
  readonly buffer: Buffer;
  /** Committed sources not yet released. */
  live: number;
  /** An arena still allocates from it. */
  open: boolean;
}

/** Where one stream of documents (one file's) is built: consecutive documents sit back to back. */
export class SourceArena {
  /** @internal */ slab: Slab | undefined;
  /** @internal End of the last committed entry (its newline included). */ used = 0;
  /**
   * @internal Room left for the next action line: the last one's length and newline (at first a guess
   * longer than a day index's line: the first document's entry then starts a little after the room).
   */
  head = 128;
  /** @param slabBytes at least twice a request's size keeps most requests within one slab. */
  constructor(readonly slabBytes = DEFAULT_SLAB_BYTES) {}

  /** Stops allocating here: the slab is reused once its documents are released. */
  close(): void {
    const slab = this.slab;
    this.slab = undefined;
    if (active === this) active = defaultArena;
    if (!slab) return;
    slab.open = false;
    if (slab.live === 0) recycle(slab);
  }
}

const defaultArena = new SourceArena();
let active = defaultArena;
/** The arena of the last reserve: the commit that follows goes there, whichever arena is in use by then. */
let reserved = defaultArena;

/** Documents are built into `arena` (the default one when undefined) until the next call. */
export function useArena(arena: SourceArena | undefined): void {
  active = arena ?? defaultArena;
}

/** Slabs by their memory, for documents made from bytes {@link commit} did not just hand out. */
const slabs = new WeakMap<ArrayBufferLike, Slab>();
const free: Slab[] = [];

function takeSlab(bytes: number): Slab {
  for (let i = free.length - 1; i >= 0; i--) {
    const slab = free[i] as Slab;
    if (slab.buffer.length >= bytes) {
      free.splice(i, 1);
      slab.open = true;
      return slab;
    }
  }
  const slab = { buffer: Buffer.allocUnsafeSlow(bytes), live: 0, open: true };
  slabs.set(slab.buffer.buffer, slab);
  return slab;
}

function recycle(slab: Slab): void {
  if (free.includes(slab)) return;
  free.push(slab);
  if (free.length <= FREE_SLABS) return;
  // Too many: the smallest goes (a slab serves any arena whose slabs are no bigger).
  let smallest = 0;
  for (let i = 1; i < free.length; i++) {
    if ((free[i] as Slab).buffer.length < (free[smallest] as Slab).buffer.length) smallest = i;
  }
  free.splice(smallest, 1);
}

/**
 * Room for at most `maxBytes` bytes; call {@link commit} with the bytes actually written before the
 * next reserve. Returns the buffer and the offset to write at.
 */
export function reserve(maxBytes: number): { buffer: Buffer; offset: number } {
  const arena = active;
  if (maxBytes > arena.slabBytes / 8) return { buffer: Buffer.allocUnsafeSlow(maxBytes), offset: 0 };
  let slab = arena.slab;
  // The action line in front, the newline after.
  if (!slab || arena.used + arena.head + maxBytes + 1 > slab.buffer.length) {
    if (slab) {
      slab.open = false;
      if (slab.live === 0) recycle(slab); // every document in it already released
    }
    slab = arena.slab = takeSlab(arena.slabBytes);
    arena.used = 0;
  }
  reserved = arena;
  return { buffer: slab.buffer, offset: arena.used + arena.head };
}

/** Takes `length` bytes written at `offset` of a reserved buffer as a document's source. */
export function commit(buffer: Buffer, offset: number, length: number): Buffer {
  const arena = reserved;
  const source = buffer.subarray(offset, offset + length);
  const slab = arena.slab;
  if (slab && buffer === slab.buffer) {
    buffer[offset + length] = 0x0a;
    lastCommit = source;
    lastArena = arena;
    lastSlab = slab;
    lastHeadStart = arena.used;
    arena.used = offset + length + 1;
    slab.live += 1;
  }
  return source;
}

// The last commit, for the document made from it (the builder makes it right after).
let lastCommit: Buffer | undefined;
let lastArena = defaultArena;
let lastSlab: Slab = { buffer: Buffer.alloc(0), live: 0, open: false };
let lastHeadStart = 0;

/**
 * Writes the action line of a just-committed source in the room left in front of it (`headStart` up to
 * the source at `sourceAt`), ending right before the source. Returns where the entry starts, or -1 when
 * the line does not fit (the entry is then written out when sent). The next document gets room for a line
 * as long as this one: a day's documents all have the same.
 */
function frame(
  arena: SourceArena,
  slab: Buffer,
  headStart: number,
  sourceAt: number,
  index: string,
  id: string,
): number {
  let start: number;
  if (isPlainId(id)) {
    const head = actionHead(index);
    const length = plainActionBytes(head, id);
    arena.head = length;
    start = sourceAt - length;
    if (start < headStart) return -1;
    writePlainAction(slab, start, head, id);
  } else {
    const line = `${actionText(index, id)}\n`;
    const length = Buffer.byteLength(line, 'utf8');
    arena.head = length;
    start = sourceAt - length;
    if (start < headStart) return -1;
    slab.write(line, start, 'utf8');
  }
  return start;
}
