/**
 * `npm run bench -- [--records N] [--files-dir DIR] [--per-file M] [--sink null|devserver]`
 *
 * Measures the real pipeline (file → gunzip → split → documents → bulk HTTP) on generated CloudTrail
 * files against a bulk sink in another process, and, in the same run, an in-process baseline over the
 * same files: gunzip + JSON.parse + JSON.stringify of every record. Prints one JSON line last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { clientTransport } from '../src/bulk/transport.js';
import { generateCloudTrail } from '../src/generator/generate.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import { indexFile } from '../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { openLocalFile, walkFiles } from '../src/source/local.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../samples/cloudtrail', import.meta.url));

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'files-dir': { type: 'string' },
    'per-file': { type: 'string', default: '1000' },
    sink: { type: 'string', default: 'null' },
    concurrency: { type: 'string' },
  },
});

async function startSink(kind: string): Promise<{ url: string; child: ChildProcess }> {
  const script =
    kind === 'devserver'
      ? fileURLToPath(new URL('../../bin/cloudtrail-opensearch.js', import.meta.url))
      : fileURLToPath(new URL('./bench-sink.js', import.meta.url));
  const args = kind === 'devserver' ? [script, 'dev-server', '--port', '0'] : [script];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const url = /http:\/\/[\d.:]+/.exec(line.toString())?.[0];
  if (!url) throw new Error(`bench sink did not print its URL: ${line.toString()}`);
  return { url, child };
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
  const client = createClient({ endpoint: sink.url });
  const transport = clientTransport(client);
  const settings = {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix: 'cloudtrail-',
    bulkConcurrency: Number(values.concurrency ?? DEFAULT_PIPELINE_SETTINGS.bulkConcurrency),
  };
  const deadLetter = {
    target: 'memory',
    write: async (entries: unknown[]) => {
      throw new Error(`benchmark data produced ${entries.length} dead letters`);
    },
  };
  const rssStart = process.memoryUsage().rss;
  let records = 0;
  const started = process.hrtime.bigint();
  for (const path of files) {
    const outcome = await indexFile({ sourceName: path, key: path, stream: openLocalFile(path) }, settings, {
      transport,
      deadLetter,
      telemetry: silentTelemetry(),
      remainingTimeMs: () => Infinity,
    });
    if (outcome.error || outcome.indexed !== outcome.read)
      throw new Error(`${path}: ${JSON.stringify(outcome)}`);
    records += outcome.read;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await client.close();
  sink.child.kill();

  // Baseline, same files, same process, after the pipeline so its whole-file buffers don't inflate the peak.
  let uncompressedBytes = 0;
  let baselineRecords = 0;
  const baselineStarted = process.hrtime.bigint();
  for (const path of files) {
    const text = gunzipSync(readFileSync(path));
    uncompressedBytes += text.length;
    const parsed = JSON.parse(text.toString('utf8')) as { Records: unknown[] };
    for (const record of parsed.Records) {
      JSON.stringify(record);
      baselineRecords++;
    }
  }
  const baselineSeconds = Number(process.hrtime.bigint() - baselineStarted) / 1e9;
  if (generated) await rm(generated, { recursive: true, force: true });

  const result = {
    records,
    files: files.length,
    compressedMb: +(compressedBytes / 1048576).toFixed(1),
    uncompressedMb: +(uncompressedBytes / 1048576).toFixed(1),
    seconds: +seconds.toFixed(3),
    recordsPerSec: Math.round(records / seconds),
    mbPerSec: +(uncompressedBytes / 1048576 / seconds).toFixed(1),
    peakRssMb: Math.round(peakRssMb),
    rssStartMb: Math.round(rssStart / 1048576),
    baselineRecordsPerSec: Math.round(baselineRecords / baselineSeconds),
    baselineSeconds: +baselineSeconds.toFixed(3),
    ratioToBaseline: +(records / seconds / (baselineRecords / baselineSeconds)).toFixed(2),
    sink: values.sink,
    node: process.version,
  };
  console.log(JSON.stringify(result));
}

await main();
