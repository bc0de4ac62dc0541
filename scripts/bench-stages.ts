/**
 * `node build/scripts/bench-stages.js DIR`: CPU cost of each pipeline stage, in process, no HTTP.
 * Each stage adds work to the previous one, so the differences show where the time goes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bodyBytes, releaseBody, toEntry, type Entry } from '../src/bulk/batch.js';
import { buildDocument } from '../src/documents/builder.js';
import { readRecords } from '../src/records/index.js';
import { openLocalFile } from '../src/source/local.js';

const dir = process.argv[2]!;
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => join(dir, name))
  .sort();

type Stage = (path: string) => Promise<number>;

const stages: Record<string, Stage> = {
  baseline: async (path) => {
    const parsed = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as { Records: unknown[] };
    for (const record of parsed.Records) JSON.stringify(record);
    return parsed.Records.length;
  },
  split: async (path) => {
    let n = 0;
    for await (const _record of records(path)) n++;
    return n;
  },
  parse: async (path) => {
    let n = 0;
    for await (const record of records(path)) {
      JSON.parse(record.bytes.toString('utf8'));
      n++;
    }
    return n;
  },
  build: async (path) => {
    let n = 0;
    for await (const record of records(path)) {
      buildDocument(record.bytes, record.index, { indexPrefix: 'cloudtrail-', sourceName: path });
      n++;
    }
    return n;
  },
  body: async (path) => {
    let n = 0;
    let batch: Entry[] = [];
    for await (const record of records(path)) {
      batch.push(
        toEntry(buildDocument(record.bytes, record.index, { indexPrefix: 'cloudtrail-', sourceName: path })),
      );
      if (batch.length === 3000) {
        releaseBody(bodyBytes(batch, true)); // as the sender builds (and reuses) request bodies
        batch = [];
      }
      n++;
    }
    if (batch.length) releaseBody(bodyBytes(batch, true));
    return n;
  },
};

function records(path: string) {
  return readRecords(openLocalFile(path), {
    maxDecompressedBytes: 2 ** 31,
    maxRecordBytes: 4 << 20,
    sourceName: path,
  });
}

const only = process.argv.slice(3);
for (let round = 0; round < 2; round++) {
  for (const [name, stage] of Object.entries(stages)) {
    if (only.length && !only.includes(name)) continue;
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    let n = 0;
    for (const path of files) n += await stage(path);
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuS = (used.user + used.system) / 1e6;
    if (round === 1)
      console.log(
        `${name.padEnd(9)} wall ${wall.toFixed(2)}s cpu ${cpuS.toFixed(2)}s  ${Math.round(n / wall)} rec/s wall  ${Math.round(n / cpuS)} rec/cpu-s`,
      );
  }
}
