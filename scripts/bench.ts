/**
 * `npm run bench -- [--records N] [--files-dir DIR] [--per-file M] [--sink null|devserver]
 *                   [--threads T] [--files-per-thread F] [--concurrency C] [--rounds R] [--kinesis null]
 *                   [--alerts] [--ledger [--ledger-hashing auto|worker|main-thread]]`
 *
 * Measures the real pipeline (file → gunzip → split → documents → bulk HTTP) on generated CloudTrail
 * files against a bulk sink in another process, on T threads with F files in flight per thread. The
 * pipeline runs in a process of its own (bench-pipeline-process.ts), as the indexer does in
 * production, with the indexer's V8 options; so its CPU time and peak RSS are its own. The default,
 * 1 thread × 2 files, is how the Lambda runs (one JavaScript thread, an SQS batch's files two at a
 * time); `--threads N` is how a `cloudtrail-opensearch index` backfill uses more cores (its default is
 * one thread per core, up to 4). This process measures the baseline over the same files in the same
 * run (bench-baseline.ts): gunzip + JSON.parse + JSON.stringify of every record, one thread, in
 * process, no network: what a plain Node script would do.
 *
 * Fairness: both are warmed up first (JIT) on the same files, then run alternately R times (pipeline,
 * baseline, pipeline, …) so a burst of load from other processes hits both; the ratio is taken per
 * round and the median reported. Rates are given per wall-clock second (`ratioToBaseline`) and per CPU
 * second (`cpuRatioToBaseline`: all of the pipeline process's threads, zlib's thread pool and the
 * workers included; the sink's CPU is reported apart). `peakRssMb` is the pipeline process's peak
 * RSS (warm-up and every round); `benchPeakRssMb` is this process's (file generation, baseline).
 * `--kinesis null` also sends every record to a Kinesis sink in another process (bench-kinesis-sink.ts,
 * PutRecords through the real AWS SDK client): the rates and peak RSS are then those of a file
 * delivered to both destinations.
 * `--ledger` keeps the ledger of every file as the indexer does (bench-ledger-extension.ts): the SHA-256
 * of its decompressed bytes (`--ledger-hashing` says on which thread; default the product's, main-thread)
 * and its entry written to the sink, which answers the ledger's requests as a cluster does.
 * Prints one JSON line last.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateCloudTrail } from '../src/generator/generate.js';
import { INDEXER_NODE_OPTIONS } from '../src/infra/env-schema.js';
import type { HashingMode } from '../src/ledger/hashing.js';
import { DEFAULT_FILES_PER_THREAD } from '../src/pipeline/parallel.js';
import { walkFiles } from '../src/source/local.js';
import { runBaseline } from './bench-baseline.js';
import type { PipelineProcessSetup, PipelineReply, PipelineRequest } from './bench-pipeline-process.js';
import { startSink } from './bench-sink-process.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../samples/cloudtrail', import.meta.url));

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'files-dir': { type: 'string' },
    'per-file': { type: 'string', default: '1000' },
    sink: { type: 'string', default: 'null' },
    threads: { type: 'string', default: '1' },
    'files-per-thread': { type: 'string', default: String(DEFAULT_FILES_PER_THREAD) },
    concurrency: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    kinesis: { type: 'string' },
    alerts: { type: 'boolean', default: false },
    ledger: { type: 'boolean', default: false },
    'ledger-hashing': { type: 'string', default: 'main-thread' },
  },
});

// Checked before any process is started, so a bad value cannot leave one behind.
const ledgerHashing = values['ledger-hashing'] as HashingMode;
if (!['auto', 'worker', 'main-thread'].includes(ledgerHashing))
  throw new Error(`--ledger-hashing ${ledgerHashing}: expected auto, worker or main-thread`);

/** What the sink tells of itself: its CPU milliseconds so far, and the single documents written to it
 * (the ledger's entries); the dev server does not tell: 0. */
async function sinkState(url: string): Promise<{ cpuMs: number; documents: number }> {
  try {
    const response = await fetch(`${url}/_bench/cpu`);
    const body = (await response.json()) as { cpuMs?: number; documents?: number };
    return { cpuMs: body.cpuMs ?? 0, documents: body.documents ?? 0 };
  } catch {
    return { cpuMs: 0, documents: 0 };
  }
}

async function sinkCpuMs(url: string): Promise<number> {
  return (await sinkState(url)).cpuMs;
}

interface Timing {
  records: number;
  seconds: number;
  cpuSeconds: number;
}

