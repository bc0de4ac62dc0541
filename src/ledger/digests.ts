/** A digest file's ledger entry: what CloudTrail says it delivered in that hour, kept next to what we indexed. */
import type { S3Client } from '@aws-sdk/client-s3';
import { DigestError } from '../digest/digest.js';
import { readDigest, type ReadDigest } from '../digest/read.js';
import type { HttpCaller } from '../http/request.js';
import { DEFAULT_RETRY, type RetryPolicy, type TimeBudget } from '../http/retry.js';
import { LedgerStore, type DigestEntry } from './ledger.js';

export function digestEntry(
  read: ReadDigest,
): Omit<DigestEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'> {
  return {
    kind: 'digest',
    bucket: read.bucket,
    key: read.key,
    size: read.size,
    etag: read.etag,
    versionId: read.versionId,
    sha256: read.sha256,
    status: 'complete',
    account: read.where.account,
    region: read.where.region,
    trail: read.where.trail,
    backfill: read.where.backfill,
    digest: read.digest as unknown as Record<string, unknown>,
    logFileCount: read.digest.logFiles.length,
    signature: read.signature,
    signatureAlgorithm: read.signatureAlgorithm,
  };
}

export async function recordDigest(
  store: LedgerStore,
  read: ReadDigest,
  processedAt: Date,
): Promise<DigestEntry> {
  return store.record<DigestEntry>(digestEntry(read), processedAt);
}

/**
 * Digest objects named by a trigger: read, checked and kept in the ledger (they are never indexed as
 * events). A digest that is not CloudTrail's format is reported and not retried (it will not change); a
 * digest that could not be read or stored is retried with its trigger.
 */
export class DigestRecorder {
  constructor(
    private readonly s3: S3Client,
    private readonly http: HttpCaller,
    private readonly index: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** The digest's entry, or the DigestError saying why the object is not a usable digest. */
  async record(bucket: string, key: string, budget: TimeBudget): Promise<DigestEntry | DigestError> {
    let read: ReadDigest;
    try {
      read = await readDigest(this.s3, bucket, key);
    } catch (error) {
      if (error instanceof DigestError) return error;
      throw error;
    }
    const store = new LedgerStore(this.index, this.http, { policy: this.policy, budget });
    return recordDigest(store, read, new Date());
  }
}
