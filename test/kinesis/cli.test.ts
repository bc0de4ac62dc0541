/**
 * The Kinesis destination through the CLI, as a user runs it (a child process): local sample files into
 * the dev server and a local Kinesis (kinesalite); a run killed part way and run again.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { BIN, cliWithEnv, summaryNumber } from '../helpers/cli.js';
import { gunzipRecords, SAMPLES_DIR } from '../helpers/samples.js';
import { walkFiles } from '../../src/source/local.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startKinesis, startThrottlingProxy, type LocalKinesis } from './localKinesis.js';

async function sampleEvents(): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  for await (const { path } of walkFiles([SAMPLES_DIR])) {
    if (path.endsWith('.json.gz') && path.includes('/CloudTrail/'))
      events.push(...gunzipRecords(await readFile(path)));
  }
  return events;
}

function canonical(events: unknown[]): string[] {
  return events.map((event) => JSON.stringify(event)).sort();
}

describe('Kinesis destination through the CLI (child process, dev server, kinesalite)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let kinesis: LocalKinesis;

  before(async () => {
    server = await startDevServer({ port: 0 });
    kinesis = await startKinesis();
  });
  after(async () => {
    await server?.close();
    await kinesis?.close();
  });

  const indexArgs = (stream: string, endpoint: string) => [
    'index',
    SAMPLES_DIR,
    '--endpoint',
    server.url,
    '--kinesis-stream',
    stream,
    '--kinesis-endpoint',
    endpoint,
    '--quiet',
  ];

  it('puts every sample event once, on two threads, and the summary counts them', async () => {
    await kinesis.createStream('cli-clean');
    const result = await cliWithEnv({}, ...indexArgs('cli-clean', kinesis.endpoint), '--threads', '2');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const stored = await kinesis.readAll('cli-clean');
    const expected = await sampleEvents();
    assert.deepEqual(
      canonical(stored.map((record) => JSON.parse(record.data.toString('utf8')))),
      canonical(expected),
    );
    const read = summaryNumber(result.stdout, 'records read');
    assert.match(
      result.stdout,
      new RegExp(`^kinesis: +${read} records, ${read} put, 0 deadLettered, 0 undelivered`, 'm'),
    );
  });

  it('a record Kinesis cannot take (over 1 MiB) is dead-lettered: counted, kept, and the run exits 3', async () => {
    await kinesis.createStream('cli-too-large', 1);
    const dir = await mkdtemp(join(tmpdir(), 'ct-kinesis-cli-'));
    try {
      // Exactly 1 MiB as the file holds it: within the pipeline's MAX_RECORD_BYTES (so OpenSearch indexes
      // it), over Kinesis' limit once its partition key (the eventID) is added.
      const large = {
        eventID: 'kinesis-large-1',
        eventTime: '2024-05-01T10:00:01Z',
        eventName: 'Large',
        requestParameters: { policy: '' },
      };
      large.requestParameters.policy = 'x'.repeat(1024 * 1024 - JSON.stringify(large).length);
      const records = [
        { eventID: 'kinesis-small-1', eventTime: '2024-05-01T10:00:00Z', eventName: 'Small' },
        large,
      ];
      await writeFile(
        join(dir, '111122223333_CloudTrail_us-east-1_20240501T1000Z_kinesisLarge.json.gz'),
        gzipSync(JSON.stringify({ Records: records })),
      );
      const args = indexArgs('cli-too-large', kinesis.endpoint);
      args[1] = dir;
      const result = await cliWithEnv({}, ...args, '--dead-letter', 'index:ct-kinesis-dead');
      assert.equal(result.code, 3, 'delivered, one record dead-lettered: ' + result.stderr + result.stdout);
      assert.equal(summaryNumber(result.stdout, 'indexed'), 2, 'OpenSearch took both');
      assert.match(result.stdout, /^kinesis: +2 records, 1 put, 1 deadLettered, 0 undelivered/m);
      assert.equal((await kinesis.readAll('cli-too-large')).length, 1);
      await fetch(`${server.url}/ct-kinesis-dead/_refresh`, { method: 'POST' });
      const dead = (await (await fetch(`${server.url}/ct-kinesis-dead/_search`)).json()) as {
        hits: { hits: { _source: { reason: string } }[] };
      };
      assert.deepEqual(
        dead.hits.hits.map((hit) => hit._source.reason.split(':')[0]),
        ['Kinesis'],
        'the dead letter names Kinesis as the destination that refused it',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad --kinesis-stream before any work, naming the option (exit 2)', async () => {
    const result = await cliWithEnv({}, ...indexArgs('not a stream', kinesis.endpoint));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--kinesis-stream.*Expected a Kinesis stream name/);
  });

  it('a run killed part way and run again: every event at least once, duplicates = what the first run put', async () => {
    await kinesis.createStream('cli-crash', 1);
    // A slow stream, so the first run is still putting records when it is killed.
    const slow = await startThrottlingProxy(kinesis.endpoint, {
      random: Math.random,
      recordShare: 0,
      delayMs: 300,
    });
    const child = spawn(process.execPath, [BIN, ...indexArgs('cli-crash', slow.endpoint), '--threads', '1'], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      while ((await kinesis.readAll('cli-crash')).length === 0) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGKILL');
      await exited;
    } finally {
      await slow.close();
    }
    const beforeRetry = (await kinesis.readAll('cli-crash')).length;
    const result = await cliWithEnv({}, ...indexArgs('cli-crash', kinesis.endpoint));
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const events = (await kinesis.readAll('cli-crash')).map(
      (record) => JSON.parse(record.data.toString('utf8')) as Record<string, unknown>,
    );
    const expected = await sampleEvents();
    // The second run re-sends every record: the stream holds the first run's records plus all of them.
    assert.equal(
      events.length,
      beforeRetry + expected.length,
      `first run ${beforeRetry}, stream ${events.length}, distinct ${new Set(canonical(events)).size}`,
    );
    assert.deepEqual([...new Set(canonical(events))].sort(), [...new Set(canonical(expected))].sort());
    assert.ok(
      beforeRetry > 0 && beforeRetry < expected.length,
      `first run put ${beforeRetry} of ${expected.length}`,
    );
  });
});
