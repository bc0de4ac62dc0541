/**
 * Readers for every non-SQS payload shape a trigger can carry. Each returns the objects the payload
 * names (before skip rules) or throws a TriggerError naming the path of the first bad field.
 *
 * Payloads nest through JSON strings (SQS body → SNS Message → S3 notification); `depth` counts the
 * string layers so a message that keeps wrapping itself cannot recurse without bound.
 */
import type { ObjectRef, SkippedObject } from '../types.js';
import { decodeNotificationKey } from './decodeKey.js';
import { childPath, expected, isPlainObject, itemPath, ownField, problemAt } from './triggerError.js';

export interface Found {
  refs: ObjectRef[];
  /** Test events: nothing to fetch, reported so the handler can log and count them. */
  skipped: SkippedObject[];
}

/** SQS body → SNS Message → payload is the deepest legitimate nesting. */
const MAX_STRING_DEPTH = 3;

const EXPECTED_PAYLOAD = 'an S3, SNS, SQS or EventBridge event, a CloudTrail notification, or {bucket, key}';

/** What CloudTrail publishes to its SNS topic once, to check it can; it names no log file. */
const CLOUDTRAIL_VALIDATION_MESSAGE = 'CloudTrail validation message.';

export function emptyFound(): Found {
  return { refs: [], skipped: [] };
}

function testEvent(bucket: unknown): Found {
  return {
    refs: [],
    skipped: [{ bucket: typeof bucket === 'string' ? bucket : '', key: '', reason: 'test-event' }],
  };
}

/** Parses a JSON string field that itself holds a payload (SQS body, SNS Message). */
export function parseNested(text: unknown, path: string, depth: number): Found {
  if (typeof text !== 'string') throw expected(path, 'a string holding JSON', text);
  if (depth > MAX_STRING_DEPTH) throw problemAt(path, `messages nested more than ${MAX_STRING_DEPTH} deep`);
  if (text.trim() === CLOUDTRAIL_VALIDATION_MESSAGE) return testEvent(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 120) : 'parse error';
    throw problemAt(path, `not JSON (${reason})`);
  }
  return readPayload(parsed, path, depth);
}

/** Recognises one payload by its distinguishing fields and reads the objects it names. */
export function readPayload(value: unknown, path: string, depth: number): Found {
  if (!isPlainObject(value)) throw expected(path, EXPECTED_PAYLOAD, value);

  if (ownField(value, 'Records') !== undefined) return readEventRecords(value, path, depth);
  if (ownField(value, 'Event') === 's3:TestEvent') return testEvent(ownField(value, 'Bucket'));

  const snsType = ownField(value, 'Type');
  if (snsType === 'Notification')
    return parseNested(ownField(value, 'Message'), childPath(path, 'Message'), depth + 1);
  // SNS sends these to a new SQS subscriber; they name no object and need no action from us.
  if (snsType === 'SubscriptionConfirmation' || snsType === 'UnsubscribeConfirmation') return emptyFound();

  if (ownField(value, 's3Bucket') !== undefined || ownField(value, 's3ObjectKey') !== undefined) {
    return readCloudTrailNotification(value, path);
  }
  if (ownField(value, 'detail-type') !== undefined) return readEventBridge(value, path);
  if (hasManualShape(value)) return readManual(value, path);

  throw expected(path, EXPECTED_PAYLOAD, value);
}

/** The `Records` of an S3, SNS or SQS event (not a CloudTrail log file's, which src/records reads). */
function readEventRecords(value: Record<string, unknown>, path: string, depth: number): Found {
  const recordsPath = childPath(path, 'Records');
  const records = ownField(value, 'Records');
  if (!Array.isArray(records)) throw expected(recordsPath, 'an array of records', records);
  const found = emptyFound();
  records.forEach((record: unknown, index) => {
    const part = readRecord(record, itemPath(recordsPath, index), depth);
    found.refs.push(...part.refs);
    found.skipped.push(...part.skipped);
  });
  return found;
}

function readRecord(record: unknown, path: string, depth: number): Found {
  if (!isPlainObject(record)) throw expected(path, 'a record object', record);
  // S3 and SQS records spell it eventSource; SNS records spell it EventSource.
  const source = ownField(record, 'eventSource') ?? ownField(record, 'EventSource');
  if (source === 'aws:s3') return { refs: readS3Record(record, path), skipped: [] };
  if (source === 'aws:sns') {
    const snsPath = childPath(path, 'Sns');
    const sns = ownField(record, 'Sns');
    if (!isPlainObject(sns)) throw expected(snsPath, 'an SNS message object', sns);
    return parseNested(ownField(sns, 'Message'), childPath(snsPath, 'Message'), depth + 1);
  }
  if (source === 'aws:sqs') throw problemAt(path, 'an SQS record cannot be nested inside another message');
  throw expected(childPath(path, 'eventSource'), '"aws:s3", "aws:sns" or "aws:sqs"', source);
}

