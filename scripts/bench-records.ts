/**
 * CPU and wall time per record of the records stage (read file → gunzip → split), in process.
 *
 * Run: npm run build && node build/scripts/bench-records.js DIR [rounds] [variant ...]
 *   e.g. node build/scripts/bench-records.js /tmp/b200 7 records batches
 * (benchmark data: npx cloudtrail-opensearch generate --out /tmp/b200 --records 200000 --per-file 1000 --days 2)
 *
 * Every round runs each chosen variant once over every *.json.gz file under DIR, variants in turn
 * (so a noisy neighbour hurts them alike); round 0 is a warm-up. Prints the median over the other
 * rounds of: process CPU (process.cpuUsage: main thread plus zlib's thread-pool threads), main
 * thread CPU (from /proc/self/task/<pid>/stat, Linux only, 10 ms ticks) and wall, all in µs/record.
 *
 * Variants:
 *   read        the file stream alone (no gunzip): the floor for any reader
 *   gunzipSync  readFileSync + gunzipSync: zlib's cost with no streaming
 *   decode      decodedStream: read + streaming gunzip, chunks only
 *   splitSync   readFileSync + gunzipSync + RecordSplitter driven synchronously: scanner cost
 *               is splitSync − gunzipSync
 *   splitEach   gunzipSync, then splitRecords over 256 KiB chunks: per-record for-await, no zlib
 *   splitBatch  the same through splitRecordBatches: splitBatch − splitEach is the per-record
 *               async-iteration cost the batch API saves
 *   records     readRecords, one record per for-await iteration (as indexFile consumes it)
 *   batches     readRecordBatches, a synchronous loop per batch
 *
 * To compare with another build of src/records in the same process (alternating, same data), set
 * BENCH_RECORDS_OTHER to its compiled index.js; this adds the variants other:records (and
 * other:batches when that build has readRecordBatches). E.g. before/after a change:
 *   git stash && npm run build && cp -r build/src/records /tmp/records-old && git stash pop
 *   npm run build && BENCH_RECORDS_OTHER=/tmp/records-old/index.js \
 *     node build/scripts/bench-records.js /tmp/b200 9 other:records records batches
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  decodedStream,
  readRecordBatches,
  readRecords,
  RecordSplitter,
  splitRecordBatches,
  splitRecords,
  type SplitRecord,
} from '../src/records/index.js';
import { openLocalFile } from '../src/source/local.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node build/scripts/bench-records.js DIR [rounds] [variant ...]');
  process.exit(2);
}
const rounds = Number(process.argv[3] ?? 5);
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => join(dir, name))
  .sort();

const OPTIONS = { maxDecompressedBytes: 2 ** 31, maxRecordBytes: 4 << 20 };

/** What a consumer does with each record, cheaply (like indexFile's flag checks), so nothing is dead code. */
let checksum = 0;
function consume(record: SplitRecord): void {
  if (record.tooLarge || record.notObject) checksum ^= record.index;
  else checksum = (checksum + record.bytes.length + record.offset) | 0;
}

async function* blocks(json: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < json.length; at += 256 * 1024) yield json.subarray(at, at + 256 * 1024);
}

type Variant = (path: string) => Promise<number>;
type RecordsModule = { readRecords: typeof readRecords; readRecordBatches?: typeof readRecordBatches };

