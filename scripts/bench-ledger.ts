/**
 * `node --expose-gc build/scripts/bench-ledger.js DIR [--rounds N] [--sink] [--worker]`: what the ledger
 * costs the pipeline, per record, in CPU (every thread of the process) and in wall-clock time, taken
 * apart. The ledger only opens for S3 objects, so each file here is indexed as if it came from a bucket.
 * Bulk requests are answered in memory (the pipeline's own work, not a server's, is measured). The
 * ledger's requests are answered in memory too, or with `--sink` go over real HTTP through the product's
 * HTTP layer to the benchmark's sink in another process (bench-sink.ts, which answers them as a cluster
 * does), as in `npm run bench -- --ledger`.
 *
 * Sides, each a whole pass over the files:
 * - `off`: no extension; `offAgain`: the same a second time, to show the harness's own noise (A/A);
 * - `ledger`: the LedgerExtension as the indexer runs it (SHA-256 on the pipeline's thread);
 * - `noHash`: the same with the decoded bytes not given to it (no SHA-256; records noted, entry written);
 * - `entryOnly`: neither bytes nor records given to it: only the entry's requests at the end of a file;
 * - with `--sink`, `ledgerInMemory`: `ledger` with its requests answered in memory (no HTTP), and
 *   `waitOnly`: no ledger, each file idle 1 ms at its end (a round trip's wait without its work);
 * - `worker` (with `--worker`): the SHA-256 on a hashing thread;
 * - `comparedLedger`, `comparedEntryOnly` (with `--compare ROOT`): `ledger` and `entryOnly` with the
 *   LedgerExtension of another built tree (e.g. main), for an A/B of two ledgers in the same run.
 * So ledger − noHash is the hash, noHash − entryOnly the per-record notes, entryOnly − off the requests.
 * Every file of every pass is a new object (its key carries the pass number): the common path, a file
 * processed for the first time. The sides take turns round by round (the order rotating); each ratio to
 * `off` is taken per round and its median reported, so load on a shared machine hits every side. The
 * ledger's requests per file and the SHA-256 of the decompressed bytes alone are reported too.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DocumentMemory } from '../src/documents/builder.js';
import { clientHttp, type HttpCaller, type HttpRequest } from '../src/http/request.js';
import { LedgerExtension } from '../src/ledger/extension.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import type { FileExtension, FileObserver } from '../src/pipeline/extensions.js';
import { indexFile } from '../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { openLocalFile } from '../src/source/local.js';
import { startSink } from './bench-sink-process.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '10' },
    sink: { type: 'boolean', default: false },
    worker: { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});
const dir = positionals[0];
if (dir === undefined)
  throw new Error('usage: bench-ledger.js DIR [--rounds N] [--sink] [--worker] [--compare ROOT]');
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

/** The cluster as the ledger sees it without `--sink`: no entry yet (GET 404), every write accepted. */
const inMemoryLedger: HttpCaller = {
  request: async (request: HttpRequest) =>
    request.method === 'GET' ? { statusCode: 404, body: { found: false } } : { statusCode: 201, body: {} },
};

const sink = values.sink ? await startSink('null') : undefined;
const client = sink && createClient({ endpoint: sink.url });
/** The ledger's requests of the pass being timed, counted so the report can say how many a file costs. */
let ledgerRequests = 0;
const counted = (target: HttpCaller): HttpCaller => ({
  request: (request, limits) => {
    ledgerRequests++;
    return target.request(request, limits);
  },
});
const ledgerHttp = counted(client ? clientHttp(client) : inMemoryLedger);

const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };
const memory = new DocumentMemory();

/**
 * CPU microseconds the process's main thread (the pipeline's) has used, from /proc (10 ms ticks):
 * the rest of `process.cpuUsage()` is other threads' (zlib's pool, the GC's helpers, a hashing thread).
 */
function mainThreadCpuMicros(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
  // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MICROS;
}
const CLOCK_TICK_MICROS = 10_000;

interface PerRecord {
  cpuMicros: number;
  /** Of which the main thread's. */
  mainThreadCpuMicros: number;
  wallMicros: number;
  requestsPerFile: number;
}

/** Each pass's files are new objects to the ledger: their keys carry the pass's number. */
let pass = 0;

