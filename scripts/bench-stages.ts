/**
 * `node build/scripts/bench-stages.js DIR`: CPU cost of each pipeline stage, in process, no HTTP.
 * Each stage adds work to the previous one, so the differences show where the time goes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { actionLineRoom } from '../src/bulk/action.js';
import { BulkFraming, type Entry } from '../src/bulk/batch.js';
import { DocumentBuilder } from '../src/documents/builder.js';
import { SlabPool, SourceArena } from '../src/documents/memory.js';
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
    const { builder, arena } = builderFor(path);
    for await (const record of records(path)) {
      builder.build(record.bytes, record.index).release(); // released as the sender does after the outcome
      n++;
    }
    arena.close();
    return n;
  },
  body: async (path) => {
    let n = 0;
    let batch: Entry[] = [];
    const { builder, arena } = builderFor(path);
    const framing = new BulkFraming();
    const send = () => {
      // as the sender builds (and reuses) request bodies, then releases the documents
      framing.releaseBody(framing.body(batch, true));
      for (const entry of batch) entry.doc.release();
      batch = [];
    };
    for await (const record of records(path)) {
      batch.push(framing.entry(builder.build(record.bytes, record.index)));
      if (batch.length === 3000) send();
      n++;
    }
    if (batch.length) send();
    arena.close();
    return n;
  },
};

const slabs = new SlabPool();
const INDEX_PREFIX = 'cloudtrail-';

/** A file's builder, as the pipeline makes one (see src/pipeline/indexFile.ts). */
function builderFor(path: string): { builder: DocumentBuilder; arena: SourceArena } {
  const arena = new SourceArena(slabs, 10 << 20, actionLineRoom(INDEX_PREFIX));
  return { builder: new DocumentBuilder(arena, { indexPrefix: INDEX_PREFIX, sourceName: path }), arena };
}

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
