/**
 * `node build/scripts/bench-layouts.js DIR… [--big FILE] [--runs 5]`
 *
 * The cost table's memory and rate figures, cold: for each layout (each DIR of generated files, e.g.
 * 200,000 records in files of 1,000, 5,000 and 50,000; and `--big`, one file of ≥ 1 GiB of JSON), each
 * run starts a fresh pipeline process (bench-pipeline-process.ts: the real Indexer, one thread, default
 * settings, the indexer's V8 options, no warm-up: what a Lambda's first invocation does) that indexes
 * the layout's files once into the null bulk sink, then exits with its peak RSS. The baseline
 * (bench-baseline.ts: gunzip + JSON.parse + JSON.stringify) runs over the same files in a fresh process
 * of its own just before or after (the order alternates run by run), so a burst of load hits both
 * sides of a pair. The layouts take turns within each run. The big file has no baseline: it parses a
 * whole file at once, and a file's text over V8's string limit (about 512 MB) cannot be parsed.
 *
 * Prints one JSON line per layout when all runs are done: medians over the runs, the worst peak RSS
 * and every run's peak RSS and ratios, and the 1-minute load average seen (peak RSS depends on the
 * settings, not on the load; the rates and their ratios do depend on it).
 */
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { INDEXER_NODE_OPTIONS } from '../src/infra/env-schema.js';
import { DEFAULT_FILES_PER_THREAD } from '../src/pipeline/parallel.js';
import { walkFiles } from '../src/source/local.js';
import { runBaseline, type BaselineRun } from './bench-baseline.js';
import type { PipelineProcessSetup, PipelineReply, PipelineRequest } from './bench-pipeline-process.js';
import { startSink } from './bench-sink-process.js';

const PIPELINE_PROCESS = fileURLToPath(new URL('./bench-pipeline-process.js', import.meta.url));

interface Layout {
  name: string;
  files: string[];
  /** Whether the baseline can run it (it holds each file's whole text at once). */
  baseline: boolean;
}

interface PipelineRun {
  records: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

interface Run {
  pipeline: PipelineRun;
  baseline?: BaselineRun;
  loadAverage: number;
}

/** The CloudTrail log files under `dir`, in walk order. */
async function logFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const file of walkFiles([dir]))
    if (file.path.endsWith('.json.gz') && file.path.includes('_CloudTrail_')) files.push(file.path);
  if (files.length === 0) throw new Error(`${dir}: no CloudTrail .json.gz files`);
  return files;
}

/** One cold pipeline process: starts, indexes `files` once, reports its timing and peak RSS, exits. */
async function coldPipeline(files: string[], endpoint: string): Promise<PipelineRun> {
  const setup: PipelineProcessSetup = {
    endpoint,
    threads: 1,
    filesPerThread: DEFAULT_FILES_PER_THREAD,
    detectCluster: false,
  };
  const child = fork(PIPELINE_PROCESS, [JSON.stringify(setup)], { execArgv: [INDEXER_NODE_OPTIONS] });
  const exited = once(child, 'exit');
  const reply = async (): Promise<PipelineReply> => {
    const [message] = (await once(child, 'message')) as [PipelineReply];
    if ('error' in message) throw new Error(`pipeline process: ${message.error}`);
    return message;
  };
  try {
    await reply(); // ready
    child.send({ run: files } satisfies PipelineRequest);
    const timing = (await reply()) as Omit<PipelineRun, 'peakRssMb'>;
    child.send({ finish: true } satisfies PipelineRequest);
    const { peakRssMb } = (await reply()) as { peakRssMb: number };
    return { ...timing, peakRssMb };
  } finally {
    if (child.exitCode === null) child.kill();
    await exited;
  }
}

/** The baseline over `files` in a fresh process (this script with `--baseline-child`). */
async function coldBaseline(dir: string): Promise<BaselineRun> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--baseline-child', dir], {
    maxBuffer: 1 << 16,
  });
  return JSON.parse(stdout) as BaselineRun;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round2 = (value: number) => +value.toFixed(2);

