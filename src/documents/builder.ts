/**
 * One CloudTrail record (its JSON bytes) → one bulk document: `_index` from the event's UTC day,
 * `_id` from eventID, and a `_source` that is the record itself plus `@timestamp` and the `ct`
 * namespace (see docs/field-model.md).
 *
 * Hot path: when nothing in the record has to move, the record's own bytes are reused and only the
 * small `@timestamp`/`ct` prefix is serialised; the record is parsed (to read it) but never
 * re-serialised. The source is written once, as UTF-8 bytes, into an off-heap slab (see
 * encoded.ts): the document holds no large string for the batch to keep alive.
 */
import { isUtf8 } from 'node:buffer';
import type { BulkDocument } from '../types.js';
import { documentId } from './documentId.js';
import { commit, EncodedDocument, reserve } from './encoded.js';
import { resolveTime } from './eventTime.js';
import { buildFast } from './fastBuilder.js';
import { dailyIndex, ipOrUndefined, isJsonWhitespace, jsonSpan, TIME_TAGS } from './head.js';
import { bareObject, isPlainObject, toPointer, withoutPath } from './jsonPointer.js';
import { PairCollector } from './pairs.js';
import { inspectRecord, type Displacement } from './shape.js';

export interface BuildContext {
  /** Prepended to `YYYY-MM-DD` to name the daily index, e.g. `cloudtrail-`. */
  indexPrefix: string;
  /** Where the record came from (`s3://bucket/key` or a file path); stored as `ct.source`. */
  sourceName: string;
  /** `YYYY-MM-DD` read from the S3 key, the fallback day when the record has no usable time. */
  keyDate?: string;
  /** "Now" for the plausibility check and the last-resort day (tests pin it). */
  nowMs?: number;
}

/** A record that cannot become a document at all (not JSON, or not a JSON object). */
export class DocumentError extends Error {
  constructor(
    readonly sourceName: string,
    readonly recordIndex: number,
    what: string,
  ) {
    super(`${sourceName} record ${recordIndex}: ${what}`);
    this.name = 'DocumentError';
  }
}

/** The `ct` object, in the order it is written. Optional members are left out when empty. */
export interface CtFields {
  source: string;
  recordIndex: number;
  tags?: string[];
  sourceIp?: string;
  truncated?: true;
  pairs?: string[];
  text?: string;
  /** JSON text of `{ "<JSON pointer>": originalValue, ... }` for values moved out of the record. */
  original?: string;
}

export function buildDocument(recordBytes: Buffer, recordIndex: number, context: BuildContext): BulkDocument {
  return (
    buildFast(recordBytes, recordIndex, context) ?? buildDocumentReference(recordBytes, recordIndex, context)
  );
}

/**
 * The parse-based builder: `JSON.parse` the record, walk the objects. It handles every record; the
 * byte-level fast path (fastBuilder.ts) hands it every record it is not sure about, and must give
 * exactly its output (test/documents/fastBuilder.test.ts).
 */
