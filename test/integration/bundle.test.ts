/**
 * The Lambda bundles as deployed: `npm run bundle` output, unzipped into an empty directory with no
 * node_modules anywhere above it, loaded by a fresh `node` process, handling real events against the
 * local servers. Proves the zips carry everything they need.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { indexMappings } from '../../src/template/mappings.js';
import { readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const KEY =
  'AWSLogs/345678901234/CloudTrail/eu-west-1/2021/12/02/345678901234_CloudTrail_eu-west-1_20211202T2215Z_CMTekpYc1olMhuw1.json.gz';

// Loads the unzipped bundle like the Lambda runtime does (require + call handler) and prints the result.
const DRIVER = `
const { handler } = require('./index.js');
const event = JSON.parse(process.argv[2] || '{}');
const context = { getRemainingTimeInMillis: () => 120000, awsRequestId: 'bundle-test' };
handler(event, context).then(
  (result) => { process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n'); },
  (error) => { process.stdout.write('ERROR ' + error.message + '\\n'); process.exitCode = 1; },
);
`;

async function unzipTo(zipPath: string, dir: string): Promise<void> {
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  assert.ok(files['index.js'], `${zipPath} holds index.js`);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, 'driver.cjs'), DRIVER);
}

describe('Lambda bundles (dist/*.zip in a fresh node process)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let s3: TestS3;
  let work: string;

  before(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT });
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    await s3.createBucket('trail-bucket');
    await s3.put('trail-bucket', KEY, await readFile(join(SAMPLES_DIR, KEY)));
    work = await mkdtemp(join(tmpdir(), 'ct-bundle-'));
  });
  after(async () => {
    await server?.close();
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  });

  const lambdaEnv = () => ({
    PATH: process.env.PATH,
    OPENSEARCH_ENDPOINT: server.url,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  it('dist/indexer.zip handles an S3 event: every record of the file is indexed', async () => {
    const dir = await mkdtemp(join(work, 'indexer-'));
    await unzipTo(join(ROOT, 'dist/indexer.zip'), dir);
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'trail-bucket' }, object: { key: KEY, size: 100 } },
        },
      ],
    };
    const { stdout } = await run(process.execPath, ['driver.cjs', JSON.stringify(event)], {
      cwd: dir,
      env: lambdaEnv(),
    });
    assert.match(stdout, /^RESULT /m, stdout);
    await fetch(`${server.url}/_refresh`, { method: 'POST' });
    const count = (await (await fetch(`${server.url}/cloudtrail-2*/_count`)).json()) as { count: number };
    assert.equal(count.count, readSampleRecords(join(SAMPLES_DIR, KEY)).length);
  });

  it('dist/cleanup.zip deletes exactly the indices older than KEEP_DAYS', async () => {
    const dir = await mkdtemp(join(work, 'cleanup-'));
    await unzipTo(join(ROOT, 'dist/cleanup.zip'), dir);
    const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    const names = [0, 1, 2, 3, 10]
      .map((offset) => `cleanup-${day(offset)}`)
      .concat(['cleanup-deadletter', '.kibana_1']);
    for (const name of names) await fetch(`${server.url}/${name}`, { method: 'PUT' });
    const { stdout } = await run(process.execPath, ['driver.cjs'], {
      cwd: dir,
      env: { ...lambdaEnv(), INDEX_PREFIX: 'cleanup-', KEEP_DAYS: '3' },
    });
    assert.match(stdout, /^RESULT /m, stdout);
    const left = server
      .indexNames()
      .filter((name) => name.startsWith('cleanup-') || name.startsWith('.kibana'));
    const expected = [
      `cleanup-${day(0)}`,
      `cleanup-${day(1)}`,
      `cleanup-${day(2)}`,
      'cleanup-deadletter',
      '.kibana_1',
    ];
    // KEEP_DAYS=3 keeps today and the two days before; the Lambda also pre-creates tomorrow's index.
    assert.deepEqual(left.filter((name) => name !== `cleanup-${day(-1)}`).sort(), expected.sort());
  });

  it('dist/audit.zip audits a trail bucket: a bucket without digests is clean, with nothing listed', async () => {
    const dir = await mkdtemp(join(work, 'audit-'));
    await unzipTo(join(ROOT, 'dist/audit.zip'), dir);
    const { stdout } = await run(
      process.execPath,
      ['driver.cjs', JSON.stringify({ time: '2026-11-03T04:00:00Z' })],
      {
        cwd: dir,
        env: {
          ...lambdaEnv(),
          INDEX_PREFIX: 'audit-',
          TRAIL_BUCKET: 'trail-bucket',
          TRAIL_PREFIX: 'AWSLogs/',
        },
      },
    );
    const result = JSON.parse(/^RESULT (.*)$/m.exec(stdout)?.[1] ?? 'null') as {
      verdict: string;
      digests: number;
    };
    assert.deepEqual([result?.verdict, result?.digests], ['clean', 0], stdout);
  });

  it('dist/query-api.zip answers a function URL request with the events of a daily index', async () => {
    const dir = await mkdtemp(join(work, 'query-api-'));
    await unzipTo(join(ROOT, 'dist/query-api.zip'), dir);
    const index = 'apiq-2021-12-02';
    const put = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await put(`/${index}`, { mappings: indexMappings() })).status, 200);
    const event = {
      eventTime: '2021-12-02T10:00:00Z',
      eventName: 'DeleteTrail',
      eventSource: 'cloudtrail.amazonaws.com',
    };
    const doc = { ...event, '@timestamp': event.eventTime, ct: { source: 'bundle.json', recordIndex: 0 } };
    assert.equal((await put(`/${index}/_doc/one`, doc)).status, 201);
    await fetch(`${server.url}/${index}/_refresh`, { method: 'POST' });
    const request = {
      version: '2.0',
      rawPath: '/services/cloudtrail',
      rawQueryString: 'from=2021-12-02&to=2021-12-02',
      requestContext: { http: { method: 'GET' } },
    };
    const { stdout } = await run(process.execPath, ['driver.cjs', JSON.stringify(request)], {
      cwd: dir,
      env: { ...lambdaEnv(), INDEX_PREFIX: 'apiq-' },
    });
    const result = JSON.parse(/^RESULT (.*)$/m.exec(stdout)?.[1] ?? 'null') as {
      statusCode: number;
      body: string;
    };
    assert.equal(result?.statusCode, 200, stdout);
    const answer = JSON.parse(result.body) as { count: number; events: { eventName: string }[] };
    assert.deepEqual(
      [answer.count, answer.events.map((e) => e.eventName)],
      [1, ['DeleteTrail']],
      result.body,
    );
  });
});
