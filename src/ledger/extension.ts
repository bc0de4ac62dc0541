/**
 * The ledger as a per-file extension (src/pipeline/extensions.ts): it hashes the decompressed bytes as
 * they stream (no second read), notes each record's event time and daily index, and once the file is
 * delivered writes the file's ledger entry.
 *
 * A ledger write that fails fails the file: the trigger then retries it (the records come back as
 * duplicates, which is cheap), whereas a file indexed without its entry would be reported missing by
 * every audit after it, and nobody would know it needs no re-indexing.
 */
import { createHash, type Hash } from 'node:crypto';
import { DEFAULT_RETRY, type RetryPolicy } from '../http/retry.js';
import type {
  BuiltRecord,
  ExtensionContext,
  ExtensionFile,
  FileExtension,
  FileObserver,
} from '../pipeline/extensions.js';
import type { FileOutcome } from '../types.js';
import { ledgerIndex, LedgerStore, statusOf, type LogFileEntry } from './ledger.js';

export const LEDGER_EXTENSION = 'ledger';

export interface LedgerSettings {
  retry?: RetryPolicy;
}

/** Worker threads make the extension from this module (see ExtensionSpec). */
export function createExtension(settings: LedgerSettings = {}): FileExtension {
  return new LedgerExtension(settings);
}

/** How another thread makes the same extension. */
export function ledgerExtensionSpec(settings: LedgerSettings = {}): {
  module: string;
  settings: LedgerSettings;
} {
  return { module: import.meta.url, settings };
}

export class LedgerExtension implements FileExtension {
  readonly name = LEDGER_EXTENSION;

  constructor(private readonly settings: LedgerSettings = {}) {}

  openFile(file: ExtensionFile, context: ExtensionContext): FileObserver | undefined {
    // The ledger is of S3 objects (what CloudTrail's digests list); a local file has no place in it.
    if (file.bucket === undefined || file.bucket === '' || !context.http) return undefined;
    const store = new LedgerStore(ledgerIndex(file.indexPrefix), context.http, {
      policy: this.settings.retry ?? DEFAULT_RETRY,
      budget: context.budget,
      health: context.health,
    });
    return new LedgerObserver(file, file.bucket, store);
  }
}

class LedgerObserver implements FileObserver {
  private readonly hash: Hash = createHash('sha256');
  private oldestMs: number | undefined;
  private newestMs: number | undefined;
  private readonly indices = new Set<string>();

  constructor(
    private readonly file: ExtensionFile,
    private readonly bucket: string,
    private readonly store: LedgerStore,
  ) {}

  onDecodedBytes(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  onRecord(record: BuiltRecord): void {
    const { eventTimeMs, index } = record.document;
    this.indices.add(index);
    if (eventTimeMs === undefined) return;
    if (this.oldestMs === undefined || eventTimeMs < this.oldestMs) this.oldestMs = eventTimeMs;
    if (this.newestMs === undefined || eventTimeMs > this.newestMs) this.newestMs = eventTimeMs;
  }

  async finish(outcome: Readonly<FileOutcome>): Promise<{ error?: string }> {
    const { read, indexed, duplicates, deadLettered, undelivered, error } = outcome;
    const entry: Omit<LogFileEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'> = {
      kind: 'log',
      bucket: this.bucket,
      key: this.file.key,
      size: this.file.size,
      etag: this.file.etag,
      versionId: this.file.versionId,
      // A file not read to its end has no meaningful hash: the audit reports it as failed, not altered.
      sha256: error === undefined ? this.hash.digest('hex') : undefined,
      status: statusOf(outcome),
      read,
      indexed,
      duplicates,
      deadLettered,
      undelivered,
      oldestEventTime: isoOf(this.oldestMs),
      newestEventTime: isoOf(this.newestMs),
      indices: [...this.indices].sort(),
      error,
    };
    try {
      await this.store.record(entry, new Date());
      return {};
    } catch (failure) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      return { error: `writing the ledger entry to ${this.store.index} failed: ${reason}` };
    }
  }
}

function isoOf(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