/** The pipeline's process (bench-pipeline-process.ts): `run` indexes files there and times them. */
async function startPipelineProcess(setup: PipelineProcessSetup) {
  const script = fileURLToPath(new URL('./bench-pipeline-process.js', import.meta.url));
  const child = fork(script, [JSON.stringify(setup)], { execArgv: [INDEXER_NODE_OPTIONS] });
  const next = async () => {
    const [reply] = (await once(child, 'message')) as [PipelineReply];
    if ('error' in reply) throw new Error(`pipeline process: ${reply.error}`);
    return reply;
  };
  await next(); // ready
  return {
    async run(paths: string[]): Promise<Timing> {
      child.send({ run: paths } satisfies PipelineRequest);
      return (await next()) as Timing;
    },
    /** Closes the pipeline and gives its process's peak RSS in MB. */
    async finish(): Promise<number> {
      child.send({ finish: true } satisfies PipelineRequest);
      return ((await next()) as { peakRssMb: number }).peakRssMb;
    },
  };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main() {
  let dir = values['files-dir'];
  let generated: string | undefined;
  if (!dir) {
    generated = dir = await mkdtemp(join(tmpdir(), 'ct-bench-'));
    await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: dir,
      records: Number(values.records),
      perFile: Number(values['per-file']),
      seed: 'bench',
      days: 2,
    });
  }
  const files: string[] = [];
  let compressedBytes = 0;
  for await (const file of walkFiles([dir])) {
    if (file.path.endsWith('.json.gz') && file.path.includes('_CloudTrail_')) {
      files.push(file.path);
      compressedBytes += file.size;
    }
  }

  const sink = await startSink(values.sink!);
  if (values.kinesis !== undefined && values.kinesis !== 'null')
    throw new Error(`--kinesis ${values.kinesis}: expected null (a Kinesis sink that stores nothing)`);
  const kinesisSink = values.kinesis ? await startSink('kinesis-null') : undefined;
  const threads = Number(values.threads);
  const filesPerThread = Number(values['files-per-thread']);
  const pipeline = await startPipelineProcess({
    endpoint: sink.url,
    threads,
    filesPerThread,
    bulkConcurrency: values.concurrency === undefined ? undefined : Number(values.concurrency),
    detectCluster: values.sink === 'devserver',
    kinesisEndpoint: kinesisSink?.url,
    alerts: values.alerts,
    ledger: values.ledger ? { hashing: ledgerHashing } : undefined,
  });
  let uncompressedBytes = 0;

  // Warm-up: both code paths compiled and the sink's connection open before anything is timed.
  const warm = files.slice(0, Math.max(1, Math.ceil(files.length / 10)));
  await pipeline.run(warm);
  runBaseline(warm);

  const rounds: { pipeline: Timing; baseline: Timing; sinkCpuSeconds: number }[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const sinkBefore = await sinkCpuMs(sink.url);
    const p = await pipeline.run(files);
    const sinkCpuSeconds = ((await sinkCpuMs(sink.url)) - sinkBefore) / 1000;
    const run = runBaseline(files);
    uncompressedBytes = run.bytes;
    const b: Timing = { records: run.records, seconds: run.seconds, cpuSeconds: run.cpuSeconds };
    rounds.push({ pipeline: p, baseline: b, sinkCpuSeconds });
    process.stderr.write(
      `round ${round + 1}: pipeline ${Math.round(p.records / p.seconds)} rec/s (${Math.round(p.records / p.cpuSeconds)} rec/cpu-s), ` +
        `baseline ${Math.round(b.records / b.seconds)} rec/s (${Math.round(b.records / b.cpuSeconds)} rec/cpu-s), ` +
        `ratio ${(p.records / p.seconds / (b.records / b.seconds)).toFixed(2)}\n`,
    );
  }
  const ledgerEntries = values.ledger ? (await sinkState(sink.url)).documents : undefined;
  const peakRssMb = await pipeline.finish();
  const benchPeakRssMb = process.resourceUsage().maxRSS / 1024;
  sink.child.kill();
  kinesisSink?.child.kill();
  if (generated) await rm(generated, { recursive: true, force: true });

  const rate = (t: Timing) => t.records / t.seconds;
  const cpuRate = (t: Timing) => t.records / t.cpuSeconds;
  const records = rounds[0]!.pipeline.records;
  const seconds = median(rounds.map((r) => r.pipeline.seconds));
  const result = {
    records,
    files: files.length,
    rounds: rounds.length,
    compressedMb: +(compressedBytes / 1048576).toFixed(1),
    uncompressedMb: +(uncompressedBytes / 1048576).toFixed(1),
    seconds: +seconds.toFixed(3),
    recordsPerSec: Math.round(median(rounds.map((r) => rate(r.pipeline)))),
    recordsPerSecMax: Math.round(Math.max(...rounds.map((r) => rate(r.pipeline)))),
    mbPerSec: +(uncompressedBytes / 1048576 / seconds).toFixed(1),
    recordsPerCpuSec: Math.round(median(rounds.map((r) => cpuRate(r.pipeline)))),
    sinkCpuSeconds: +median(rounds.map((r) => r.sinkCpuSeconds)).toFixed(2),
    peakRssMb: Math.round(peakRssMb),
    benchPeakRssMb: Math.round(benchPeakRssMb),
    threads,
    filesPerThread,
    baselineRecordsPerSec: Math.round(median(rounds.map((r) => rate(r.baseline)))),
    baselineRecordsPerSecMax: Math.round(Math.max(...rounds.map((r) => rate(r.baseline)))),
    baselineRecordsPerCpuSec: Math.round(median(rounds.map((r) => cpuRate(r.baseline)))),
    baselineSeconds: +median(rounds.map((r) => r.baseline.seconds)).toFixed(3),
    ratioToBaseline: +median(rounds.map((r) => rate(r.pipeline) / rate(r.baseline))).toFixed(2),
    cpuRatioToBaseline: +median(rounds.map((r) => cpuRate(r.pipeline) / cpuRate(r.baseline))).toFixed(2),
    sink: values.sink,
    kinesis: values.kinesis ?? 'off',
    ledger: values.ledger ? ledgerHashing : 'off',
    ...(ledgerEntries === undefined ? {} : { ledgerEntries }),
    node: process.version,
  };
  console.log(JSON.stringify(result));
}

await main();
