/**
 * The fault matrix: one fault at a time, injected into the dev server (OpenSearch side) or a
 * proxy in front of s3rver (S3 side), with the Lambda handler re-invoked as Lambda/SQS would retry it.
 * Each row asserts what the index holds afterwards: every input id exactly once, nothing else.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FaultSpec } from '../../devserver/index.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../../src/pipeline/indexer.js';
import { s3Client } from '../../src/source/s3.js';
import { handler } from '../../index.js';
import {
  assertExactlyOnce,
  BUCKET,
  deadLetters,
  generateCorpus,
  invoke,
  invokeUntilSuccess,
  lambdaContext,
  lambdaEnv,
  resetCluster,
  sqsEvent,
  startProxy,
  startRig,
  storedIds,
  type Corpus,
  type Rig,
} from './harness.js';

interface Row {
  fault: string;
  records: number;
  lost: number;
  duplicated: number;
  deadLettered: number;
  invocations: number;
}

describe('reliability: fault matrix (Lambda handler, dev server faults, s3rver)', function () {
  this.timeout(60_000);
  let rig: Rig;
  let corpus: Corpus;
  let key: string;
  let ids: string[];
  const rows: Row[] = [];

  before(async () => {
    rig = await startRig();
    corpus = await generateCorpus(rig, 'matrix', 600, 300, 'fault-matrix');
    key = corpus.keys[0]!;
    ids = corpus.idsByKey.get(key)!;
  });
  after(async () => {
    if (process.env.RELIABILITY_REPORT) console.table(rows);
    await rig?.close();
  });
  beforeEach(async () => {
    await resetCluster(rig);
    lambdaEnv(rig);
  });

  /** Adds the rules, invokes until the file is in (at most 4 times), checks exactly-once, records a row. */
  async function survives(
    fault: string,
    rules: { fault: FaultSpec; times?: number; probability?: number }[],
  ) {
    for (const rule of rules) rig.server.faults.add({ path: '/_bulk', ...rule });
    const result = await invokeUntilSuccess(key, 4);
    assert.ok(result.ok, `${fault}: still failing after 4 invocations: ${result.errors.join(' | ')}`);
    assert.ok(rig.server.faults.history.length > 0, `${fault}: the fault fired`);
    const numbers = await assertExactlyOnce(rig, ids, fault);
    const dead = await deadLetters(rig);
    assert.equal(dead.length, 0, `${fault}: nothing dead-lettered`);
    rows.push({
      fault,
      records: ids.length,
      lost: numbers.lost,
      duplicated: numbers.duplicated,
      deadLettered: 0,
      invocations: result.attempts,
    });
    return result;
  }

  it('whole-request 429 bursts (OpenSearch and AWS front-end bodies) are retried within one invocation', async () => {
    const result = await survives('429 burst', [
      { fault: { kind: 'too-many-requests' }, times: 2 },
      { fault: { kind: 'too-many-requests', style: 'aws' }, times: 2 },
    ]);
    assert.equal(result.attempts, 1);
  });

  for (const exceptionType of ['rejected_execution_exception', 'es_rejected_execution_exception'] as const) {
    it(`per-item 429 (${exceptionType}) retries only the rejected items`, async () => {
      const result = await survives(`item 429 ${exceptionType}`, [
        { fault: { kind: 'item-rejection', exceptionType, itemProbability: 0.3 }, times: 3 },
      ]);
      assert.equal(result.attempts, 1);
    });
  }

  for (const status of [500, 502, 503, 504] as const) {
    it(`HTTP ${status} is retried with backoff`, async () => {
      const result = await survives(`HTTP ${status}`, [
        { fault: { kind: 'server-error', status }, times: 2 },
      ]);
      assert.equal(result.attempts, 1);
    });
  }

  it('connection reset before the server processed the request', async () => {
    await survives('reset before', [{ fault: { kind: 'connection-reset', when: 'before' }, times: 2 }]);
  });

  it('connection reset after the server applied the writes: the replay answers 409, still exactly once', async () => {
    await survives('reset after', [{ fault: { kind: 'connection-reset', when: 'after' }, times: 2 }]);
  });

  it('413 splits the batch until it fits', async () => {
    const result = await survives('413', [{ fault: { kind: 'payload-too-large', maxBytes: 40_000 } }]);
    assert.equal(result.attempts, 1);
  });

  it('a response slower than the request timeout: abandoned, replayed, exactly once (counts add up)', async () => {
    rig.server.faults.add({ path: '/_bulk', fault: { kind: 'latency', ms: 700 }, times: 2 });
    const bulksBefore = rig.server.requestCount('/_bulk');
    const client = createClient({ endpoint: rig.server.url });
    const indexer = new Indexer(
      client,
      {
        ...DEFAULT_PIPELINE_SETTINGS,
        indexPrefix: 'cloudtrail-',
        bulkMaxDocs: 100,
        requestTimeoutMs: 250,
        retry: { baseMs: 20, maxMs: 200, maxAttempts: 6 },
      },
      silentTelemetry(),
      s3Client({ endpoint: rig.s3.endpoint }),
    );
    const outcome = await indexer.indexS3Object({ bucket: BUCKET, key }, () => Infinity);
    await client.close();
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.read, ids.length);
    assert.equal(outcome.indexed + outcome.duplicates, ids.length);
    // Abandoned requests were replayed (their late writes land too, but `create` + _id makes that a no-op).
    assert.ok(rig.server.requestCount('/_bulk') - bulksBefore > Math.ceil(ids.length / 100));
    const numbers = await assertExactlyOnce(rig, ids, 'latency');
    rows.push({
      fault: 'latency > timeout',
      records: ids.length,
      lost: numbers.lost,
      duplicated: numbers.duplicated,
      deadLettered: 0,
      invocations: 1,
    });
  });

  it('403 from fine-grained access control fails fast, naming the role mapping to add', async () => {
    rig.server.faults.add({ path: '/_bulk', fault: { kind: 'forbidden' } });
    const bulksBefore = rig.server.requestCount('/_bulk');
    const error = await invoke(key);
    assert.ok(error);
    assert.match(error, /not mapped to an OpenSearch role/);
    assert.match(error, /backend role/i);
    assert.match(error, /arn:aws:iam::123456789012:role\/cloudtrail-opensearch-indexer/);
    assert.match(error, new RegExp(key.replace(/[.]/g, '\\.')));
    // At most one request per concurrency slot: none is retried.
    const bulks = rig.server.requestCount('/_bulk') - bulksBefore;
    assert.ok(bulks <= 2, `not retried: ${bulks} bulk requests for 2 slots`);
    assert.deepEqual(await storedIds(rig), []);
    // Access fixed: the retry indexes everything.
    rig.server.faults.clear();
    assert.equal(await invoke(key), undefined);
    await assertExactlyOnce(rig, ids, '403 then fixed');
    rows.push({
      fault: '403 (then fixed)',
      records: ids.length,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      invocations: 2,
    });
  });

  it('403 on GET / (prepare) and 401 from a front end name the cause too', async () => {
    rig.server.faults.add({ path: '/', fault: { kind: 'forbidden' }, times: 1 });
    const forbidden = await invoke(key);
    assert.match(forbidden ?? '', /not mapped to an OpenSearch role/);
    const proxy = await startProxy(rig.server.url, (request) =>
      request.url?.startsWith('/_bulk')
        ? { kind: 'reply', status: 401, body: '{"Message":"Unauthorized"}' }
        : { kind: 'forward' },
    );
    try {
      lambdaEnv(rig, { OPENSEARCH_ENDPOINT: proxy.url });
      const unauthorized = await invoke(key);
      assert.match(unauthorized ?? '', /HTTP 401/);
      assert.match(unauthorized ?? '', /requires authentication|username and password/);
    } finally {
      await proxy.close();
    }
  });

  it('GET / and the template install are retried on 429, 5xx and resets (prepare)', async () => {
    rig.server.faults.add({ path: '/', fault: { kind: 'too-many-requests' }, times: 1 });
    rig.server.faults.add({ path: '/', fault: { kind: 'server-error', status: 502 }, times: 1 });
    rig.server.faults.add({ path: '/_index_template/*', fault: { kind: 'connection-reset' }, times: 1 });
    rig.server.faults.add({
      path: '/_index_template/*',
      fault: { kind: 'server-error', status: 503 },
      times: 1,
    });
    assert.equal(await invoke(key), undefined);
    assert.equal(rig.server.faults.history.length, 4);
    await assertExactlyOnce(rig, ids, 'prepare faults');
    rows.push({
      fault: 'prepare: 429/502/reset/503',
      records: ids.length,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      invocations: 1,
    });
  });

  it('S3 NoSuchKey: a clear error, reported failed for SQS at once (no endless retry)', async () => {
    const missing = 'AWSLogs/1/CloudTrail/us-east-1/2024/01/01/gone_CloudTrail_x.json.gz';
    let missingGets = 0;
    const proxy = await startProxy(rig.s3.endpoint, (request) => {
      if (request.method === 'GET' && request.url?.startsWith(`/${BUCKET}/${missing}`)) missingGets++;
      return { kind: 'forward' };
    });
    try {
      lambdaEnv(rig, {}, proxy.url);
      const response = (await handler(sqsEvent([missing, key]), lambdaContext())) as {
        batchItemFailures: { itemIdentifier: string }[];
      };
      assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'm0' }]);
      // At once: S3 was asked for the missing object once, not again until the time ran out.
      assert.equal(missingGets, 1);
      const error = await invoke(missing);
      assert.match(error ?? '', /NoSuchKey/);
      assert.match(error ?? '', new RegExp(`s3://${BUCKET}/${missing.replace(/[.]/g, '\\.')}`));
      await assertExactlyOnce(rig, ids, 'NoSuchKey neighbour');
    } finally {
      await proxy.close();
    }
  });

  it('S3 AccessDenied: a clear error naming s3:GetObject and kms:Decrypt', async () => {
    let refusedGets = 0;
    const proxy = await startProxy(rig.s3.endpoint, (request) => {
      if (request.method !== 'GET' || !request.url?.startsWith(`/${BUCKET}/AWSLogs`))
        return { kind: 'forward' };
      refusedGets++;
      return {
        kind: 'reply',
        status: 403,
        contentType: 'application/xml',
        body: s3ErrorXml('AccessDenied', 'Access Denied'),
      };
    });
    try {
      lambdaEnv(rig, {}, proxy.url);
      const error = await invoke(key);
      assert.equal(refusedGets, 1, 'a refusal is not retried');
      assert.match(error ?? '', /access denied/i);
      assert.match(error ?? '', /s3:GetObject/);
      assert.match(error ?? '', /kms:Decrypt/);
      assert.deepEqual(await storedIds(rig), []);
    } finally {
      await proxy.close();
    }
  });

  it('S3 throttling (503 SlowDown) and a reset GetObject are retried', async () => {
    let getObjects = 0;
    const proxy = await startProxy(rig.s3.endpoint, (request) => {
      if (request.method !== 'GET' || !request.url?.startsWith(`/${BUCKET}/AWSLogs`))
        return { kind: 'forward' };
      getObjects++;
      if (getObjects <= 2)
        return {
          kind: 'reply',
          status: 503,
          contentType: 'application/xml',
          body: s3ErrorXml('SlowDown', 'Please reduce your request rate.'),
        };
      if (getObjects === 3) return { kind: 'reset' };
      return { kind: 'forward' };
    });
    try {
      lambdaEnv(rig, {}, proxy.url);
      assert.equal(await invoke(key), undefined);
      assert.equal(getObjects, 4);
      await assertExactlyOnce(rig, ids, 'S3 SlowDown');
      rows.push({
        fault: 'S3 503 SlowDown ×2 + reset',
        records: ids.length,
        lost: 0,
        duplicated: 0,
        deadLettered: 0,
        invocations: 1,
      });
    } finally {
      await proxy.close();
    }
  });

  it('corrupt gzip and truncated JSON fail naming the object; records before the fault are indexed once', async () => {
    const original = await readFile(join(corpus.dir, key));
    const headerKey = key.replace('.json.gz', '-badheader.json.gz');
    const badHeader = Buffer.from(original);
    badHeader.fill(0x55, 12, 80);
    await rig.s3.put(BUCKET, headerKey, badHeader);
    const headerError = await invoke(headerKey);
    assert.match(headerError ?? '', new RegExp(headerKey.replace(/[.]/g, '\\.')));
    assert.match(headerError ?? '', /gzip/i);

    // Damage in the middle of the deflate stream: whatever it decodes to, the file fails naming the object
    // and the position, and only real records (once each) reach the index.
    const damagedKey = key.replace('.json.gz', '-damaged.json.gz');
    const damaged = Buffer.from(original);
    damaged.fill(0x55, Math.floor(damaged.length / 2), Math.floor(damaged.length / 2) + 64);
    await rig.s3.put(BUCKET, damagedKey, damaged);
    const damagedError = await invoke(damagedKey);
    assert.match(damagedError ?? '', new RegExp(damagedKey.replace(/[.]/g, '\\.')));
    assert.match(damagedError ?? '', /byte \d+|gzip/i);
    const partial = await storedIds(rig);
    assert.ok(partial.length < ids.length);
    assert.equal(new Set(partial).size, partial.length);
    for (const id of partial) assert.ok(ids.includes(id));

    await resetCluster(rig);
    const text = gunzipSync(original).toString('utf8');
    const cut = text.indexOf(ids[10]!) + 5; // inside record 10
    const truncatedKey = key.replace('.json.gz', '-truncated.json.gz');
    await rig.s3.put(BUCKET, truncatedKey, gzipSync(text.slice(0, cut)));
    const truncatedError = await invoke(truncatedKey);
    assert.match(truncatedError ?? '', new RegExp(truncatedKey.replace(/[.]/g, '\\.')));
    assert.match(truncatedError ?? '', /byte \d+/);
    await assertExactlyOnce(rig, ids.slice(0, 10), 'truncated');
    // A retry of the same broken file changes nothing: still 10, still once each.
    await invoke(truncatedKey);
    await assertExactlyOnce(rig, ids.slice(0, 10), 'truncated, retried');
    rows.push({
      fault: 'truncated JSON (10 complete records)',
      records: 10,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      invocations: 2,
    });
  });

  it('a record that is not an object is dead-lettered with its reason; the rest are indexed', async () => {
    const records = [
      { eventID: 'good-1', eventTime: '2024-01-01T00:00:00Z', eventName: 'A' },
      42,
      'a string',
      null,
      [1, 2],
      { eventID: 'good-2', eventTime: '2024-01-01T00:00:01Z', eventName: 'B' },
    ];
    const oddKey = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/odd_CloudTrail_us-east-1_x.json.gz';
    await rig.s3.put(BUCKET, oddKey, gzipSync(JSON.stringify({ Records: records })));
    assert.equal(await invoke(oddKey), undefined);
    await assertExactlyOnce(rig, ['good-1', 'good-2'], 'not-object');
    const dead = await deadLetters(rig);
    assert.deepEqual(dead.map((entry) => entry.recordIndex).sort(), [1, 2, 3, 4]);
    for (const entry of dead) {
      assert.equal(entry.source, `s3://${BUCKET}/${oddKey}`);
      assert.match(entry.reason, /not a JSON object/);
      assert.equal(typeof entry.document, 'string');
    }
    assert.equal(dead.find((entry) => entry.recordIndex === 1)?.document, '42');
    // Replayed (at-least-once delivery): still two documents and four dead letters.
    assert.equal(await invoke(oddKey), undefined);
    await assertExactlyOnce(rig, ['good-1', 'good-2'], 'not-object replay');
    assert.equal((await deadLetters(rig)).length, 4);
    rows.push({
      fault: 'records that are not objects',
      records: 6,
      lost: 0,
      duplicated: 0,
      deadLettered: 4,
      invocations: 2,
    });
  });

  it('Lambda time running out mid-file: stops sending, fails the file, counts add up; the retry completes it', async () => {
    // Every look at the clock costs 4 s of a 45 s budget; the sender stops once < requestTimeout + 2 s is left
    // (32 s), i.e. at the fifth request.
    lambdaEnv(rig, { BULK_MAX_DOCS: '20' });
    let calls = 0;
    const shrinking = () => 45_000 - 4_000 * calls++;
    const error = await invoke(key, lambdaContext(shrinking));
    assert.match(error ?? '', /out-of-time/);
    assert.match(error ?? '', /undelivered/);
    const partial = await storedIds(rig);
    assert.ok(partial.length < ids.length, `stopped early (${partial.length} stored)`);
    assert.equal(new Set(partial).size, partial.length);
    assert.equal((await deadLetters(rig)).length, 0, 'out of time is not a reason to dead-letter');

    // The same through the Indexer, to see the per-file counts.
    await resetCluster(rig);
    const client = createClient({ endpoint: rig.server.url });
    const indexer = new Indexer(
      client,
      { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-', bulkMaxDocs: 50 },
      silentTelemetry(),
      s3Client({ endpoint: rig.s3.endpoint }),
    );
    calls = 0;
    const outcome = await indexer.indexS3Object({ bucket: BUCKET, key }, shrinking);
    await client.close();
    assert.match(outcome.error ?? '', /out-of-time/);
    assert.ok(outcome.undelivered > 0);
    assert.equal(
      outcome.indexed + outcome.duplicates + outcome.deadLettered + outcome.undelivered,
      outcome.read,
    );
    assert.equal((await storedIds(rig)).length, outcome.indexed);

    const retry = await invokeUntilSuccess(key, 2);
    assert.ok(retry.ok, retry.errors.join(' | '));
    await assertExactlyOnce(rig, ids, 'out of time, retried');
    rows.push({
      fault: 'Lambda out of time mid-file',
      records: ids.length,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      invocations: 2,
    });
  });

  it('two invocations indexing the same file at once (SQS at-least-once): exactly once', async () => {
    rig.server.faults.add({ path: '/_bulk', fault: { kind: 'latency', ms: 30 }, probability: 0.5 });
    const both = await Promise.all([
      handler(sqsEvent([key, corpus.keys[1]!]), lambdaContext()),
      handler(sqsEvent([corpus.keys[1]!, key]), lambdaContext()),
    ]);
    for (const response of both)
      assert.deepEqual((response as { batchItemFailures: unknown[] }).batchItemFailures, []);
    const all = [...ids, ...corpus.idsByKey.get(corpus.keys[1]!)!];
    await assertExactlyOnce(rig, all, 'concurrent');
    rows.push({
      fault: 'same file, two concurrent invocations',
      records: all.length,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      invocations: 2,
    });
  });
});

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>`;
}
