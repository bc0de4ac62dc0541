/**
 * `npm run bench:cold -- [--runs N] [--no-bundle]`
 *
 * Cold start of the indexer Lambda as deployed: bundles it (`scripts/bundle.mjs`, unless
 * `--no-bundle`), reports the size of dist/indexer.zip, unzips it into an empty directory (no
 * node_modules above it), then N times starts a fresh `node` process that loads the bundle and
 * handles one S3 event for one small sample file, against s3rver and the dev server. Reports the
 * load time (require of index.js), the first event's handling time and the whole process's wall
 * time (spawn to exit), min and median.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import S3rver from 's3rver';
import { startSink } from './bench-sink-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY =
  'AWSLogs/345678901234/CloudTrail/eu-west-1/2021/12/02/345678901234_CloudTrail_eu-west-1_20211202T2215Z_CMTekpYc1olMhuw1.json.gz';
const run = promisify(execFile);

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, 'no-bundle': { type: 'boolean', default: false } },
});

// What the Lambda runtime does: require the handler module, then call it with the event.
const DRIVER = `
const t0 = process.hrtime.bigint();
const { handler } = require('./index.js');
const t1 = process.hrtime.bigint();
const event = JSON.parse(process.argv[2]);
const context = { getRemainingTimeInMillis: () => 120000, awsRequestId: 'bench-cold' };
handler(event, context).then(
  (result) => {
    const t2 = process.hrtime.bigint();
    process.stdout.write('TIMING ' + JSON.stringify({ loadMs: Number(t1 - t0) / 1e6, handleMs: Number(t2 - t1) / 1e6, result }) + '\\n');
  },
  (error) => { process.stdout.write('ERROR ' + error.message + '\\n'); process.exitCode = 1; },
);
`;

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main() {
  if (!values['no-bundle']) await run(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT });
  const zipPath = join(ROOT, 'dist/indexer.zip');
  const zipBytes = (await stat(zipPath)).size;
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const work = await mkdtemp(join(tmpdir(), 'ct-bench-cold-'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(work, name), bytes);
  await writeFile(join(work, 'driver.cjs'), DRIVER);
  const indexJsBytes = files['index.js']!.length;

  const s3Dir = await mkdtemp(join(tmpdir(), 'ct-bench-cold-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const { port } = (await s3.run()) as { port: number };
  const s3Endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'trail-bucket' }));
  const sample = await readFile(join(ROOT, 'samples/cloudtrail', KEY));
  await client.send(new PutObjectCommand({ Bucket: 'trail-bucket', Key: KEY, Body: sample }));
  const cluster = await startSink('devserver');

  const event = {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'trail-bucket' }, object: { key: KEY, size: sample.length } },
      },
    ],
  };
  const env = {
    PATH: process.env.PATH,
    OPENSEARCH_ENDPOINT: cluster.url,
    S3_ENDPOINT: s3Endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const runs: { loadMs: number; handleMs: number; processMs: number }[] = [];
  try {
    for (let i = 0; i < Number(values.runs); i++) {
      const started = process.hrtime.bigint();
      const { stdout } = await run(process.execPath, ['driver.cjs', JSON.stringify(event)], {
        cwd: work,
        env,
      });
      const processMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = /^TIMING (.*)$/m.exec(stdout)?.[1];
      if (!line) throw new Error(`the bundle did not handle the event:\n${stdout}`);
      const timing = JSON.parse(line) as { loadMs: number; handleMs: number };
      runs.push({ loadMs: timing.loadMs, handleMs: timing.handleMs, processMs });
    }
  } finally {
    cluster.child.kill();
    client.destroy();
    await s3.close();
    await rm(s3Dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
  const stat2 = (pick: (r: (typeof runs)[number]) => number) => ({
    min: Math.round(Math.min(...runs.map(pick))),
    median: Math.round(median(runs.map(pick))),
  });
  console.log(
    JSON.stringify({
      zipKb: Math.round(zipBytes / 1024),
      indexJsKb: Math.round(indexJsBytes / 1024),
      runs: runs.length,
      loadMs: stat2((r) => r.loadMs),
      firstEventMs: stat2((r) => r.handleMs),
      processMs: stat2((r) => r.processMs),
      node: process.version,
    }),
  );
}

await main();
