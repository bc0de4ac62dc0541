/**
 * `npm run bench -- [--records N] [--files-dir DIR] [--per-file M] [--sink null|devserver]
 *                   [--threads T] [--files-per-thread F] [--concurrency C] [--rounds R]`
 *
 * Measures the real pipeline (file → gunzip → split → documents → bulk HTTP) on generated CloudTrail
 * files against a bulk sink in another process, on T threads with F files in flight per thread.
 * The default, 1 thread × 2 files, is how the Lambda runs at its default 512 MB (one JavaScript
 * thread, an SQS batch's files two at a time); `--threads N` is how a `cloudtrail-opensearch index`
 * backfill uses more cores (its default is one thread per core, up to 4). In the same run
 * and process it measures the baseline over the same files (bench-baseline.ts): gunzip + JSON.parse +
 * JSON.stringify of every record, one thread, no network: what a plain Node script would do.
 *
 * Fairness: both are warmed up first (JIT) on the same files, then run alternately R times (pipeline,
 * baseline, pipeline, …) so a burst of load from other processes hits both; the ratio is taken per
 * round and the median reported. Rates are given per wall-clock second (`ratioToBaseline`) and per CPU
 * second (`cpuRatioToBaseline`: all of this process's threads, zlib's thread pool and the workers
 * included; the sink's CPU is reported apart). `peakRssMb` is the whole process's peak (pipeline,
 * worker threads, baseline and file generation); `pipelinePeakRssMb` is sampled every 10 ms while
 * the pipeline runs.
 * Prints one JSON line last.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateCloudTrail } from '../src/generator/generate.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import type { ClusterInfo } from '../src/opensearch/cluster.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../src/pipeline/indexer.js';
import { DEFAULT_FILES_PER_THREAD, indexInParallel } from '../src/pipeline/parallel.js';
import { targetName, type FileTarget } from '../src/pipeline/runner.js';
import { startRunners } from '../src/pipeline/workerRunner.js';
import { walkFiles } from '../src/source/local.js';
import { runBaseline } from './bench-baseline.js';
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
  },
});

/** CPU milliseconds the sink has used so far (the dev server does not tell: 0). */
async function sinkCpuMs(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/_bench/cpu`);
    const body = (await response.json()) as { cpuMs?: number };
    return body.cpuMs ?? 0;
  } catch {
    return 0;
  }
}

interface Timing {
  records: number;
  seconds: number;
  cpuSeconds: number;
}

const NULL_SINK_CLUSTER: ClusterInfo = {
  distribution: 'opensearch',
  version: '2.19.0',
  major: 2,
  minor: 19,
  serverless: false,
  supportsFlatObject: true,
};

async function timed(run: () => Promise<number>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const records = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { records, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
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
  const connection = { endpoint: sink.url };
  const client = createClient(connection);
  const options: IndexerOptions = {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix: 'cloudtrail-',
    bulkConcurrency: Number(values.concurrency ?? DEFAULT_PIPELINE_SETTINGS.bulkConcurrency),
    // The null sink is not a cluster: say what it stands for instead of installing a template on it.
    cluster: values.sink === 'devserver' ? undefined : NULL_SINK_CLUSTER,
  };
  const indexer = new Indexer(client, options, silentTelemetry());
  const threads = Number(values.threads);
  const filesPerRunner = Number(values['files-per-thread']);
  const runners = await startRunners(indexer, threads, { connection, options, logLevel: 'ERROR' });
  const pipeline = async (paths: string[]) => {
    let records = 0;
    const targets: FileTarget[] = paths.map((path) => ({ kind: 'local', path }));
    await indexInParallel(targets, {
      runners,
      filesPerRunner,
      onOutcome: (outcome, target) => {
        // Generated data must index cleanly: anything else is a bug, not a result.
        if (outcome.error || outcome.indexed !== outcome.read)
          throw new Error(`${targetName(target)}: ${JSON.stringify(outcome)}`);
        records += outcome.read;
      },
    });
    return records;
  };
  let uncompressedBytes = 0;

  const rssStart = process.memoryUsage().rss;
  // Warm-up: both code paths compiled and the sink's connection open before anything is timed.
  const warm = files.slice(0, Math.max(1, Math.ceil(files.length / 10)));
  await pipeline(warm);
  runBaseline(warm);

  // RSS sampled while the pipeline runs: tells its peak from the baseline's (maxRSS covers both).
  let pipelinePeakRss = 0;
  const sampleRss = () => {
    pipelinePeakRss = Math.max(pipelinePeakRss, process.memoryUsage.rss());
  };
  const rounds: { pipeline: Timing; baseline: Timing; sinkCpuSeconds: number }[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const sinkBefore = await sinkCpuMs(sink.url);
    const sampler = setInterval(sampleRss, 10);
    const p = await timed(() => pipeline(files));
    clearInterval(sampler);
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
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await Promise.all(runners.map((runner) => runner.close()));
  await client.close();
  sink.child.kill();
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
    pipelinePeakRssMb: Math.round(pipelinePeakRss / 1048576),
    threads,
    filesPerThread: filesPerRunner,
    rssStartMb: Math.round(rssStart / 1048576),
    baselineRecordsPerSec: Math.round(median(rounds.map((r) => rate(r.baseline)))),
    baselineRecordsPerSecMax: Math.round(Math.max(...rounds.map((r) => rate(r.baseline)))),
    baselineRecordsPerCpuSec: Math.round(median(rounds.map((r) => cpuRate(r.baseline)))),
    baselineSeconds: +median(rounds.map((r) => r.baseline.seconds)).toFixed(3),
    ratioToBaseline: +median(rounds.map((r) => rate(r.pipeline) / rate(r.baseline))).toFixed(2),
    cpuRatioToBaseline: +median(rounds.map((r) => cpuRate(r.pipeline) / cpuRate(r.baseline))).toFixed(2),
    sink: values.sink,
    node: process.version,
  };
  console.log(JSON.stringify(result));
}

await main();
