/** What is kept for every record that could not be indexed: enough to understand and re-drive it. */
import { createHash } from 'node:crypto';
import type { ClusterHealth } from '../http/health.js';
import type { HttpCaller } from '../http/request.js';
import type { TimeBudget } from '../http/retry.js';

export interface DeadLetterEntry {
  /** `s3://bucket/key` or the local path of the CloudTrail file. */
  source: string;
  /** Position of the record in the file's Records array, when known. */
  recordIndex?: number;
  /** Why it was not indexed: the error type and reason from OpenSearch, or the parse error. */
  reason: string;
  /** The index and id it was meant for, when a document was built. */
  index?: string;
  id?: string;
  /** The document that was rejected (JSON text), or the raw record text when no document could be built. */
  document?: string;
  failedAt: string;
}

/** A stable id per (source, record) so writing the same dead letter twice leaves one entry. */
export function deadLetterId(entry: Pick<DeadLetterEntry, 'source' | 'recordIndex' | 'reason'>): string {
  const where =
    entry.recordIndex === undefined
      ? `${entry.source}#file:${entry.reason}`
      : `${entry.source}#${entry.recordIndex}`;
  return createHash('sha256').update(where).digest('base64url').slice(0, 32);
}

export interface DeadLetterSink {
  /** Human-readable destination, e.g. `index:cloudtrail-deadletter`. */
  readonly target: string;
  /** Stores the entries; rejects if any could not be stored (the caller then counts them undelivered). */
  write(entries: DeadLetterEntry[]): Promise<void>;
}

/** What a file's dead-letter writes run under: its connection, its time, the run's health. */
export interface SinkContext {
  http: HttpCaller;
  budget: TimeBudget;
  health?: ClusterHealth;
}

/** A dead-letter destination, configured once; each file writes through its own view of it. */
export interface DeadLetterStore {
  readonly target: string;
  forFile(context: SinkContext): DeadLetterSink;
}

/** The wiring every store shares: its target, and a per-file sink that writes under the file's context. */
export abstract class DeadLetterStoreBase implements DeadLetterStore {
  constructor(readonly target: string) {}

  forFile(context: SinkContext): DeadLetterSink {
    return {
      target: this.target,
      write: (entries) => (entries.length === 0 ? Promise.resolve() : this.write(entries, context)),
    };
  }

  /** Stores a non-empty list of entries, or rejects naming why not all were stored. */
  protected abstract write(entries: DeadLetterEntry[], context: SinkContext): Promise<void>;
}
