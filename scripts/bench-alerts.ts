/**
 * `node --max-semi-space-size=8 --expose-gc build/scripts/bench-alerts.js DIR [--rounds N] [--files N] [--aa]`
 * (the indexer's V8 options, and collections between runs): what matching the
 * built-in alert rules costs the indexer. The real pipeline (read, gunzip, split, build documents, bulk
 * over HTTP to the benchmark's null sink in another process) indexes the same files with and without
 * the alerts extension (bench-alerts-extension.ts: matching and confirming, no delivery), in this one
 * process, round by round in turn, the order alternating; each run starts after a full collection. The
 * ratio is taken per pair of rounds, so load from other processes hits both sides, and the median is
 * reported: `alertsOverPlain` 1.05 means the alerts cost 5 % of the pipeline's CPU.
 * Prints one line per round and one JSON line last.
 */
import { parseArgs } from 'node:util';
import { createClient } from '../src/opensearch/client.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import type { FileExtension } from '../src/pipeline/extensions.js';
import { Indexer } from '../src/pipeline/indexer.js';
import { createExtension } from './bench-alerts-extension.js';
import { benchFiles, indexAll, NULL_SINK_SETTINGS } from './bench-alerts-run.js';
import { startSink } from './bench-sink-process.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '9' },
    files: { type: 'string', default: '100' },
    // A second plain side in every round: the ratio of two identical sides is the noise floor.
    aa: { type: 'boolean', default: false },
  },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-alerts.js DIR [--rounds N] [--files N]');
const paths = benchFiles(dir, Number(values.files));

const sink = await startSink('null');
const client = createClient({ endpoint: sink.url });
const alerts = createExtension();
let alertsMatched = 0;

/** CPU µs per record of indexing every file, two at a time (as one Lambda thread does). */
async function run(indexer: Indexer): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const { records, alertsMatched: matched } = await indexAll(indexer, paths);
  alertsMatched += matched;
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / records;
}

const sides = (values.aa ? [[], [alerts], []] : [[], [alerts]]).map(
  (extensions: FileExtension[]) =>
    new Indexer(client, NULL_SINK_SETTINGS, silentTelemetry(), undefined, extensions),
);
for (const side of sides) await run(side); // warm-up
const rounds: number[][] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const micros = sides.map(() => 0);
  // Rotate the order so no side always runs first (or right after a collection of the other's garbage).
  for (let step = 0; step < sides.length; step++) {
    const which = (round + step) % sides.length;
    micros[which] = await run(sides[which]!);
  }
  rounds.push(micros);
  console.log(
    `round ${round}: plain ${micros[0]!.toFixed(2)} / alerts ${micros[1]!.toFixed(2)}` +
      (values.aa ? ` / plain again ${micros[2]!.toFixed(2)}` : '') +
      ' µs of CPU per record',
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/**
 * A 95 % interval for the median of the per-round ratios, from the order statistics (the binomial
 * bound, normal approximation): no assumption about how the ratios are distributed.
 */
function medianInterval(xs: number[]): [number, number] {
  const sorted = [...xs].sort((a, b) => a - b);
  const half = 0.98 * Math.sqrt(sorted.length);
  const low = Math.max(0, Math.floor(sorted.length / 2 - half));
  const high = Math.min(sorted.length - 1, Math.ceil(sorted.length / 2 + half));
  return [+sorted[low]!.toFixed(3), +sorted[high]!.toFixed(3)];
}
const alertsRatios = rounds.map((r) => r[1]! / r[0]!);
const aaRatios = rounds.map((r) => r[2]! / r[0]!);
console.log(
  JSON.stringify({
    files: paths.length,
    rounds: rounds.length,
    alertsPerRun: alertsMatched / (rounds.length + 1),
    plainMicrosPerRecord: +median(rounds.map((r) => r[0]!)).toFixed(2),
    alertsMicrosPerRecord: +median(rounds.map((r) => r[1]!)).toFixed(2),
    alertsOverPlain: +median(alertsRatios).toFixed(3),
    alertsOverPlainInterval95: medianInterval(alertsRatios),
    ...(values.aa
      ? { plainOverPlain: +median(aaRatios).toFixed(3), plainOverPlainInterval95: medianInterval(aaRatios) }
      : {}),
  }),
);
await client.close();
sink.child.kill();