async function run(extensions: readonly FileExtension[], http: HttpCaller): Promise<PerRecord> {
  pass++;
  ledgerRequests = 0;
  const cpu = process.cpuUsage();
  const mainThreadBefore = mainThreadCpuMicros();
  const started = process.hrtime.bigint();
  let records = 0;
  for (let i = 0; i < files.length; i += 2) {
    const pair = files.slice(i, i + 2).map((path) =>
      indexFile(
        { sourceName: path, bucket: 'bench-trail', key: `pass-${pass}/${path}`, stream: openLocalFile(path) },
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
          http,
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
  return {
    cpuMicros: (used.user + used.system) / records,
    mainThreadCpuMicros: (mainThreadCpuMicros() - mainThreadBefore) / records,
    wallMicros,
    requestsPerFile: ledgerRequests / files.length,
  };
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

/**
 * The ledger with parts of its work withheld, to take its cost apart: without `bytes` its observer
 * never sees the decoded bytes (no hash), without `records` never a record. Its entry is still written.
 */
function withheld(ledger: LedgerExtension, pass: { bytes: boolean; records: boolean }): FileExtension {
  return {
    name: ledger.name,
    openFile(file, context) {
      const observer = ledger.openFile(file, context);
      if (observer === undefined) return undefined;
      const partial: FileObserver = { finish: (outcome) => observer.finish!(outcome) };
      if (pass.bytes) partial.onDecodedBytes = (chunk) => observer.onDecodedBytes!(chunk);
      if (pass.records) partial.onRecord = (record) => observer.onRecord!(record);
      return partial;
    },
  };
}

/**
 * Another tree's LedgerExtension (`--compare ROOT`, built), run by this tree's pipeline: an A/B of two
 * ledgers in one process, their sides taking turns with the others.
 */
async function comparedLedger(root: string | undefined): Promise<(new () => LedgerExtension) | undefined> {
  if (root === undefined) return undefined;
  const module = (await import(pathToFileURL(join(resolve(root), 'build/src/ledger/extension.js')).href)) as {
    LedgerExtension: new () => LedgerExtension;
  };
  return module.LedgerExtension;
}
const ComparedLedger = await comparedLedger(values.compare);

/**
 * An extension that does nothing but keep each file waiting `ms` at its end, as a request's round trip
 * does: whether the wait alone (the thread idle, other processes running) costs the pipeline CPU.
 */
function waitingAtEnd(ms: number): FileExtension {
  return {
    name: 'wait',
    openFile: () => ({ finish: () => new Promise<void>((done) => setTimeout(done, ms)) }),
  };
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const variants: { name: string; extensions: readonly FileExtension[]; http?: HttpCaller }[] = [
  { name: 'off', extensions: [] },
  { name: 'ledger', extensions: [new LedgerExtension({ hashing: 'main-thread' })] },
  { name: 'noHash', extensions: [withheld(new LedgerExtension(), { bytes: false, records: true })] },
  { name: 'entryOnly', extensions: [withheld(new LedgerExtension(), { bytes: false, records: false })] },
  // Over HTTP, the same ledger answered in memory (the requests' own cost), and a wait without a request.
  ...(sink
    ? [
        { name: 'ledgerInMemory', extensions: [new LedgerExtension()], http: counted(inMemoryLedger) },
        { name: 'waitOnly', extensions: [waitingAtEnd(1)] },
      ]
    : []),
  ...(ComparedLedger
    ? [
        { name: 'comparedLedger', extensions: [new ComparedLedger()] },
        {
          name: 'comparedEntryOnly',
          extensions: [withheld(new ComparedLedger(), { bytes: false, records: false })],
        },
      ]
    : []),
  ...(values.worker ? [{ name: 'worker', extensions: [new LedgerExtension({ hashing: 'worker' })] }] : []),
  // "off" twice: how far apart two identical sides come out, the harness's own noise.
  { name: 'offAgain', extensions: [] },
];
const measure = async (variant: (typeof variants)[number]) => {
  collect();
  return run(variant.extensions, variant.http ?? ledgerHttp);
};
for (const variant of variants) await measure(variant); // warm-up
const rounds: PerRecord[][] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const results: PerRecord[] = [];
  for (let turn = 0; turn < variants.length; turn++) {
    const which = (round + turn) % variants.length;
    results[which] = await measure(variants[which]!);
  }
  rounds.push(results);
  console.log(
    `round ${round}: µs per record, CPU (main thread) / wall-clock: ` +
      variants
        .map((v, i) => {
          const { cpuMicros, mainThreadCpuMicros, wallMicros } = results[i]!;
          return `${v.name} ${cpuMicros.toFixed(2)} (${mainThreadCpuMicros.toFixed(2)}) / ${wallMicros.toFixed(2)}`;
        })
        .join(', '),
  );
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const summary: Record<string, number | string> = {
  files: files.length,
  rounds: rounds.length,
  ledgerHttp: sink ? 'sink' : 'in-memory',
};
variants.forEach((variant, i) => {
  summary[`${variant.name}CpuMicrosPerRecord`] = +median(rounds.map((r) => r[i]!.cpuMicros)).toFixed(2);
  summary[`${variant.name}MainThreadCpuMicrosPerRecord`] = +median(
    rounds.map((r) => r[i]!.mainThreadCpuMicros),
  ).toFixed(2);
  summary[`${variant.name}WallMicrosPerRecord`] = +median(rounds.map((r) => r[i]!.wallMicros)).toFixed(2);
  if (i === 0) return;
  summary[`${variant.name}CpuOverOff`] = +median(
    rounds.map((r) => r[i]!.cpuMicros / r[0]!.cpuMicros),
  ).toFixed(3);
  summary[`${variant.name}MainThreadCpuOverOff`] = +median(
    rounds.map((r) => r[i]!.mainThreadCpuMicros / r[0]!.mainThreadCpuMicros),
  ).toFixed(3);
  summary[`${variant.name}WallOverOff`] = +median(
    rounds.map((r) => r[i]!.wallMicros / r[0]!.wallMicros),
  ).toFixed(3);
  summary[`${variant.name}RequestsPerFile`] = rounds[0]![i]!.requestsPerFile;
});
// The two ledgers against each other, round by round, where `--compare` gave a second one.
const at = (name: string) => variants.findIndex((variant) => variant.name === name);
if (ComparedLedger) {
  for (const [mine, theirs] of [
    ['ledger', 'comparedLedger'],
    ['entryOnly', 'comparedEntryOnly'],
  ] as const) {
    summary[`${mine}CpuOverCompared`] = +median(
      rounds.map((r) => r[at(mine)]!.cpuMicros / r[at(theirs)]!.cpuMicros),
    ).toFixed(3);
  }
}
summary.sha256OnlyMicrosPerRecord = +median([hashOnly(), hashOnly(), hashOnly()]).toFixed(2);
console.log(JSON.stringify(summary));
await client?.close();
sink?.child.kill();
