/**
 * `node build/scripts/bench-builder.js [DIR] [--rounds N]`: CPU cost per record of the document
 * builder, the byte-level fast path (with its fallback) against the parse-based reference, in the
 * same process, alternating rounds (`--only fast` or `--only reference`: one of them, to profile it).
 * Records: every `*_CloudTrail_*.json.gz` under DIR (default: the bundled samples, repeated to ~20,000
 * records), as the splitter hands them over.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { actionLineRoom } from '../src/bulk/action.js';
import { DocumentBuilder, type BuildContext } from '../src/documents/builder.js';
import { FastBuilder } from '../src/documents/fastBuilder.js';
import { SlabPool, SourceArena } from '../src/documents/memory.js';
import { ReferenceBuilder } from '../src/documents/reference.js';
import { readRecordBatches } from '../src/records/index.js';
import { openLocalFile } from '../src/source/local.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    min: { type: 'string', default: '20000' },
    only: { type: 'string' }, // `fast` or `reference`: run one builder (for a CPU profile of it)
  },
});
const dir = positionals[0] ?? fileURLToPath(new URL('../../samples/cloudtrail', import.meta.url));
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz') && name.includes('_CloudTrail_'))
  .map((name) => join(dir, name))
  .sort();

const records: Buffer[] = [];
for (const path of files) {
  const options = { maxDecompressedBytes: 2 ** 31, maxRecordBytes: 4 << 20, sourceName: path };
  for await (const batch of readRecordBatches(openLocalFile(path), options)) {
    for (const record of batch) records.push(Buffer.from(record.bytes)); // own copy: the chunk is not kept
  }
}
const original = records.length;
while (records.length < Number(values.min)) records.push(...records.slice(0, original));
const bytes = records.reduce((sum, record) => sum + record.length, 0);

// A fixed object time, as S3's LastModified gives the pipeline: some sample records have no usable eventTime.
const context: BuildContext = {
  indexPrefix: 'cloudtrail-',
  sourceName: 's3://bucket/key.json.gz',
  objectTimeMs: Date.UTC(2026, 0, 1),
};
const slabs = new SlabPool();
const arena = () => new SourceArena(slabs, 10 << 20, actionLineRoom(context.indexPrefix));
const sharing = new FastBuilder(arena(), context);
let fastCount = 0;
for (const record of records.slice(0, original)) {
  const document = sharing.build(record, 0);
  if (document) fastCount++;
  document?.release();
}

// Each document is released at once, as the pipeline does once its bulk outcome is in: the slabs are
// reused instead of fresh memory being written (and faulted in) for every record.
type Builder = { build(record: Buffer, index: number): { release(): void } };
const builders: Record<string, Builder> = {
  reference: new ReferenceBuilder(arena(), context),
  fast: new DocumentBuilder(arena(), context),
};

function run(builder: Builder): number {
  const cpu = process.cpuUsage();
  for (let i = 0; i < records.length; i++) builder.build(records[i]!, i).release();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / records.length; // µs per record
}

const results: Record<string, number[]> = { reference: [], fast: [] };
for (let round = 0; round < Number(values.rounds) + 1; round++) {
  for (const [name, builder] of Object.entries(builders)) {
    if (values.only !== undefined && values.only !== name) continue;
    const micros = run(builder);
    if (round > 0) results[name]!.push(micros); // round 0 warms both
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const reference = results.reference!.length > 0 ? median(results.reference!) : NaN;
const fast = results.fast!.length > 0 ? median(results.fast!) : NaN;
console.log(
  JSON.stringify(
    {
      records: records.length,
      averageBytes: Math.round(bytes / records.length),
      fastPathShare: +(fastCount / original).toFixed(3),
      referenceMicrosPerRecord: +reference.toFixed(2),
      fastMicrosPerRecord: +fast.toFixed(2),
      referenceRecordsPerCpuSec: Math.round(1e6 / reference),
      fastRecordsPerCpuSec: Math.round(1e6 / fast),
      speedup: +(reference / fast).toFixed(2),
    },
    null,
    2,
  ),
);