function summary(layout: Layout, runs: Run[]): Record<string, unknown> {
  const rate = (t: { records: number; seconds: number }) => t.records / t.seconds;
  const cpuRate = (t: { records: number; cpuSeconds: number }) => t.records / t.cpuSeconds;
  const peaks = runs.map((run) => Math.round(run.pipeline.peakRssMb));
  const paired = runs.filter((run): run is Run & { baseline: BaselineRun } => run.baseline !== undefined);
  const ratios = paired.map((run) => rate(run.pipeline) / rate(run.baseline));
  const cpuRatios = paired.map((run) => cpuRate(run.pipeline) / cpuRate(run.baseline));
  const loads = runs.map((run) => run.loadAverage);
  return {
    layout: layout.name,
    files: layout.files.length,
    records: runs[0]!.pipeline.records,
    runs: runs.length,
    peakRssMb: median(peaks),
    peakRssMbWorst: Math.max(...peaks),
    peakRssMbRuns: peaks,
    recordsPerSec: Math.round(median(runs.map((run) => rate(run.pipeline)))),
    recordsPerCpuSec: Math.round(median(runs.map((run) => cpuRate(run.pipeline)))),
    ...(paired.length > 0
      ? {
          baselineRecordsPerSec: Math.round(median(paired.map((run) => rate(run.baseline)))),
          baselineRecordsPerCpuSec: Math.round(median(paired.map((run) => cpuRate(run.baseline)))),
          ratioToBaseline: round2(median(ratios)),
          ratioToBaselineRuns: ratios.map(round2),
          cpuRatioToBaseline: round2(median(cpuRatios)),
          cpuRatioToBaselineRuns: cpuRatios.map(round2),
        }
      : { ratioToBaseline: null }),
    loadAverage1m: [round2(Math.min(...loads)), round2(Math.max(...loads))],
    node: process.version,
  };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      big: { type: 'string' },
      runs: { type: 'string', default: '5' },
      'baseline-child': { type: 'string' },
    },
  });
  const baselineDir = values['baseline-child'];
  if (baselineDir !== undefined) {
    console.log(JSON.stringify(runBaseline(await logFiles(baselineDir))));
    return;
  }
  const runCount = Number(values.runs);
  if (!Number.isInteger(runCount) || runCount < 1) throw new Error(`--runs ${values.runs}: not a count`);
  if (positionals.length === 0 && values.big === undefined)
    throw new Error('usage: bench-layouts DIR… [--big FILE] [--runs N]');

  const layouts: (Layout & { dir?: string })[] = [];
  for (const dir of positionals) {
    const files = await logFiles(dir);
    layouts.push({ name: dir, dir, files, baseline: true });
  }
  if (values.big !== undefined) layouts.push({ name: values.big, files: [values.big], baseline: false });

  const sink = await startSink('null');
  const runs = layouts.map((): Run[] => []);
  try {
    for (let run = 0; run < runCount; run++) {
      for (const [position, layout] of layouts.entries()) {
        const loadAverage = loadavg()[0]!;
        const baselineFirst = run % 2 === 1;
        let baseline: BaselineRun | undefined;
        if (layout.baseline && baselineFirst) baseline = await coldBaseline(layout.dir!);
        const pipeline = await coldPipeline(layout.files, sink.url);
        if (layout.baseline && !baselineFirst) baseline = await coldBaseline(layout.dir!);
        runs[position]!.push({ pipeline, baseline, loadAverage });
        // Each run as it ends, so a long session's partial results are not lost.
        process.stderr.write(
          JSON.stringify({ run: run + 1, layout: layout.name, pipeline, baseline, loadAverage }) + '\n',
        );
      }
    }
  } finally {
    sink.child.kill();
  }
  for (const [position, layout] of layouts.entries())
    console.log(JSON.stringify(summary(layout, runs[position]!)));
}

await main();
