/**
 * `valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file node --max-semi-space-size=8
 *  build/scripts/bench-alerts-count.js DIR [--files N] [--alerts]`: one fixed run for counting
 * instructions (load-independent, unlike CPU time on a shared machine). The real pipeline indexes the
 * first N files of DIR once, two at a time, into the benchmark's null sink (another process, not
 * counted), with or without the alerts' matching (bench-alerts-extension.ts), and prints what it did.
 * The alerts' cost is the difference of the two processes' instruction counts, over the plain run's.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import { parseClusterInfo } from '../src/opensearch/cluster.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../src/pipeline/indexer.js';
import { createExtension } from './bench-alerts-extension.js';
import { startSink } from './bench-sink-process.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string', default: '20' }, alerts: { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-alerts-count.js DIR [--files N] [--alerts]');
const paths = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .sort()
  .slice(0, Number(values.files))
  .map((name) => join(dir, name));

const sink = await startSink('null');
const client = createClient({ endpoint: sink.url });
const indexer = new Indexer(
  client,
  {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix: 'cloudtrail-',
    // the null sink stands for a cluster: no detection, no template
    cluster: parseClusterInfo({ version: { number: '2.19.0', distribution: 'opensearch' } }, false),
  },
  silentTelemetry(),
  undefined,
  values.alerts ? [createExtension()] : [],
);
let records = 0;
let alertsMatched = 0;
for (let i = 0; i < paths.length; i += 2) {
  const outcomes = await Promise.all(paths.slice(i, i + 2).map((path) => indexer.indexLocalFile(path)));
  for (const outcome of outcomes) {
    if (outcome.error || outcome.indexed !== outcome.read) throw new Error(JSON.stringify(outcome));
    records += outcome.read;
    alertsMatched += outcome.extensions?.alerts?.matched ?? 0;
  }
}
console.log(JSON.stringify({ files: paths.length, records, alerts: values.alerts, alertsMatched }));
await client.close();
sink.child.kill();
