/**
 * Dead letters as gzipped JSON-lines objects under an S3 prefix: one object per write, under the day of
 * the CloudTrail file they came from (`<prefix>YYYY/MM/DD/<hash>.jsonl.gz`).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { outOfTimeSignal } from '../http/retry.js';
import { keyDate } from '../trigger/keyDate.js';
import { parseS3Url } from '../source/s3Url.js';
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
    const day = (dayOfSource(entries) ?? new Date().toISOString().slice(0, 10)).replaceAll('-', '/');
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

/**
 * The day in the key of the CloudTrail file the entries came from (every write holds one file's
 * entries). A retry of that file on a later day then writes the same key again instead of a second copy;
 * only a source with no date in its name (a local file under another layout) falls back to the day of
 * the write.
 */
function dayOfSource(entries: readonly DeadLetterEntry[]): string | undefined {
  const source = entries[0]?.source;
  if (source === undefined) return undefined;
  return keyDate(parseS3Url(source)?.prefix ?? source);
}

/** Reads back what S3DeadLetterStore wrote (used by the re-drive command). */
export function parseDeadLetterLines(text: string): DeadLetterEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeadLetterEntry);
}
