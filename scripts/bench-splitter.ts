/**
 * Throughput of the record splitter against JSON.parse on the same bytes.
 * Run: npm run build && node build/scripts/bench-splitter.js [megabytes]
 *
 * Builds one ~200 MB CloudTrail document in memory from the sample records (repeated), then times:
 *   - splitRecords over it in 64 KiB chunks (the decode stage's hot path),
 *   - JSON.parse of the whole document (after a separate utf8 decode, timed on its own),
 *   - JSON.parse of each record (what the document builder does downstream),
 *   - readRecords end to end on a gzipped copy (zlib inflate + split).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readRecords } from '../src/records/index.js';
import { splitRecords } from '../src/records/splitter.js';

const SAMPLES = fileURLToPath(new URL('../../samples/cloudtrail/AWSLogs', import.meta.url));
const CHUNK_BYTES = 64 * 1024;
const targetBytes = Number(process.argv[2] ?? 200) * 1024 * 1024;

function sampleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sampleFiles(path);
    return path.endsWith('.json.gz') && !path.includes('CloudTrail-Digest') ? [path] : [];
  });
}

function sampleRecords(): string[] {
  return sampleFiles(SAMPLES).flatMap((file) => {
    const document = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: unknown[] };
    return document.Records.map((record) => JSON.stringify(record));
  });
}

function buildDocument(records: string[]): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const record = records[i % records.length]!;
    parts.push(record);
    size += record.length + 1;
  }
  return Buffer.from(`{"Records":[${parts.join(',')}]}`);
}

async function* chunksOf(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

function rate(bytes: number, ms: number): string {
  return `${((bytes / 1024 / 1024) * (1000 / ms)).toFixed(0).padStart(6)} MB/s  (${ms.toFixed(0)} ms)`;
}

async function best<T>(runs: number, task: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  let ms = Infinity;
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = await task();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, result: result as T };
}

async function main(): Promise<void> {
  const records = sampleRecords();
  const document = buildDocument(records);
  const mb = (document.length / 1024 / 1024).toFixed(0);
  console.log(`document: ${mb} MB, ${records.length} distinct sample records repeated`);

  const split = await best(5, async () => {
    let count = 0;
    for await (const record of splitRecords(chunksOf(document), {
      maxRecordBytes: 1 << 20,
      sourceName: 'bench',
    })) {
      count += record.bytes.length > 0 ? 1 : 0;
    }
    return count;
  });
  console.log(
    `splitRecords (64 KiB chunks):     ${rate(document.length, split.ms)}  ${split.result} records`,
  );

  const decode = await best(2, () => document.toString('utf8'));
  console.log(`utf8 decode to string:            ${rate(document.length, decode.ms)}`);
  const text = decode.result;
  const parse = await best(2, () => (JSON.parse(text) as { Records: unknown[] }).Records.length);
  console.log(
    `JSON.parse whole document:        ${rate(document.length, parse.ms)}  ${parse.result} records`,
  );

  const recordTexts: string[] = [];
  for await (const record of splitRecords(chunksOf(document), {
    maxRecordBytes: 1 << 20,
    sourceName: 'bench',
  })) {
    recordTexts.push(record.bytes.toString('utf8'));
  }
  const perRecord = await best(2, () => {
    let keys = 0;
    for (const recordText of recordTexts) keys += Object.keys(JSON.parse(recordText) as object).length;
    return keys;
  });
  console.log(`JSON.parse record by record:      ${rate(document.length, perRecord.ms)}`);
  recordTexts.length = 0;

  const gzipped = gzipSync(document, { level: 6 });
  const endToEnd = await best(2, async () => {
    let count = 0;
    const options = { maxDecompressedBytes: 1 << 30, maxRecordBytes: 1 << 20, sourceName: 'bench' };
    for await (const record of readRecords(chunksOf(gzipped), options))
      count += record.bytes.length > 0 ? 1 : 0;
    return count;
  });
  console.log(
    `readRecords gunzip+split:         ${rate(document.length, endToEnd.ms)}  (of decompressed bytes)`,
  );
  console.log(`splitter vs JSON.parse (whole):   ${(parse.ms / split.ms).toFixed(1)}x faster`);
}

await main();
