/**
 * `index s3://… --enqueue QUEUE_URL` and `audit --requeue --enqueue`, as a user runs them (CLI child
 * process) against s3rver, the dev server and a local SQS endpoint the real SDK client talks to; the
 * messages the queue received are then handed to the indexer Lambda handler as its event source
 * mapping would, and every object must end up indexed exactly once.
 */
import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { handler } from '../../index.js';
import { ledgerId, type LogFileEntry } from '../../src/ledger/ledger.js';
import { decodeNotificationKey } from '../../src/trigger/decodeKey.js';
import { cliWithEnv, summaryNumber } from '../helpers/cli.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { lambdaContext, withLambdaEnv } from './lambdaEnv.js';
import { sqsEvent, startQueue, type TestQueue } from './sqs.js';
import { DAY, standardTrail, upload, type Trail } from './trail.js';

describe('--enqueue: backfills and requeues sent to the SQS queue (s3rver + dev server + local SQS + CLI child process)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let s3: TestS3;
  let queue: TestQueue;
  let number = 0;

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    queue = await startQueue();
  });
  after(async () => {
    await server?.close();
    await s3?.close();
    await queue?.close();
  });
  beforeEach(() => {
    queue.received.length = 0;
    queue.transientRefusals = 0;
    queue.rejectBodies = undefined;
  });

  async function newTrail(): Promise<{ bucket: string; prefix: string; trail: Trail }> {
    const bucket = `enqueue-${++number}`;
    await s3.createBucket(bucket);
    const trail = standardTrail(bucket);
    await upload(s3, bucket, [...trail.logFiles, ...trail.digests]);
    return { bucket, prefix: `q${number}-`, trail };
  }

  const env = (prefix: string) => ({ INDEX_PREFIX: prefix, S3_ENDPOINT: s3.endpoint });
  const run = (prefix: string, ...args: string[]) => cliWithEnv(env(prefix), ...args);

  /** The object keys the queue received, decoded as the Lambda decodes them. */
  function receivedKeys(): string[] {
    return queue.received.map((body) => {
      const record = (JSON.parse(body) as { Records: { s3: { object: { key: string } } }[] }).Records[0]!;
      return decodeNotificationKey(record.s3.object.key);
    });
  }

  async function deliverToLambda(prefix: string): Promise<void> {
    const bodies = [...queue.received];
    const answer = await withLambdaEnv(
      { OPENSEARCH_ENDPOINT: server.url, S3_ENDPOINT: s3.endpoint, INDEX_PREFIX: prefix },
      () => handler(sqsEvent(bodies), lambdaContext()),
    );
    assert.deepEqual(answer, { batchItemFailures: [] }, 'every message is indexed');
  }

  async function eventCount(prefix: string): Promise<number> {
    await fetch(`${server.url}/_refresh`, { method: 'POST' });
    const body = (await (await fetch(`${server.url}/${prefix}2*/_count`)).json()) as { count: number };
    return body.count;
  }

  async function ledgerEntry(prefix: string, bucket: string, key: string): Promise<LogFileEntry | undefined> {
    const response = await fetch(`${server.url}/${prefix}ledger/_doc/${ledgerId(bucket, key)}`);
    const body = (await response.json()) as { found: boolean; _source: LogFileEntry };
    return body.found ? body._source : undefined;
  }

  const records = (trail: Trail) => trail.logFiles.reduce((sum, file) => sum + file.records, 0);

  it('sends each selected log file once (entries SQS refuses for a while are sent again, only they); the Lambda then indexes every one once', async () => {
    const { bucket, prefix, trail } = await newTrail();
    // Every entry is refused twice before it is taken: only the refused entries go again.
    queue.transientRefusals = 2;
    const result = await run(
      prefix,
      'index',
      `s3://${bucket}/`,
      '--from',
      DAY,
      '--to',
      DAY,
      '--enqueue',
      queue.url,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(summaryNumber(result.stdout, 'enqueued'), trail.logFiles.length);
    assert.equal(summaryNumber(result.stdout, 'failed'), 0);
    assert.equal(summaryNumber(result.stdout, 'already indexed'), 0);
    assert.equal(
      summaryNumber(result.stdout, 'objects listed'),
      trail.logFiles.length,
      'only the CloudTrail/ date prefixes are listed, not the digests',
    );
    assert.deepEqual(receivedKeys().sort(), trail.logFiles.map((file) => file.key).sort());
    assert.equal(await eventCount(prefix), 0, 'nothing is indexed by the command itself');

    await deliverToLambda(prefix);
    assert.equal(await eventCount(prefix), records(trail));
    for (const file of trail.logFiles) {
      const entry = await ledgerEntry(prefix, bucket, file.key);
      assert.equal(entry?.status, 'complete', file.key);
      assert.equal(entry?.indexed, file.records, `${file.key} indexed once`);
    }
  });

  it('--resume --enqueue skips what the ledger says is indexed and sends only the rest', async () => {
    const { bucket, prefix, trail } = await newTrail();
    const [first, ...rest] = trail.logFiles;
    const indexed = await run(
      prefix,
      'index',
      `s3://${bucket}/${first!.key}`,
      '--endpoint',
      server.url,
      '--quiet',
    );
    assert.equal(indexed.code, 0, indexed.stdout + indexed.stderr);

    const result = await run(
      prefix,
      'index',
      `s3://${bucket}/AWSLogs/`,
      '--resume',
      '--endpoint',
      server.url,
      '--enqueue',
      queue.url,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(summaryNumber(result.stdout, 'already indexed'), 1);
    assert.equal(summaryNumber(result.stdout, 'enqueued'), rest.length);
    assert.equal(summaryNumber(result.stdout, 'not log files'), trail.digests.length);
    assert.equal(
      summaryNumber(result.stdout, 'objects listed'),
      trail.logFiles.length + trail.digests.length,
      'listed = enqueued + already indexed + not log files + failed',
    );
    assert.deepEqual(receivedKeys().sort(), rest.map((file) => file.key).sort());

    await deliverToLambda(prefix);
    assert.equal(await eventCount(prefix), records(trail), 'every object indexed once');
  });

  it('entries SQS refuses as malformed, and a queue that does not exist, are counted failed and named; exit 1', async () => {
    const { bucket, prefix, trail } = await newTrail();
    const refused = trail.logFiles[0]!;
    queue.rejectBodies = new RegExp(refused.key.split('/').pop()!.replace(/\./g, '\\.'));
    const partial = await run(prefix, 'index', `s3://${bucket}/AWSLogs/`, '--enqueue', queue.url);
    assert.equal(partial.code, 1, partial.stdout + partial.stderr);
    assert.equal(summaryNumber(partial.stdout, 'failed'), 1);
    assert.equal(summaryNumber(partial.stdout, 'enqueued'), trail.logFiles.length - 1);
    assert.match(partial.stdout, new RegExp(`failed: s3://${bucket}/${refused.key}: InvalidMessageContents`));

    const missing = await run(prefix, 'index', `s3://${bucket}/AWSLogs/`, '--enqueue', queue.missingUrl);
    assert.equal(missing.code, 1, missing.stdout + missing.stderr);
    assert.equal(summaryNumber(missing.stdout, 'enqueued'), 0);
    assert.equal(summaryNumber(missing.stdout, 'failed'), trail.logFiles.length);
    assert.match(missing.stdout, /QueueDoesNotExist/);
  });

  it('--enqueue refuses local paths and a value that is not a queue URL (exit 2)', async () => {
    const local = await run('x-', 'index', '.', '--enqueue', queue.url);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /--enqueue sends S3 objects/);
    const bad = await run('x-', 'index', 's3://bucket/', '--enqueue', 'my-queue');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Expected an SQS queue URL/);
  });

  it('audit --requeue --enqueue sends exactly the missing file; once the Lambda has indexed it the audit is clean', async () => {
    const { bucket, prefix, trail } = await newTrail();
    const late = trail.logFiles[1]!;
    const others = trail.logFiles.filter((file) => file !== late);
    for (const file of others) {
      const indexed = await run(
        prefix,
        'index',
        `s3://${bucket}/${file.key}`,
        '--endpoint',
        server.url,
        '--quiet',
      );
      assert.equal(indexed.code, 0, indexed.stdout + indexed.stderr);
    }
    const audit = (...extra: string[]) =>
      run(prefix, 'audit', `s3://${bucket}/`, '--endpoint', server.url, '--from', DAY, '--to', DAY, ...extra);

    const requeued = await audit('--requeue', '--enqueue', queue.url);
    assert.equal(requeued.code, 1, 'the gap is still there until the Lambda indexes the file');
    assert.match(requeued.stdout, /requeued:\s+1 of 1 file\(s\) sent to/);
    assert.deepEqual(receivedKeys(), [late.key]);

    await deliverToLambda(prefix);
    const after = await audit();
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /verdict:\s+CLEAN/);
    assert.equal(await eventCount(prefix), records(trail));
  });
});
