/** The bundled sample CloudTrail files, read the simple way (whole file), to compute expected results. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** samples/cloudtrail at the repository root (tests run from build/test/...). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/cloudtrail', import.meta.url));

export type CloudTrailRecord = Record<string, unknown> & { eventID?: unknown; eventTime?: unknown };

export function readSampleRecords(path: string): CloudTrailRecord[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  return (JSON.parse(text) as { Records: CloudTrailRecord[] }).Records;
}

/** The daily index a record must land in, per the product's contract (eventTime UTC date). */
export function expectedIndex(record: CloudTrailRecord, prefix = 'cloudtrail-'): string | undefined {
  if (typeof record.eventTime !== 'string') return undefined;
  const ms = Date.parse(record.eventTime);
  return Number.isNaN(ms) ? undefined : prefix + new Date(ms).toISOString().slice(0, 10);
}

export function gunzipRecords(gz: Buffer): CloudTrailRecord[] {
  return (JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: CloudTrailRecord[] }).Records;
}
