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
  | 'not-a-log-file'
  /** `index --resume`: the ledger says this object (same ETag) is already indexed completely. */
  | 'already-indexed';

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

/**
 * One document ready for the bulk API, as the documents stage hands it to the bulk stage: where it goes
 * (`index`, `id`) and its `_source` as bytes. The bulk stage frames it (action line, newlines) and reports
 * one outcome for it, then calls `release()`.
 */
export interface BulkDocument {
  readonly index: string;
  readonly id: string;
  /** Position of the record in its file (0-based), for error messages and dead letters. */
  readonly recordIndex: number;
  /** Milliseconds since epoch of the record's eventTime, when it parsed (for the indexing-lag metric). */
  readonly eventTimeMs?: number;
  /** The `_source`: one line of JSON as UTF-8 bytes, no trailing newline. Readable until `release()`. */
  readonly bytes: Buffer;
  /**
   * Spare bytes in the same memory right in front of `bytes` that the bulk stage may overwrite (0: none).
   * When there are some, the byte right after `bytes` is spare too. Documents built one after another
   * lie back to back with their spare bytes, so the bulk stage can frame them in place and send a run
   * of them as one view of their memory instead of copying it.
   */
  readonly spareBefore: number;
  /**
   * Says the document is done with (its outcome is reported): its memory may be reused for other
   * documents. Reading `bytes` afterwards throws.
   */
  release(): void;
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
  /**
   * Records the byte-level document builder declined and the parse-based one built (slower, same
   * document): a share that grows says records changed shape, or the fast path regressed.
   */
  fallbacks?: number;
  /** Counts of each per-file extension (src/pipeline/extensions.ts), by its name. */
  extensions?: Record<string, Record<string, number>>;
  /** Set when the file failed (bad gzip, truncated JSON, fatal bulk error, out of time). */
  error?: string;
}