const variants: Record<string, Variant> = {
  read: async (path) => {
    let bytes = 0;
    for await (const chunk of openLocalFile(path) as AsyncIterable<Buffer>) bytes += chunk.length;
    return bytes > 0 ? 1000 : 0; // records are not counted here; report per 1,000-record file
  },
  gunzipSync: async (path) => {
    const json = gunzipSync(readFileSync(path));
    return json.length > 0 ? 1000 : 0;
  },
  decode: async (path) => {
    let bytes = 0;
    for await (const chunk of decodedStream(openLocalFile(path), { ...OPTIONS, sourceName: path }))
      bytes += chunk.length;
    return bytes > 0 ? 1000 : 0;
  },
  splitSync: async (path) => {
    const splitter = new RecordSplitter({ ...OPTIONS, sourceName: path });
    const json = gunzipSync(readFileSync(path));
    let n = 0;
    for (let at = 0; at < json.length; at += 64 * 1024) {
      splitter.feed(json.subarray(at, at + 64 * 1024));
      for (let record = splitter.next(); record; record = splitter.next()) {
        consume(record);
        n++;
      }
    }
    splitter.end();
    return n;
  },
  splitEach: async (path) => {
    let n = 0;
    const json = gunzipSync(readFileSync(path));
    for await (const record of splitRecords(blocks(json), { ...OPTIONS, sourceName: path })) {
      consume(record);
      n++;
    }
    return n;
  },
  splitBatch: async (path) => {
    let n = 0;
    const json = gunzipSync(readFileSync(path));
    for await (const batch of splitRecordBatches(blocks(json), { ...OPTIONS, sourceName: path })) {
      for (const record of batch) {
        consume(record);
        n++;
      }
    }
    return n;
  },
  records: async (path) => {
    let n = 0;
    for await (const record of readRecords(openLocalFile(path), { ...OPTIONS, sourceName: path })) {
      consume(record);
      n++;
    }
    return n;
  },
  batches: async (path) => {
    let n = 0;
    for await (const batch of readRecordBatches(openLocalFile(path), { ...OPTIONS, sourceName: path })) {
      for (const record of batch) {
        consume(record);
        n++;
      }
    }
    return n;
  },
};

const otherPath = process.env.BENCH_RECORDS_OTHER;
if (otherPath) {
  const other = (await import(otherPath)) as RecordsModule;
  variants['other:records'] = async (path) => {
    let n = 0;
    for await (const record of other.readRecords(openLocalFile(path), { ...OPTIONS, sourceName: path })) {
      consume(record);
      n++;
    }
    return n;
  };
  const batches = other.readRecordBatches;
  if (batches) {
    variants['other:batches'] = async (path) => {
      let n = 0;
      for await (const batch of batches(openLocalFile(path), { ...OPTIONS, sourceName: path })) {
        for (const record of batch) {
          consume(record);
          n++;
        }
      }
      return n;
    };
  }
}

/** CPU seconds of the main thread so far (utime + stime of the thread whose id is the pid). */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15, in clock ticks
  } catch {
    return NaN;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const chosen = process.argv.slice(4).length ? process.argv.slice(4) : Object.keys(variants);
for (const name of chosen) if (!variants[name]) throw new Error(`unknown variant ${name}`);
const samples = new Map(
  chosen.map((name) => [name, { cpu: [] as number[], main: [] as number[], wall: [] as number[] }]),
);

console.log(`${files.length} files, ${rounds} rounds (+1 warm-up), variants: ${chosen.join(', ')}`);
for (let round = 0; round <= rounds; round++) {
  for (const name of chosen) {
    const variant = variants[name]!;
    const cpu = process.cpuUsage();
    const main = mainThreadCpu();
    const started = process.hrtime.bigint();
    let n = 0;
    for (const path of files) n += await variant(path);
    const wall = Number(process.hrtime.bigint() - started) / 1e3;
    const mainUs = (mainThreadCpu() - main) * 1e6;
    const used = process.cpuUsage(cpu);
    if (round === 0) continue;
    const s = samples.get(name)!;
    s.cpu.push((used.user + used.system) / n);
    s.main.push(mainUs / n);
    s.wall.push(wall / n);
  }
}
console.log('variant      µs/record: cpu (process)  cpu (main thread)  wall   [min-max cpu]');
for (const [name, s] of samples) {
  console.log(
    `${name.padEnd(12)} ${median(s.cpu).toFixed(2).padStart(20)} ${median(s.main).toFixed(2).padStart(18)} ${median(s.wall).toFixed(2).padStart(6)}   [${Math.min(...s.cpu).toFixed(2)}-${Math.max(...s.cpu).toFixed(2)}]`,
  );
}
if (checksum === 0.5) console.log(checksum); // keeps the consumer's work observable
