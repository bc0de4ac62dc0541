/** Dead letters as gzipped JSON-lines objects under an S3 prefix: one object per write. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DeadLetterEntry, DeadLetterSink } from './entry.js';

export class S3DeadLetterSink implements DeadLetterSink {
  readonly target: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.target = `s3://${bucket}/${prefix}`;
  }

  async write(entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = new Date();
    const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
    const stamp = now.toISOString().replace(/[-:.]/g, '');
    const separator = this.prefix === '' || this.prefix.endsWith('/') ? '' : '/';
    const key = `${this.prefix}${separator}${day}/${stamp}-${randomBytes(6).toString('hex')}.jsonl.gz`;
    const body = gzipSync(entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}

/** Reads back what S3DeadLetterSink wrote (used by the re-drive command). */
export function parseDeadLetterLines(text: string): DeadLetterEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeadLetterEntry);
}
