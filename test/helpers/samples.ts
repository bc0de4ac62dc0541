/** The bundled sample CloudTrail files, read the simple way (whole file), to compute expected results. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** samples/cloudtrail at the repository root (tests run from build/test/...). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/cloudtrail', import.meta.url));

/**
 * Every CloudTrail log file below `dir` (sorted), the files the indexer reads records from: digest
 * files, Config's check objects and the manifest are not log files.
 */
export function sampleLogFiles(dir = SAMPLES_DIR): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sampleLogFiles(path));
    else if (basename(path).includes('_CloudTrail_') && name.endsWith('.json.gz')) files.push(path);
  }
  return files;
}

/**
 * How many records the bundled log files hold, counted by reading each one, so that tests follow the
 * corpus when samples are added instead of repeating its size.
 */
export function sampleRecordCount(dir = SAMPLES_DIR): number {
  return sampleLogFiles(dir).reduce((total, file) => total + readSampleRecords(file).length, 0);
}

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
