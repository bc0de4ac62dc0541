/**
 * The ledger as a per-file extension (src/pipeline/extensions.ts): it hashes the decompressed bytes as
 * they stream (no second read; on the pipeline's thread unless told otherwise, see hashing.ts),
 * notes each record's event time and daily index, and once the file is delivered writes the file's
 * ledger entry (one request for an object seen for the first time, see LedgerStore.record). Measured
 * (BENCHMARKS.md, ledger section): the hash is ~1 µs of CPU per record, 4-5 % of the pipeline's; the
 * request ~150 µs per file, under 1 % of a 1,000-record file; the file's wait for its answer costs the
 * process more than the request's own work does.
 *
 * A ledger write that fails fails the file: the trigger then retries it (the records come back as
 * duplicates, which is cheap), whereas a file indexed without its entry would be reported missing by
 * every audit after it, and nobody would know it needs no re-indexing.
 */
import { DEFAULT_RETRY, type RetryPolicy } from '../http/retry.js';
import type {
  BuiltRecord,
  ExtensionContext,
  ExtensionFile,
  FileExtension,
  FileObserver,
} from '../pipeline/extensions.js';
import { messageOf } from '../pipeline/indexFile.js';
import type { FileOutcome } from '../types.js';
import { FileHasher, type FileHash, type HashingMode } from './hashing.js';
import { ledgerIndex, LedgerStore, statusOf, type LogFileEntry } from './ledger.js';

export const LEDGER_EXTENSION = 'ledger';

export interface LedgerSettings {
  retry?: RetryPolicy;
  /** Where the SHA-256 runs (default `main-thread`; see FileHasher for why). */
  hashing?: HashingMode;
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

  private readonly hasher: FileHasher;
  /** Ledger indices known to exist: created once per instance (a warm Lambda), not once per file. */
  private readonly createdIndices = new Set<string>();

  constructor(private readonly settings: LedgerSettings = {}) {
    this.hasher = new FileHasher(settings.hashing);
  }

  openFile(file: ExtensionFile, context: ExtensionContext): FileObserver | undefined {
    // The ledger is of S3 objects (what CloudTrail's digests list); a local file has no place in it.
    if (file.bucket === undefined || file.bucket === '' || !context.http) return undefined;
    const store = new LedgerStore(ledgerIndex(file.indexPrefix), context.http, {
      policy: this.settings.retry ?? DEFAULT_RETRY,
      budget: context.budget,
      health: context.health,
      createdIndices: this.createdIndices,
    });
    return new LedgerObserver(file, file.bucket, store, this.hasher.open());
  }
}

class LedgerObserver implements FileObserver {
  private oldestMs: number | undefined;
  private newestMs: number | undefined;
  private readonly indices = new Set<string>();

  constructor(
    private readonly file: ExtensionFile,
    private readonly bucket: string,
    private readonly store: LedgerStore,
    private readonly hash: FileHash,
  ) {}

  onDecodedBytes(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  onRecord(record: BuiltRecord): Promise<void> | undefined {
    const { eventTimeMs, index } = record.document;
    this.indices.add(index);
    if (eventTimeMs !== undefined) {
      if (this.oldestMs === undefined || eventTimeMs < this.oldestMs) this.oldestMs = eventTimeMs;
      if (this.newestMs === undefined || eventTimeMs > this.newestMs) this.newestMs = eventTimeMs;
    }
    // Decoding waits while the hashing thread is too far behind: memory stays bounded.
    return this.hash.backlog();
  }

  async finish(outcome: Readonly<FileOutcome>): Promise<{ error?: string }> {
    const { read, indexed, duplicates, deadLettered, undelivered, error } = outcome;
    let sha256: string | undefined;
    // A file not read to its end has no meaningful hash: the audit reports it as failed, not altered.
    if (error === undefined) {
      try {
        sha256 = await this.hash.digest();
      } catch (failure) {
        return { error: messageOf(failure) };
      }
    } else {
      this.hash.discard();
    }
    const entry: Omit<LogFileEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'> = {
      kind: 'log',
      bucket: this.bucket,
      key: this.file.key,
      size: this.file.size,
      etag: this.file.etag,
      versionId: this.file.versionId,
      sha256,
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
      return { error: `writing the ledger entry to ${this.store.index} failed: ${messageOf(failure)}` };
    }
  }
}

function isoOf(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
