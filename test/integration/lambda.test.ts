/**
 * The indexer Lambda end to end, as deployed: a trigger event goes into `handler`, the objects are read
 * from a real S3-compatible server (s3rver, over HTTP, through the AWS SDK), and documents land in the
 * project's OpenSearch-compatible dev server (over HTTP). Assertions look at what the index holds.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../index.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { expectedIndex, readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';

const BUCKET = 'trail-bucket';
// A real log file (7 records) under a prefix with a space, "+" and "=": S3 notifications URL-encode it.
const ENCODED_KEY_RAW =
  'cloudtrail logs+dev=1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz';
const ENCODED_KEY_IN_EVENT =
  'cloudtrail+logs%2Bdev%3D1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz';
const PLAIN_KEY =
  'AWSLogs/123456789123/CloudTrail/us-west-2/2017/01/01/123456789123_CloudTrail_us-west-2_20170101T0025Z_vxElz7ScSLAs44dz.json.gz';
const OTHER_KEY =
  'AWSLogs/222222222222/CloudTrail/us-west-2/2014/12/11/222222222222_CloudTrail_us-west-2_20141211T1835Z_e2FzMq2hhseTRbrE.json.gz';
const BIG_KEY =
  'AWSLogs/345678901234/CloudTrail/eu-west-1/2021/12/02/345678901234_CloudTrail_eu-west-1_20211202T2215Z_CMTekpYc1olMhuw1.json.gz';
const DIGEST_KEY =
  'AWSLogs/347283850106/CloudTrail-Digest/eu-west-1/2021/12/02/347283850106_CloudTrail-Digest_eu-west-1_corpus-trail_eu-west-1_20211202T230131Z.json.gz';

function context(remainingMs = 300_000): Context {
  return {
    getRemainingTimeInMillis: () => remainingMs,
    awsRequestId: 'test',
    functionName: 'indexer',
  } as Context;
}

function s3Event(keyInEvent: string, size = 1000) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key: keyInEvent, size } },
      },
    ],
  };
}

describe('indexer Lambda (dev server + s3rver over HTTP)', function () {
  this.timeout(120_000);
  let server: DevServer;
  let s3: TestS3;
  let search: (path: string, body?: unknown) => Promise<Record<string, unknown>>;

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    await s3.uploadTree(BUCKET, SAMPLES_DIR);
    search = async (path, body) => {
      const response = await fetch(server.url + path, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return (await response.json()) as Record<string, unknown>;
    };
  });
  after(async () => {
    await server?.close();
    await s3?.close();
  });
  beforeEach(async () => {
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });
    Object.assign(process.env, {
      OPENSEARCH_ENDPOINT: server.url,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    resetForTests();
  });

  async function countsByIndex(): Promise<Map<string, number>> {
    await fetch(server.url + '/_refresh', { method: 'POST' });
    const rows = (await (
      await fetch(server.url + '/_cat/indices/cloudtrail-2*?format=json&h=index,docs.count')
    ).json()) as {
      index: string;
      'docs.count': string;
    }[];
    return new Map(rows.map((row) => [row.index, Number(row['docs.count'])]));
  }

  function expectedCounts(...keys: string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const key of keys) {
      for (const record of readSampleRecords(join(SAMPLES_DIR, key))) {
        const index = expectedIndex(record)!;
        counts.set(index, (counts.get(index) ?? 0) + 1);
      }
    }
    return counts;
  }

  it('direct S3 notification with a URL-encoded key (space, "+", "=") indexes every record into its eventTime day', async () => {
    await handler(s3Event(ENCODED_KEY_IN_EVENT), context());
    assert.deepEqual(await countsByIndex(), expectedCounts(ENCODED_KEY_RAW));
    const record = readSampleRecords(join(SAMPLES_DIR, ENCODED_KEY_RAW))[0]!;
    const found = await search(
      `/${expectedIndex(record)}/_doc/${encodeURIComponent(String(record.eventID))}`,
    );
    assert.equal(found.found, true);
    assert.equal((found._source as Record<string, unknown>).eventName, record.eventName);
  });

  it('SNS wrapping an S3 notification', async () => {
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: { Type: 'Notification', Message: JSON.stringify(s3Event(PLAIN_KEY)) },
        },
      ],
    };
    await handler(event, context());
    assert.deepEqual(await countsByIndex(), expectedCounts(PLAIN_KEY));
  });

  it("SNS carrying CloudTrail's own delivery notification (several keys, not URL-encoded)", async () => {
    const message = { s3Bucket: BUCKET, s3ObjectKey: [PLAIN_KEY, ENCODED_KEY_RAW] };
    const event = {
      Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', Message: JSON.stringify(message) } }],
    };
    await handler(event, context());
    assert.deepEqual(await countsByIndex(), expectedCounts(PLAIN_KEY, ENCODED_KEY_RAW));
  });

  it('EventBridge "Object Created", directly and through SQS', async () => {
    const eventBridge = (key: string) => ({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      detail: { bucket: { name: BUCKET }, object: { key, size: 1000 } },
    });
    await handler(eventBridge(PLAIN_KEY), context());
    const viaSqs = {
      Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify(eventBridge(OTHER_KEY)) }],
    };
    const response = (await handler(viaSqs, context())) as { batchItemFailures: unknown[] };
    assert.deepEqual(response.batchItemFailures, []);
    assert.deepEqual(await countsByIndex(), expectedCounts(PLAIN_KEY, OTHER_KEY));
  });

  it('SQS batch: only the message whose file failed is reported in batchItemFailures', async () => {
    const sns = (payload: unknown) =>
      JSON.stringify({ Type: 'Notification', Message: JSON.stringify(payload) });
    const event = {
      Records: [
        { eventSource: 'aws:sqs', messageId: 'good-s3', body: JSON.stringify(s3Event(ENCODED_KEY_IN_EVENT)) },
        {
          eventSource: 'aws:sqs',
          messageId: 'missing',
          body: JSON.stringify(s3Event('AWSLogs/1/CloudTrail/x/2020/01/01/gone.json.gz')),
        },
        {
          eventSource: 'aws:sqs',
          messageId: 'good-sns',
          body: sns({ s3Bucket: BUCKET, s3ObjectKey: [PLAIN_KEY] }),
        },
      ],
    };
    const response = (await handler(event, context())) as { batchItemFailures: { itemIdentifier: string }[] };
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'missing' }]);
    assert.deepEqual(await countsByIndex(), expectedCounts(ENCODED_KEY_RAW, PLAIN_KEY));
  });

  it('indexing the same file twice leaves the count unchanged (second run: duplicates)', async () => {
    await handler(s3Event(PLAIN_KEY), context());
    const first = await countsByIndex();
    await handler(s3Event(PLAIN_KEY), context());
    assert.deepEqual(await countsByIndex(), first);
    assert.deepEqual(first, expectedCounts(PLAIN_KEY));
  });

  it('Digest, ConfigWritabilityCheckFile, folder markers, test events and other suffixes are skipped, not errors', async () => {
    await handler(s3Event(encodeURIComponent(DIGEST_KEY).replace(/%2F/g, '/')), context());
    await handler(s3Event('AWSLogs/347283850106/Config/ConfigWritabilityCheckFile', 0), context());
    await handler(s3Event('AWSLogs/347283850106/CloudTrail/', 0), context());
    await handler(s3Event('AWSLogs/347283850106/notes.txt'), context());
    await handler({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET }, context());
    assert.equal((await countsByIndex()).size, 0);
  });

  it('a truncated file fails with the object and position named, and the records before the cut are indexed', async () => {
    const records = readSampleRecords(join(SAMPLES_DIR, BIG_KEY));
    assert.ok(records.length > 3);
    const text = JSON.stringify({ Records: records });
    const cutAt = text.indexOf(JSON.stringify(records[2])) + 40; // inside the third record
    const key =
      'AWSLogs/123456789123/CloudTrail/us-west-2/2017/01/01/truncated_CloudTrail_us-west-2_20170101T0025Z_x.json.gz';
    await s3.put(BUCKET, key, gzipSync(text.slice(0, cutAt)));
    await assert.rejects(handler(s3Event(key), context()), (error: Error) => {
      assert.match(error.message, new RegExp(`s3://${BUCKET}/${key.replace(/[.]/g, '\\.')}`));
      assert.match(error.message, /byte \d+/);
      return true;
    });
    const counts = await countsByIndex();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 2, 'the two complete records before the cut are indexed');
  });

  it('a corrupt gzip file fails with a message naming the object', async () => {
    const original = readFileSync(join(SAMPLES_DIR, PLAIN_KEY));
    const corrupt = Buffer.from(original);
    corrupt.fill(0x55, 20, 60);
    const key =
      'AWSLogs/123456789123/CloudTrail/us-west-2/2017/01/01/corrupt_CloudTrail_us-west-2_20170101T0025Z_y.json.gz';
    await s3.put(BUCKET, key, corrupt);
    await assert.rejects(
      handler(s3Event(key), context()),
      /corrupt_CloudTrail.*gzip|gzip.*corrupt_CloudTrail/,
    );
  });

  it('logs one summary line per file and publishes the counts as CloudWatch EMF metrics', async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.LOG_LEVEL = 'INFO';
    resetForTests();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line.startsWith('{')),
      );
      return true;
    }) as typeof process.stdout.write;
    try {
      await handler(s3Event(PLAIN_KEY), context());
      await handler(s3Event(PLAIN_KEY), context()); // replay: all duplicates
    } finally {
      process.stdout.write = write;
    }
    const records = readSampleRecords(join(SAMPLES_DIR, PLAIN_KEY)).length;
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const summaries = entries.filter((entry) => entry.message === 'file indexed');
    assert.equal(summaries.length, 2);
    assert.equal(summaries[0]!.source, `s3://${BUCKET}/${PLAIN_KEY}`);
    assert.deepEqual(
      summaries.map((entry) => [entry.read, entry.indexed, entry.duplicates, entry.deadLettered]),
      [
        [records, records, 0, 0],
        [records, 0, records, 0],
      ],
    );
    const metrics = entries.filter((entry) => entry._aws !== undefined);
    assert.equal(metrics.length, 2, 'one EMF document per invocation');
    const emf = metrics[1] as { _aws: { CloudWatchMetrics: { Namespace: string }[] } } & Record<
      string,
      unknown
    >;
    assert.equal(emf._aws.CloudWatchMetrics[0]!.Namespace, 'CloudTrailOpenSearch');
    assert.equal(emf.RecordsRead, records);
    assert.equal(emf.RecordsDuplicate, records);
    assert.equal(emf.RecordsIndexed, 0);
    assert.equal(typeof emf.IndexingLagSeconds, 'number');
  });

  it('a bad configuration fails every invocation with a message naming the variable', async () => {
    process.env.BULK_CONCURRENCY = 'lots';
    resetForTests();
    try {
      await assert.rejects(handler(s3Event(PLAIN_KEY), context()), /BULK_CONCURRENCY/);
      await assert.rejects(handler(s3Event(PLAIN_KEY), context()), /BULK_CONCURRENCY/);
    } finally {
      delete process.env.BULK_CONCURRENCY;
      resetForTests();
    }
  });
});
