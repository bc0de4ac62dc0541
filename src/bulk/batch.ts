/**
 * Bulk framing and size-bounded packing. A batch's NDJSON body is the concatenation of its entries' text, so
 * its byte size is known before it is built and never has to be measured after the fact.
 */
import type { BulkDocument } from '../types.js';

/** One document as the sender tracks it between attempts. */
export interface Entry {
  /** The document as passed to `add()`: outcomes are reported against it. */
  readonly original: BulkDocument;
  /** What is sent: the original, or its self-heal rewrite. */
  readonly doc: BulkDocument;
  /** True once the self-heal hook was consulted for this document (it is consulted at most once). */
  readonly healed: boolean;
  /** Transient failures (request- or item-level) seen so far. */
  attempts: number;
  /** Action line + source line, each newline-terminated (the bulk API requires the final newline). */
  readonly ndjson: string;
  /** UTF-8 bytes of `ndjson`. */
  readonly bytes: number;
}

export function actionLine(doc: BulkDocument): string {
  // `create`, never `index`: a replay of an already-stored id is a 409 we count as a duplicate.
  return `{"create":{"_index":${JSON.stringify(doc.index)},"_id":${JSON.stringify(doc.id)}}}`;
}

export function toEntry(
  original: BulkDocument,
  doc: BulkDocument = original,
  healed = false,
  attempts = 0,
): Entry {
  const ndjson = `${actionLine(doc)}\n${doc.source}\n`;
  return { original, doc, healed, attempts, ndjson, bytes: Buffer.byteLength(ndjson, 'utf8') };
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