export function buildDocumentReference(
  recordBytes: Buffer,
  recordIndex: number,
  context: BuildContext,
): BulkDocument {
  const { start, end } = jsonSpan(recordBytes);
  const text = recordBytes.toString('utf8', start, end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DocumentError(context.sourceName, recordIndex, `invalid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw new DocumentError(context.sourceName, recordIndex, `not a JSON object (${kind})`);
  }
  const record = parsed;
  const nowMs = context.nowMs ?? Date.now();

  const pairs = new PairCollector();
  const displaced = inspectRecord(record, pairs);
  const time = resolveTime(record.eventTime, record['@timestamp'], context.keyDate, nowMs);
  const id = documentId(
    record.eventID,
    start === 0 && end === recordBytes.length ? recordBytes : recordBytes.subarray(start, end),
  );

  const tags: string[] = [];
  const timeTag = TIME_TAGS[time.origin];
  if (time.eventTimeInvalid) tags.push('eventTime-invalid');
  if (timeTag !== undefined) tags.push(timeTag);
  if (id.hashed) tags.push('id-from-content-hash');
  if (displaced.length > 0) tags.push('displaced');
  if (pairs.valueTruncated) tags.push('value-truncated');
  if (pairs.textTruncated) tags.push('text-truncated');
  if (pairs.depthLimited) tags.push('depth-limited');

  const ct: CtFields = { source: context.sourceName, recordIndex };
  if (tags.length > 0) ct.tags = tags;
  const sourceIp = ipOrUndefined(record.sourceIPAddress);
  if (sourceIp !== undefined) ct.sourceIp = sourceIp;
  if (pairs.pairsTruncated) ct.truncated = true;
  if (pairs.pairs.size > 0) ct.pairs = [...pairs.pairs];
  const freeText = pairs.text();
  if (freeText !== '') ct.text = freeText;
  if (displaced.length > 0) ct.original = originalJson(displaced);

  const timestamp = new Date(time.ms).toISOString(); // also gives the UTC day: its first 10 chars
  const head = '{"@timestamp":"' + timestamp + '","ct":' + JSON.stringify(ct);
  const source =
    displaced.length === 0
      ? appendRecordBytes(head, recordBytes, start, end, text)
      : encodeText(rebuildSource(record, displaced, timestamp, ct));

  const document = new EncodedDocument(
    dailyIndex(context.indexPrefix, timestamp),
    id.id,
    source,
    recordIndex,
  );
  if (time.origin === 'eventTime') document.eventTimeMs = time.ms;
  return document;
}

/**
 * The source bytes `{"@timestamp":…,"ct":…,` + the record's own bytes after its `{` (whitespace
 * after the brace is kept: still valid JSON). Equal, byte for byte, to the UTF-8 of the string
 * `head + ',' + recordText.slice(1)`: `head` is JSON.stringify output (never a lone surrogate) and
 * the record bytes are copied only when they are valid UTF-8 (else the decoded text is encoded).
 */
function appendRecordBytes(head: string, bytes: Buffer, start: number, end: number, text: string): Buffer {
  let next = start + 1;
  while (next < end && isJsonWhitespace(bytes[next]!)) next++;
  if (bytes[next] === 0x7d) return encodeText(head + '}'); // the empty record {}
  const record = bytes.subarray(start + 1, end);
  if (!isUtf8(record)) return encodeText(head + ',' + text.slice(1).replace(/[\r\n]/g, ' '));
  const { buffer, offset } = reserve(head.length * 3 + 1 + record.length);
  let at = offset + buffer.write(head, offset, 'utf8');
  buffer[at++] = 0x2c; // ,
  const bodyStart = at;
  at += record.copy(buffer, at);
  // A raw CR/LF can only be whitespace between JSON tokens (strings cannot hold them, and no byte of
  // a multi-byte UTF-8 character is below 0x80), so turning it into a space keeps the JSON identical
  // while keeping the bulk body one line per source.
  if (record.indexOf(0x0a) !== -1 || record.indexOf(0x0d) !== -1) {
    for (let i = bodyStart; i < at; i++) {
      const byte = buffer[i];
      if (byte === 0x0a || byte === 0x0d) buffer[i] = 0x20;
    }
  }
  return commit(buffer, offset, at - offset);
}

/** A whole source given as text (the rare rebuilt and empty-record cases), as UTF-8 bytes. */
function encodeText(source: string): Buffer {
  const { buffer, offset } = reserve(source.length * 3);
  return commit(buffer, offset, buffer.write(source, offset, 'utf8'));
}

/** Slow path (rare): the record minus the displaced values, re-serialised after our fields. */
function rebuildSource(
  record: Record<string, unknown>,
  displaced: Displacement[],
  timestamp: string,
  ct: CtFields,
): string {
  let rest = record;
  for (const { segments } of displaced) rest = withoutPath(rest, segments);
  const out = bareObject();
  out['@timestamp'] = timestamp;
  out.ct = ct;
  for (const key of Object.keys(rest)) out[key] = rest[key];
  return JSON.stringify(out);
}

function originalJson(displaced: Displacement[]): string {
  const original = bareObject();
  for (const { segments, value } of displaced) original[toPointer(segments)] = value;
  return JSON.stringify(original);
}
