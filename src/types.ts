/**
 * Types shared by the stages of the indexing flow (see README "How it works"):
 *
 *   trigger event → ObjectRef[] → object byte stream → gunzip → record splitter
 *     → BulkDocument → bulk sender → per-item outcome → FileOutcome
 */

/** One S3 object to index, as named by a trigger event (key already URL-decoded). */
export interface ObjectRef {
  bucket: string;
  key: string;
  /** Object size in bytes when the trigger told us (S3/EventBridge notifications do). */
  size?: number;
  etag?: string;
}

/** Why an object named by a trigger is not indexed. Skips are logged and counted, never errors. */
export type SkipReason =
  | 'test-event'
  | 'digest'
  | 'insight'
  | 'config-writability-check'
  | 'folder-marker'
  | 'empty-object'
  | 'not-a-log-file';

export interface SkippedObject {
  bucket: string;
  key: string;
  reason: SkipReason;
}

/**
 * What one trigger "unit" asks us to do. An SQS batch has one unit per message (so a failure can be
 * reported for that message alone); every other event shape is a single unit.
 */
export interface TriggerUnit {
  /** SQS messageId, when the unit came from an SQS record. */
  messageId?: string;
  objects: ObjectRef[];
  skipped: SkippedObject[];
}

/** One document ready for the bulk API: a `create` action line plus its source line. */
export interface BulkDocument {
  index: string;
  id: string;
  /** The document source, serialised as one line of JSON (no trailing newline). */
  source: string;
  /** Position of the record in its file (0-based), for error messages and dead letters. */
  recordIndex: number;
  /** Milliseconds since epoch of the record's eventTime, when it parsed (for the indexing-lag metric). */
  eventTimeMs?: number;
}

/** Final state of one document after the bulk sender is done with it. */
export type DocumentOutcome =
  | { kind: 'indexed' }
  | { kind: 'duplicate' }
  | { kind: 'healed' } // indexed after the self-heal rewrite
  | { kind: 'dead-letter'; reason: string };

/** Per-file counts. Invariant: read = indexed + duplicates + deadLettered (+ undelivered on failure). */
export interface FileOutcome {
  bucket?: string;
  key: string;
  read: number;
  indexed: number;
  duplicates: number;
  healed: number;
  deadLettered: number;
  /** Records not delivered because of a transient failure; non-zero means the file must be retried. */
  undelivered: number;
  /** Records whose document time is not their eventTime (missing or unusable; tagged in ct.tags). */
  inferredTime?: number;
  /** Records whose document id is a hash of their content (no usable eventID). */
  inferredId?: number;
  /** Set when the file failed (bad gzip, truncated JSON, fatal bulk error, out of time). */
  error?: string;
}