/** One S3 notification record; anything but ObjectCreated:* names no new log file and is ignored. */
function readS3Record(record: Record<string, unknown>, path: string): ObjectRef[] {
  const eventName = ownField(record, 'eventName');
  if (typeof eventName !== 'string') throw expected(childPath(path, 'eventName'), 'a string', eventName);
  if (!/^(s3:)?ObjectCreated:/.test(eventName)) return [];

  const s3Path = childPath(path, 's3');
  return [readNotifiedObject(requireObject(ownField(record, 's3'), s3Path), s3Path, 'eTag')];
}

/**
 * `{bucket: {name}, object: {key, size, <etag>}}`, the part S3 notifications and S3 EventBridge
 * events share (they differ only in the ETag's spelling). The key arrives URL-encoded.
 */
function readNotifiedObject(container: Record<string, unknown>, path: string, etagField: string): ObjectRef {
  const bucketPath = childPath(path, 'bucket');
  const bucketInfo = requireObject(ownField(container, 'bucket'), bucketPath);
  const bucket = requireString(ownField(bucketInfo, 'name'), childPath(bucketPath, 'name'));
  const objectPath = childPath(path, 'object');
  const object = requireObject(ownField(container, 'object'), objectPath);
  const rawKey = requireString(ownField(object, 'key'), childPath(objectPath, 'key'));
  const ref: ObjectRef = { bucket, key: decodeNotificationKey(rawKey) };
  return withMetadata(ref, ownField(object, 'size'), ownField(object, etagField));
}

/** CloudTrail's own SNS notification: keys are plain (not URL-encoded) and there may be several. */
function readCloudTrailNotification(value: Record<string, unknown>, path: string): Found {
  const bucket = requireString(ownField(value, 's3Bucket'), childPath(path, 's3Bucket'));
  const keysPath = childPath(path, 's3ObjectKey');
  const keys = ownField(value, 's3ObjectKey');
  // Documented as an array; accept a lone string rather than drop a log file over it.
  const list: unknown[] = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : [];
  if (list.length === 0) throw expected(keysPath, 'a non-empty array of object keys', keys);
  const refs = list.map((key, index) => ({
    bucket,
    key: requireString(key, typeof keys === 'string' ? keysPath : itemPath(keysPath, index)),
  }));
  return { refs, skipped: [] };
}

/**
 * S3 → EventBridge "Object Created". AWS's EventBridge message-structure page does not say whether
 * `detail.object.key` is URL-encoded (its S3-notification page says it is there), and we found no
 * authoritative statement. We decode it like a notification key: if that is wrong, only keys holding a
 * literal `+` or `%XX` are affected (CloudTrail's own part of a key never has them); if we did not
 * decode and S3 does encode, every prefix with a space or `=` would fail.
 * Other S3 detail types (Object Deleted, Object Restore ...) name no new log file and are ignored.
 */
function readEventBridge(value: Record<string, unknown>, path: string): Found {
  const source = ownField(value, 'source');
  if (source !== 'aws.s3') throw expected(childPath(path, 'source'), '"aws.s3"', source);
  const detailType = ownField(value, 'detail-type');
  if (detailType !== 'Object Created') return emptyFound();

  const detailPath = childPath(path, 'detail');
  const detail = requireObject(ownField(value, 'detail'), detailPath);
  return { refs: [readNotifiedObject(detail, detailPath, 'etag')], skipped: [] };
}

function hasManualShape(value: Record<string, unknown>): boolean {
  return ['bucket', 'key', 'Bucket', 'Key'].some((name) => ownField(value, name) !== undefined);
}

/** `{bucket, key}` / `{Bucket, Key}` typed by an operator: the key is taken literally, not decoded. */
function readManual(value: Record<string, unknown>, path: string): Found {
  const upper = ownField(value, 'Bucket') !== undefined || ownField(value, 'Key') !== undefined;
  const bucketName = upper ? 'Bucket' : 'bucket';
  const keyName = upper ? 'Key' : 'key';
  const bucket = requireString(ownField(value, bucketName), childPath(path, bucketName));
  const key = requireString(ownField(value, keyName), childPath(path, keyName));
  return { refs: [{ bucket, key }], skipped: [] };
}

function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw expected(path, 'an object', value);
  return value;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw expected(path, 'a non-empty string', value);
  return value;
}

/** Size and ETag are hints only (the zero-byte skip, logs); a malformed one is dropped, not fatal. */
function withMetadata(ref: ObjectRef, size: unknown, etag: unknown): ObjectRef {
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) ref.size = size;
  if (typeof etag === 'string' && etag !== '') ref.etag = etag;
  return ref;
}
