/** Dead letters as gzipped JSON-lines objects under an S3 prefix: one object per write. */
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { outOfTimeSignal } from '../http/retry.js';
import { deadLetterId, DeadLetterStoreBase, type DeadLetterEntry, type SinkContext } from './entry.js';

export class S3DeadLetterStore extends DeadLetterStoreBase {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    super(`s3://${bucket}/${prefix}`);
  }

  protected async write(entries: DeadLetterEntry[], context: SinkContext): Promise<void> {
    const now = new Date();
    const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
    const separator = this.prefix === '' || this.prefix.endsWith('/') ? '' : '/';
    // Named after the set of entries (sorted: responses arrive in any order), not the clock: a retried
    // file (Lambda and SQS deliver at least once) writes the same chunk again under the same key instead
    // of a second copy of every entry. The pipeline makes the same chunks on a replay (deadletter/windows.ts).
    const digest = createHash('sha256');
    for (const id of entries.map(deadLetterId).sort()) digest.update(id).update('\n');
    const key = `${this.prefix}${separator}${day}/${digest.digest('hex').slice(0, 32)}.jsonl.gz`;
    const body = gzipSync(entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
    // Loaded here, not at module load: whoever made the S3 client has loaded the SDK already, and a
    // process that never writes to S3 (a worker indexing local files) need not hold it (~14 MB).
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    // Each attempt has the S3 client's deadline; all of them together stay within the caller's time.
    const abortSignal = outOfTimeSignal(context.budget);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
      abortSignal ? { abortSignal } : {},
    );
  }
}

/** Reads back what S3DeadLetterStore wrote (used by the re-drive command). */
export function parseDeadLetterLines(text: string): DeadLetterEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeadLetterEntry);
}
