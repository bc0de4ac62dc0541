/**
 * `node --expose-gc build/scripts/bench-ledger.js DIR [--rounds N]`: what the ledger costs the pipeline,
 * per record, in CPU (every thread of the process) and in wall-clock time. The ledger only opens for S3
 * objects, so each file here is indexed as if it came from a bucket: without extensions, with the
 * LedgerExtension hashing on the pipeline's thread, and with it hashing on a thread of its own (SHA-256
 * of the decompressed bytes as they stream, each record's time and index, its entry written at the end:
 * GET and PUT, answered in memory). The variants take turns round by round (the order rotating), each
 * ratio to "off" is taken per round and its median reported, so load on a shared machine hits every
 * side; "off" runs a second time (`offAgain`) to show the harness's own noise. The SHA-256 of the
 * decompressed bytes alone is measured too.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DocumentMemory } from '../src/documents/builder.js';
import type { HttpCaller, HttpRequest } from '../src/http/request.js';
import { LedgerExtension } from '../src/ledger/extension.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import type { FileExtension } from '../src/pipeline/extensions.js';
import { indexFile } from '../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { openLocalFile } from '../src/source/local.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '10' } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-ledger.js DIR [--rounds N]');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => join(dir, name))
  .sort();

/** Answers each bulk action line's document as created (the `_id` read from the action line). */
const transport = {
  releasesBody: true,
  async send(body: string | Buffer) {
    const lines = (typeof body === 'string' ? body : body.toString('utf8')).split('\n');
    const items = [];
    for (let line = 0; line + 1 < lines.length; line += 2) {
      const action = JSON.parse(lines[line]!) as { create: { _id: string } };
      items.push({ create: { _id: action.create._id, status: 201 } });
    }
    return { statusCode: 200, body: { took: 1, errors: false, items } };
  },
};

/** The cluster as the ledger sees it: no entry yet (GET 404), every write accepted. */
const ledgerHttp: HttpCaller = {
  request: async (request: HttpRequest) =>
    request.method === 'GET' ? { statusCode: 404, body: { found: false } } : { statusCode: 200, body: {} },
};

const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };
const memory = new DocumentMemory();

interface PerRecord {
  cpuMicros: number;
  wallMicros: number;
}

async function run(extensions: readonly FileExtension[]): Promise<PerRecord> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let records = 0;
  for (let i = 0; i < files.length; i += 2) {
    const pair = files.slice(i, i + 2).map((path) =>
      indexFile(
        { sourceName: path, bucket: 'bench-trail', key: path, stream: openLocalFile(path) },
        settings,
        {
          transport,
          deadLetter: {
            target: 'none',
            write: () => Promise.reject(new Error('benchmark data made dead letters')),
          },
          telemetry: silentTelemetry(),
          remainingTimeMs: () => Infinity,
          documentMemory: memory,
          extensions,
          http: ledgerHttp,
        },
      ),
    );
    for (const outcome of await Promise.all(pair)) {
      if (outcome.error || outcome.indexed !== outcome.read) throw new Error(JSON.stringify(outcome));
      records += outcome.read;
    }
  }
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000 / records;
  const used = process.cpuUsage(cpu);
  return { cpuMicros: (used.user + used.system) / records, wallMicros };
}

/** CPU per record of SHA-256 over every file's decompressed bytes, nothing else. */
function hashOnly(): number {
  const bodies = files.map((path) => gunzipSync(readFileSync(path)));
  const records = bodies.reduce(
    (sum, body) => sum + (body.toString('latin1').match(/"eventID"/g)?.length ?? 0),
    0,
  );
  const cpu = process.cpuUsage();
  for (const body of bodies) createHash('sha256').update(body).digest('hex');
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / records;
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const variants: { name: string; extensions: readonly FileExtension[] }[] = [
  { name: 'off', extensions: [] },
  { name: 'main-thread', extensions: [new LedgerExtension({ hashing: 'main-thread' })] },
  { name: 'worker', extensions: [new LedgerExtension({ hashing: 'worker' })] },
  // "off" twice: how far apart two identical sides come out, the harness's own noise.
  { name: 'offAgain', extensions: [] },
];
const measure = async (extensions: readonly FileExtension[]) => {
  collect();
  return run(extensions);
};
for (const variant of variants) await measure(variant.extensions); // warm-up
const rounds: PerRecord[][] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const results: PerRecord[] = [];
  for (let turn = 0; turn < variants.length; turn++) {
    const which = (round + turn) % variants.length;
    results[which] = await measure(variants[which]!.extensions);
  }
  rounds.push(results);
  console.log(
    `round ${round}: µs per record, CPU / wall-clock: ` +
      variants
        .map((v, i) => `${v.name} ${results[i]!.cpuMicros.toFixed(2)} / ${results[i]!.wallMicros.toFixed(2)}`)
        .join(', '),
  );
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const summary: Record<string, number> = { files: files.length, rounds: rounds.length };
variants.forEach((variant, i) => {
  summary[`${variant.name}CpuMicrosPerRecord`] = +median(rounds.map((r) => r[i]!.cpuMicros)).toFixed(2);
  summary[`${variant.name}WallMicrosPerRecord`] = +median(rounds.map((r) => r[i]!.wallMicros)).toFixed(2);
  if (i === 0) return;
  summary[`${variant.name}CpuOverOff`] = +median(
    rounds.map((r) => r[i]!.cpuMicros / r[0]!.cpuMicros),
  ).toFixed(3);
  summary[`${variant.name}WallOverOff`] = +median(
    rounds.map((r) => r[i]!.wallMicros / r[0]!.wallMicros),
  ).toFixed(3);
});
summary.sha256OnlyMicrosPerRecord = +median([hashOnly(), hashOnly(), hashOnly()]).toFixed(2);
console.log(JSON.stringify(summary));
