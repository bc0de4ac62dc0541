/** Shared fixtures for the decode-stage tests: sample files, chunking, collecting results. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RecordStreamError } from '../../src/records/errors.js';
import type { SplitRecord } from '../../src/records/splitter.js';

export const SAMPLES_DIR = 'samples/cloudtrail/AWSLogs';

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

/** Every CloudTrail log file among the samples (digest files excluded). */
export function sampleLogFiles(): string[] {
  return filesUnder(SAMPLES_DIR).filter((path) => path.endsWith('.json.gz') && path.includes('/CloudTrail/'));
}

export function digestFiles(): string[] {
  return filesUnder(SAMPLES_DIR).filter((path) => path.includes('/CloudTrail-Digest/'));
}

export function decompressedSample(path: string): Buffer {
  return gunzipSync(readFileSync(path));
}

/** The sample whose record count is closest to `records`, decompressed. */
export function sampleWithAbout(records: number): { path: string; json: Buffer; records: unknown[] } {
  let best: { path: string; json: Buffer; records: unknown[] } | undefined;
  for (const path of sampleLogFiles()) {
    const json = decompressedSample(path);
    const parsed = (JSON.parse(json.toString('utf8')) as { Records: unknown[] }).Records;
    if (!best || Math.abs(parsed.length - records) < Math.abs(best.records.length - records)) {
      best = { path, json, records: parsed };
    }
  }
  return best!;
}

/** `bytes` as an async stream of `size`-byte chunks (fresh views, like a network stream). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) {
    yield Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(size, bytes.length - at));
  }
}

/** `bytes` cut at the given positions. */
export async function* cutAt(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield Buffer.from(bytes.subarray(from, cut));
    from = cut;
  }
}

export interface Collected {
  records: SplitRecord[];
  error?: unknown;
}

/** Drains a record stream, keeping what was yielded before any error. */
export async function collect(stream: AsyncIterable<SplitRecord>): Promise<Collected> {
  const records: SplitRecord[] = [];
  try {
    for await (const record of stream) records.push(record);
    return { records };
  } catch (error) {
    return { records, error };
  }
}

/** Asserts `error` is a RecordStreamError of `kind` and returns it. */
export function streamError(error: unknown, kind: RecordStreamError['kind']): RecordStreamError {
  if (!(error instanceof RecordStreamError)) {
    throw new Error(`expected a RecordStreamError (${kind}), got ${String(error)}`, { cause: error });
  }
  if (error.kind !== kind) throw new Error(`expected kind ${kind}, got ${error.kind}: ${error.message}`);
  return error;
}

export { seededRandom } from '../../src/util/random.js';
