/**
 * One CloudTrail record (its JSON bytes) → one bulk document: `_index` from the event's UTC day,
 * `_id` from eventID, and a `_source` that is the record itself plus `@timestamp` and the `ct`
 * namespace (see docs/field-model.md).
 *
 * Hot path: when nothing in the record has to move, the record's own bytes are reused and only the
 * small `@timestamp`/`ct` prefix is serialised; the record is parsed (to read it) but never
 * re-serialised.
 */
import { isIP } from 'node:net';
import type { BulkDocument } from '../types.js';
import { documentId } from './documentId.js';
import { resolveTime, type TimeOrigin } from './eventTime.js';
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

/** Tags naming where `@timestamp` came from when it was not eventTime. */
const TIME_TAGS: Record<TimeOrigin, string | undefined> = {
  eventTime: undefined,
  'record-timestamp': 'eventTime-from-record-timestamp',
  's3-key': 'eventTime-from-s3-key',
  'index-time': 'eventTime-from-index-time',
};

export function buildDocument(recordBytes: Buffer, recordIndex: number, context: BuildContext): BulkDocument {
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
  const source =
    displaced.length === 0
      ? prependToRecordText(text, timestamp, ct)
      : rebuildSource(record, displaced, timestamp, ct);

  const document: BulkDocument = {
    index: context.indexPrefix + timestamp.slice(0, 10),
    id: id.id,
    source,
    recordIndex,
  };
  if (time.origin === 'eventTime') document.eventTimeMs = time.ms;
  return document;
}

/** Reuses the record's own JSON text: `{"@timestamp":…,"ct":…,` + the record after its `{`. */
function prependToRecordText(recordText: string, timestamp: string, ct: CtFields): string {
  const head = '{"@timestamp":"' + timestamp + '","ct":' + JSON.stringify(ct);
  let next = 1;
  while (isJsonWhitespace(recordText.charCodeAt(next))) next++;
  if (recordText.charCodeAt(next) === 0x7d) return head + '}'; // the empty record {}
  let body = recordText.slice(1); // whitespace after the brace is kept: still valid JSON
  // A raw CR/LF can only be whitespace between JSON tokens (strings cannot hold them), so turning
  // it into a space keeps the JSON identical while keeping the bulk body one line per source.
  if (body.includes('\n') || body.includes('\r')) body = body.replace(/[\r\n]/g, ' ');
  return head + ',' + body;
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

/** The value of sourceIPAddress when it is an IP address (it is often a service name instead). */
function ipOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const zone = value.indexOf('%'); // an IPv6 zone id ("fe80::1%eth0") is not part of the address
  const address = zone === -1 ? value : value.slice(0, zone);
  return isIP(address) === 0 ? undefined : address;
}

/** Byte range of `bytes` without leading/trailing JSON whitespace. */
function jsonSpan(bytes: Buffer): { start: number; end: number } {
  let start = 0;
  let end = bytes.length;
  while (start < end && isJsonWhitespace(bytes[start]!)) start++;
  while (end > start && isJsonWhitespace(bytes[end - 1]!)) end--;
  return { start, end };
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
