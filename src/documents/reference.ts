/**
 * The parse-based document builder: `JSON.parse` the record, walk the parsed objects. It handles every
 * record; the byte-level fast path (fastBuilder.ts) hands it every record it is not sure about, and must
 * give exactly its output (test/documents/fastBuilder.test.ts, test/documents/fuzz.test.ts).
 *
 * Hot path of this builder: when nothing in the record has to move, the record's own bytes are reused
 * after the small `@timestamp`/`ct` head; the record is parsed (to read it) but not re-serialised. When
 * values move aside (into `ct.original`) or duplicate keys are dropped (into `ct.overwritten`), the
 * record is written from its parse, at any depth (json.ts).
 */
import { isUtf8 } from 'node:buffer';
import type { BulkDocument } from '../types.js';
import { DocumentError, NO_TIME, type BuildContext, type CtFields } from './context.js';
import { deriveFields, derivationInputOf } from './derived.js';
import { documentId } from './documentId.js';
import { overwrittenJson, overwrittenValues } from './duplicateKeys.js';
import { TimeRules } from './eventTime.js';
import { DailyIndexNames, ipOrUndefined, isJsonWhitespace, jsonSpan, TIME_TAGS } from './head.js';
import { stringifyJson } from './json.js';
import { bareObject, isPlainObject, toPointer, withoutPath, type Displacement } from './jsonPointer.js';
import type { DocumentFields, SourceArena } from './memory.js';
import { PairCollector } from './pairs.js';
import { RecordFields } from './recordFields.js';
import { inspectRecord } from './shape.js';

export class ReferenceBuilder {
  private readonly times: TimeRules;
  private readonly indices: DailyIndexNames;
  /** The last record's parse, handed over to extensions (recordFields.ts). */
  readonly fields = new RecordFields();

  constructor(
    private readonly arena: SourceArena,
    private readonly context: BuildContext,
  ) {
    this.times = new TimeRules(context);
    this.indices = new DailyIndexNames(context.indexPrefix);
  }

  /** The document of the record `recordBytes`; throws DocumentError when it cannot be one. */
  build(recordBytes: Buffer, recordIndex: number): BulkDocument {
    const { sourceName } = this.context;
    const { start, end } = jsonSpan(recordBytes);
    const text = recordBytes.toString('utf8', start, end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DocumentError(sourceName, recordIndex, `invalid JSON (${(error as Error).message})`);
    }
    if (!isPlainObject(parsed)) {
      const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
      throw new DocumentError(sourceName, recordIndex, `not a JSON object (${kind})`);
    }
    const record = parsed;
    this.fields.parsedRecord(record);

    const pairs = new PairCollector();
    const displaced = inspectRecord(record, pairs);
    const time = this.times.resolve(record.eventTime, record['@timestamp']);
    if (time === undefined) throw new DocumentError(sourceName, recordIndex, NO_TIME);
    const id = documentId(
      record.eventID,
      start === 0 && end === recordBytes.length ? recordBytes : recordBytes.subarray(start, end),
    );
    const overwritten = overwrittenValues(text);

    const tags: string[] = [];
    const timeTag = TIME_TAGS[time.origin];
    if (time.eventTimeInvalid) tags.push('eventTime-invalid');
    if (timeTag !== undefined) tags.push(timeTag);
    if (id.hashed) tags.push('id-from-content-hash');
    if (displaced.length > 0) tags.push('displaced');
    if (overwritten.length > 0) tags.push('duplicate-keys');
    if (pairs.valueTruncated) tags.push('value-truncated');
    if (pairs.textTruncated) tags.push('text-truncated');
    if (pairs.depthLimited) tags.push('depth-limited');

    const ct: CtFields = { source: sourceName, recordIndex };
    if (tags.length > 0) ct.tags = tags;
    const sourceIp = ipOrUndefined(record.sourceIPAddress);
    if (sourceIp !== undefined) ct.sourceIp = sourceIp;
    Object.assign(ct, deriveFields(derivationInputOf(record)));
    if (pairs.pairsTruncated) ct.truncated = true;
    if (pairs.pairs.size > 0) ct.pairs = [...pairs.pairs];
    const freeText = pairs.text();
    if (freeText !== '') ct.text = freeText;
    if (displaced.length > 0) ct.original = originalJson(displaced);
    if (overwritten.length > 0) ct.overwritten = overwrittenJson(overwritten);

    const timestamp = new Date(time.ms).toISOString();
    const fields: DocumentFields = {
      index: this.indices.ofTimestamp(timestamp),
      id: id.id,
      recordIndex,
      eventTimeMs: time.origin === 'eventTime' ? time.ms : undefined,
    };
    const head = '{"@timestamp":"' + timestamp + '","ct":' + JSON.stringify(ct);
    if (displaced.length === 0 && overwritten.length === 0) {
      return this.appendRecordBytes(head, recordBytes, start, end, text, fields);
    }
    return this.encodeText(rebuildSource(record, displaced, timestamp, ct), fields);
  }

  /**
   * The source bytes `{"@timestamp":…,"ct":…,` + the record's own bytes after its `{` (whitespace
   * after the brace is kept: still valid JSON). Equal, byte for byte, to the UTF-8 of the string
   * `head + ',' + recordText.slice(1)`: `head` is JSON.stringify output (never a lone surrogate) and
   * the record bytes are copied only when they are valid UTF-8 (else the decoded text is encoded).
   */
  private appendRecordBytes(
    head: string,
    bytes: Buffer,
    start: number,
    end: number,
    text: string,
    fields: DocumentFields,
  ): BulkDocument {
    let next = start + 1;
    while (next < end && isJsonWhitespace(bytes[next]!)) next++;
    if (bytes[next] === 0x7d) return this.encodeText(head + '}', fields); // the empty record {}
    const record = bytes.subarray(start + 1, end);
    if (!isUtf8(record)) return this.encodeText(head + ',' + text.slice(1).replace(/[\r\n]/g, ' '), fields);
    const { buffer, offset } = this.arena.reserve(head.length * 3 + 1 + record.length);
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
    return this.commit(at - offset, fields);
  }

  private commit(length: number, fields: DocumentFields): BulkDocument {
    return this.arena.commit(length, fields.index, fields.id, fields.recordIndex, fields.eventTimeMs);
  }

  /** A whole source given as text (the rebuilt and empty-record cases), as UTF-8 bytes. */
  private encodeText(source: string, fields: DocumentFields): BulkDocument {
    const { buffer, offset } = this.arena.reserve(source.length * 3);
    return this.commit(buffer.write(source, offset, 'utf8'), fields);
  }
}

/** The record minus the displaced values, written after our fields (a parse keeps the last duplicate). */
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
  return stringifyJson(out);
}

function originalJson(displaced: Displacement[]): string {
  const original = bareObject();
  for (const { segments, value } of displaced) original[toPointer(segments)] = value;
  return stringifyJson(original);
}
