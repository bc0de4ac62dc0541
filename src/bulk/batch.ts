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
  return `{"create":{"_index":${JSON.stringify(doc.index)},"_id":${JSON.stringify(doc.id)}}}`;
}

export function toEntry(
  original: BulkDocument,
  doc: BulkDocument = original,
  heals = 0,
  attempts = 0,
): Entry {
  const source = sourceBytesOf(doc);
  if (source !== undefined) return new EncodedEntry(original, doc, heals, attempts, actionLine(doc), source);
  const ndjson = `${actionLine(doc)}\n${doc.source}\n`;
  return { original, doc, heals, attempts, ndjson, bytes: Buffer.byteLength(ndjson, 'utf8') };
}

/**
 * The entry of a document that holds its source as UTF-8 bytes (the builder's): the source is
 * copied once, into the request body, and never becomes a string (see src/documents/encoded.ts).
 */
class EncodedEntry implements Entry {
  readonly bytes: number;
  constructor(
    readonly original: BulkDocument,
    readonly doc: BulkDocument,
    readonly heals: number,
    public attempts: number,
    readonly action: string,
    readonly source: Buffer,
  ) {
    this.bytes = Buffer.byteLength(action, 'utf8') + source.length + 2;
  }

  get ndjson(): string {
    return `${this.action}\n${this.source.toString('utf8')}\n`;
  }

  writeTo(body: Buffer, at: number): number {
    at += body.write(this.action, at, 'utf8');
    body[at++] = 0x0a;
    at += this.source.copy(body, at);
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

/** The request body as bytes: one allocation and one copy per entry, no intermediate strings. */
export function bodyBytes(entries: readonly Entry[]): Buffer {
  let total = 0;
  for (const entry of entries) total += entry.bytes;
  const body = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const entry of entries) {
    at = entry instanceof EncodedEntry ? entry.writeTo(body, at) : at + body.write(entry.ndjson, at, 'utf8');
  }
  return at === total ? body : body.subarray(0, at);
}
