/**
 * `valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file node --max-semi-space-size=8
 *  build/scripts/bench-alerts-count.js DIR [--files N] [--alerts]`: one fixed run for counting
 * instructions (load-independent, unlike CPU time on a shared machine). The real pipeline indexes the
 * first N files of DIR once, two at a time, into the benchmark's null sink (another process, not
 * counted), with or without the alerts' matching (bench-alerts-extension.ts), and prints what it did.
 * The alerts' cost is the difference of the two processes' instruction counts, over the plain run's.
 */
import { parseArgs } from 'node:util';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import { Indexer } from '../src/pipeline/indexer.js';
import { createExtension } from './bench-alerts-extension.js';
import { benchFiles, indexAll, NULL_SINK_SETTINGS } from './bench-alerts-run.js';
import { startSink } from './bench-sink-process.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string', default: '20' }, alerts: { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-alerts-count.js DIR [--files N] [--alerts]');
const paths = benchFiles(dir, Number(values.files));

const sink = await startSink('null');
const client = createClient({ endpoint: sink.url });
const indexer = new Indexer(
  client,
  NULL_SINK_SETTINGS,
  silentTelemetry(),
  undefined,
  values.alerts ? [createExtension()] : [],
);
const { records, alertsMatched } = await indexAll(indexer, paths);
console.log(JSON.stringify({ files: paths.length, records, alerts: values.alerts, alertsMatched }));
await client.close();
sink.child.kill();
