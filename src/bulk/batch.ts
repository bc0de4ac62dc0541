/**
 * Bulk framing and size-bounded packing: documents become entries (action line, source, newlines), and
 * entries become request bodies. An entry's byte size is known when it is made, so a batch's body size is
 * known before it is built.
 *
 * Framing in place: a document that has spare bytes around its source (see BulkDocument.spareBefore)
 * gets its action line written into them, so its whole entry lies in the document's memory. Documents
 * built one after another lie back to back, so a batch of them is sent as one view of that memory, with
 * no copy. Any other batch (retries of some items, batches across a slab's end, self-heal rewrites) is
 * written out: one buffer, one copy per run of framed entries or per other entry.
 */
import type { BulkDocument } from '../types.js';
import { ActionLines, isPlainId } from './action.js';

/** One document as the sender tracks it between attempts. */
export class Entry {
  /** Bytes of the whole entry: action line, newline, source, newline. */
  readonly bytes: number;
  /** Where the entry ends (after the source's newline) in the memory of `doc.bytes`, when framed. */
  readonly end: number;

  constructor(
    /** The document as passed to `add()`: outcomes are reported against it. */
    readonly original: BulkDocument,
    /** What is sent: the original, or its self-heal rewrite. */
    readonly doc: BulkDocument,
    /** How many self-heal rewrites this is (0: the original). Each round fixes the field OpenSearch named. */
    readonly heals: number,
    /** Transient failures (request- or item-level) seen so far. */
    public attempts: number,
    /** Bytes of the action line and its newline. */
    readonly actionBytes: number,
    /**
     * Where the entry starts in the memory of `doc.bytes` when it is framed in place (its action line in
     * the spare bytes in front of the source), or -1 when it must be written out.
     */
    readonly start: number,
  ) {
    const source = doc.bytes;
    this.bytes = actionBytes + source.length + 1;
    this.end = source.byteOffset + source.length + 1;
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
    const entry = entries[i]!;
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

/**
 * Request body buffers kept for reuse, for the bodies that are written out: allocating a fresh
 * multi-megabyte buffer per request costs page faults on every write, and an unreferenced one is only freed
 * when V8 next collects garbage, which it does late for external memory.
 */
const POOLED_BODIES = 2;
const BODY_CAPACITY_STEP = 1024 * 1024;

/** Turns documents into entries and entries into request bodies, for one sender. */
export class BulkFraming {
  private readonly actions = new ActionLines();
  private memory: Buffer = Buffer.alloc(0);
  private readonly freeBodies: ArrayBuffer[] = [];
  /** The pool's own buffers: a body that is a view of document memory is never pooled. */
  private readonly pooledBackings = new WeakSet<ArrayBuffer>();

  /**
   * The entry of `doc` (the original, or a self-heal rewrite of `original`). A document with room for
   * its action line is framed in place now.
   */
  entry(original: BulkDocument, doc: BulkDocument = original, heals = 0, attempts = 0): Entry {
    const { index, id } = doc;
    const plain = isPlainId(id);
    const actionBytes = this.actions.size(index, id, plain);
    const spare = doc.spareBefore;
    if (spare < actionBytes) return new Entry(original, doc, heals, attempts, actionBytes, -1);
    const source = doc.bytes;
    const memory = this.memoryOf(source);
    const start = source.byteOffset - spare;
    this.actions.write(memory, start, index, id, plain, spare);
    memory[source.byteOffset + source.length] = 0x0a;
    return new Entry(original, doc, heals, attempts, spare, start);
  }

  /** A Buffer over the whole memory `source` is a view of (one per slab, not one per document). */
  private memoryOf(source: Buffer): Buffer {
    if (source.buffer !== this.memory.buffer) this.memory = Buffer.from(source.buffer);
    return this.memory;
  }

  /**
   * The request body as bytes. With `pooled` (the transport keeps no reference to a body once its
   * request is settled), a batch of consecutive framed entries (the common case: a batch of one file's
   * documents) is sent from where the documents are: their memory stays put until their outcome is
   * reported, which is after the cluster has read them. Anything else is written out (into a reused
   * buffer when `pooled`).
   */
  body(entries: readonly Entry[], pooled = false): Buffer {
    if (pooled) {
      const run = runEnd(entries, 0);
      if (run === entries.length) {
        const first = entries[0]!;
        const last = entries[run - 1]!;
        return Buffer.from(first.doc.bytes.buffer, first.start, last.end - first.start);
      }
    }
    let total = 0;
    for (const entry of entries) total += entry.bytes;
    const body = this.bodyBuffer(total, pooled);
    let at = 0;
    for (let i = 0; i < entries.length;) {
      const entry = entries[i]!;
      const run = runEnd(entries, i);
      if (run > i) {
        // A run of framed entries (e.g. the two halves of a batch that crosses a slab's end): one copy.
        const end = entries[run - 1]!.end;
        body.set(new Uint8Array(entry.doc.bytes.buffer, entry.start, end - entry.start), at);
        at += end - entry.start;
        i = run;
      } else {
        const source = entry.doc.bytes;
        const { index, id } = entry.doc;
        at = this.actions.write(body, at, index, id, isPlainId(id), entry.actionBytes);
        // TypedArray#set, not Buffer#copy: copy builds a view of the source per call, a cost at 1 KB a piece.
        body.set(source, at);
        at += source.length;
        body[at++] = 0x0a;
        i++;
      }
    }
    return body;
  }

  /** Gives back a body built by {@link body} with `pooled`; it must not be read or sent again. */
  releaseBody(body: Buffer): void {
    const backing = body.buffer;
    if (!(backing instanceof ArrayBuffer) || !this.pooledBackings.has(backing)) return;
    const free = this.freeBodies;
    if (free.length < POOLED_BODIES && !free.includes(backing)) free.push(backing);
  }

  private bodyBuffer(size: number, pooled: boolean): Buffer {
    if (!pooled) return Buffer.allocUnsafeSlow(size);
    const free = this.freeBodies;
    for (let i = free.length - 1; i >= 0; i--) {
      const backing = free[i]!;
      if (backing.byteLength >= size) {
        free.splice(i, 1);
        return Buffer.from(backing, 0, size);
      }
    }
    const capacity = Math.ceil(size / BODY_CAPACITY_STEP) * BODY_CAPACITY_STEP;
    const backing = Buffer.allocUnsafeSlow(capacity).buffer as ArrayBuffer;
    this.pooledBackings.add(backing);
    return Buffer.from(backing, 0, size);
  }
}

/**
 * The end (exclusive) of the run of framed entries starting at `from` whose bytes follow each other in
 * one memory; `from` itself when that entry is not framed.
 */
function runEnd(entries: readonly Entry[], from: number): number {
  const first = entries[from];
  if (first === undefined || first.start < 0) return from;
  const memory = first.doc.bytes.buffer;
  let end = first.end;
  let i = from + 1;
  for (; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.start !== end || entry.doc.bytes.buffer !== memory) break;
    end = entry.end;
  }
  return i;
}
