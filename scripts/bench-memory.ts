/**
 * `npm run bench:memory -- [--records N] [--file PATH]`
 *
 * Single-file memory benchmark: one CloudTrail file of ≥ 1 GiB of JSON (default 720,000 records,
 * gzip level 1) streamed through the real pipeline to the bench sink, in a fresh process so nothing
 * else is counted, with the Lambda's V8 options (INDEXER_NODE_OPTIONS). Prints one JSON line: the file's size, the child's RSS before the file was
 * opened, its peak RSS (the figure to keep ≤ 150 MB), time and rate. `--file` reuses a file made
 * earlier (generation takes longer than indexing); without it the file is generated and deleted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { clientTransport } from '../src/bulk/transport.js';
import { generateCloudTrail } from '../src/generator/generate.js';
import { INDEXER_NODE_OPTIONS } from '../src/infra/env-schema.js';
import { createClient } from '../src/opensearch/client.js';
import { openLocalFile } from '../src/source/local.js';
import { indexBenchFile } from './bench-pipeline.js';
import { startSink } from './bench-sink-process.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../samples/cloudtrail', import.meta.url));

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '720000' },
    file: { type: 'string' },
    child: { type: 'string' },
    endpoint: { type: 'string' },
  },
});

/** In the child: index the file, print what the parent reports. */
async function child(file: string, endpoint: string) {
  const client = createClient({ endpoint });
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const outcome = await indexBenchFile(file, clientTransport(client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await client.close();
  console.log(
    JSON.stringify({
      records: outcome.read,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      rssBeforeMb: rssBefore / 1048576,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      heapUsedEndMb: process.memoryUsage().heapUsed / 1048576,
    }),
  );
}

async function parent() {
  let file = values.file;
  let dir: string | undefined;
  if (!file) {
    dir = await mkdtemp(join(tmpdir(), 'ct-bench-memory-'));
    const records = Number(values.records);
    const generated = await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: dir,
      records,
      perFile: records,
      seed: 'memory',
      gzipLevel: 1,
    });
    file = generated.files[0]!;
  }
  const sink = await startSink();
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      // The child runs with the Lambda's V8 options (cloudformation.yml), as the indexer does.
      [INDEXER_NODE_OPTIONS, fileURLToPath(import.meta.url), '--child', file, '--endpoint', sink.url],
      { maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(stdout) as {
      records: number;
      seconds: number;
      cpuSeconds: number;
      rssBeforeMb: number;
      peakRssMb: number;
      heapUsedEndMb: number;
    };
    const compressed = (await stat(file)).size;
    const { uncompressedBytes } = await measureUncompressed(file);
    console.log(
      JSON.stringify({
        records: result.records,
        compressedMb: +(compressed / 1048576).toFixed(1),
        uncompressedMb: +(uncompressedBytes / 1048576).toFixed(1),
        atLeastOneGiB: uncompressedBytes >= 1024 ** 3,
        seconds: +result.seconds.toFixed(2),
        recordsPerSec: Math.round(result.records / result.seconds),
        recordsPerCpuSec: Math.round(result.records / result.cpuSeconds),
        rssBeforeMb: Math.round(result.rssBeforeMb),
        peakRssMb: Math.round(result.peakRssMb),
        rssGrowthMb: Math.round(result.peakRssMb - result.rssBeforeMb),
        node: process.version,
      }),
    );
  } finally {
    sink.child.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Decompressed size, streamed (the file is too big to inflate in memory). */
async function measureUncompressed(file: string): Promise<{ uncompressedBytes: number }> {
  const { createGunzip } = await import('node:zlib');
  let uncompressedBytes = 0;
  for await (const chunk of openLocalFile(file).pipe(createGunzip({ chunkSize: 1 << 20 })))
    uncompressedBytes += (chunk as Buffer).length;
  return { uncompressedBytes };
}

if (values.child) await child(values.child, values.endpoint!);
else await parent();
