/**
 * The Kinesis destination through the indexer Lambda's handler, as deployed: objects from s3rver, documents
 * into the dev server, and every record also into a local Kinesis (kinesalite), read back like a consumer.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { handler, resetForTests } from '../../index.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { seededRandom } from '../../src/util/random.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { lambdaContext as context, s3Event as s3EventIn } from '../reliability/harness.js';
import { readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';
import { startKinesis, startThrottlingProxy, type LocalKinesis } from './localKinesis.js';

const BUCKET = 'trail-bucket';
const BIG_KEY =
  'AWSLogs/345678901234/CloudTrail/eu-west-1/2021/12/02/345678901234_CloudTrail_eu-west-1_20211202T2215Z_CMTekpYc1olMhuw1.json.gz';
const OVERSIZE_KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0000Z_big.json.gz';

const s3Event = (key: string) => s3EventIn(key, BUCKET);

type Event = Record<string, unknown> & { eventID: string };

function byEventId(records: Event[]): Event[] {
  return [...records].sort((a, b) => a.eventID.localeCompare(b.eventID));
}

describe('Kinesis destination through the Lambda handler (dev server, s3rver, kinesalite)', function () {
  this.timeout(120_000);
  let server: DevServer;
  let s3: TestS3;
  let kinesis: LocalKinesis;
  let streams = 0;
  const fileEvents = readSampleRecords(join(SAMPLES_DIR, BIG_KEY)) as Event[];

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    kinesis = await startKinesis();
    await s3.createBucket(BUCKET);
    await s3.put(BUCKET, BIG_KEY, gzipSync(JSON.stringify({ Records: fileEvents })));
  });
  after(async () => {
    await server?.close();
    await s3?.close();
    await kinesis?.close();
  });

  /** A new stream per test, named in the environment the handler reads at its (reset) cold start. */
  async function useStream(endpoint = kinesis.endpoint): Promise<string> {
    const stream = `trail-events-${++streams}`;
    await kinesis.createStream(stream);
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });
    Object.assign(process.env, {
      OPENSEARCH_ENDPOINT: server.url,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      KINESIS_STREAM: stream,
      KINESIS_ENDPOINT: endpoint,
    });
    resetForTests();
    return stream;
  }

  afterEach(() => {
    delete process.env.KINESIS_STREAM;
    delete process.env.KINESIS_ENDPOINT;
    resetForTests();
  });

  async function streamEvents(stream: string): Promise<Event[]> {
    return (await kinesis.readAll(stream)).map((record) => {
      const event = JSON.parse(record.data.toString('utf8')) as Event;
      assert.equal(record.partitionKey, event.eventID, 'partition key');
      return event;
    });
  }

  it('puts every event once, as the file holds it (not the document), keyed by eventID', async () => {
    const stream = await useStream();
    await handler(s3Event(BIG_KEY), context());
    assert.deepEqual(byEventId(await streamEvents(stream)), byEventId(fileEvents));
  });

  it('re-sends only throttled records: every event arrives exactly once (seeded; replay with KINESIS_SEED)', async () => {
    const seed = Number(process.env.KINESIS_SEED ?? Math.floor(Math.random() * 2 ** 32));
    const proxy = await startThrottlingProxy(kinesis.endpoint, {
      random: seededRandom(seed),
      recordShare: 0.2,
      callsToRefuse: 1,
    });
    try {
      const stream = await useStream(proxy.endpoint);
      await handler(s3Event(BIG_KEY), context());
      assert.ok(proxy.throttled > 0, `the proxy throttled no record (KINESIS_SEED=${seed})`);
      assert.deepEqual(byEventId(await streamEvents(stream)), byEventId(fileEvents), `KINESIS_SEED=${seed}`);
    } finally {
      await proxy.close();
    }
  });

  it('a file delivered again re-sends every record: the consumer de-duplicates on eventID', async () => {
    const stream = await useStream();
    await handler(s3Event(BIG_KEY), context());
    // As after a crash between Kinesis' acknowledgement and the trigger's: the same file again.
    resetForTests();
    await handler(s3Event(BIG_KEY), context());
    const events = await streamEvents(stream);
    const distinct = new Set(events.map((event) => event.eventID));
    assert.equal(events.length, 2 * fileEvents.length);
    assert.equal(distinct.size, fileEvents.length);
  });

  it('dead-letters an event too large for Kinesis and delivers the rest to both destinations', async () => {
    const stream = await useStream();
    const [first, second] = fileEvents as [Event, Event];
    const overhead = JSON.stringify({ ...second, requestParameters: { pad: '' } }).length;
    const big = {
      ...second,
      eventID: 'b1b1b1b1-0000-4000-8000-000000000001',
      requestParameters: { pad: 'x'.repeat(1024 * 1024 - 20 - overhead) },
    };
    await s3.put(BUCKET, OVERSIZE_KEY, gzipSync(JSON.stringify({ Records: [first, big] })));
    await handler(s3Event(OVERSIZE_KEY), context());
    assert.deepEqual(
      (await streamEvents(stream)).map((event) => event.eventID),
      [first.eventID],
    );
    await fetch(server.url + '/_refresh', { method: 'POST' });
    const found = (await (
      await fetch(server.url + '/cloudtrail-deadletter/_search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: { match_all: {} } }),
      })
    ).json()) as { hits: { hits: { _source: { reason: string; source: string } }[] } };
    const reasons = found.hits.hits.map((hit) => hit._source.reason);
    assert.equal(reasons.length, 1, JSON.stringify(reasons));
    assert.match(
      reasons[0]!,
      /^Kinesis: record 1 is \d+ bytes with its 36-byte partition key, over Kinesis' 1048576-byte record limit/,
    );
    const indexed = (await (await fetch(server.url + '/cloudtrail-2*/_count')).json()) as { count: number };
    assert.equal(indexed.count, 2);
  });

  it('fails the file, naming the stream and the error, when the stream does not exist', async () => {
    await useStream();
    process.env.KINESIS_STREAM = 'no-such-stream';
    resetForTests();
    await assert.rejects(handler(s3Event(BIG_KEY), context()), (error: Error) => {
      assert.match(error.message, /kinesis: PutRecords to no-such-stream failed: ResourceNotFoundException/);
      assert.match(error.message, /50 record\(s\) not delivered to Kinesis/);
      return true;
    });
  });

  it('refuses a bad KINESIS_STREAM at cold start, naming the variable', async () => {
    await useStream();
    process.env.KINESIS_STREAM = 'arn:aws:kinesis:eu-west-1:1:stream/x';
    resetForTests();
    await assert.rejects(
      handler(s3Event(BIG_KEY), context()),
      /KINESIS_STREAM="arn:aws:kinesis:eu-west-1:1:stream\/x": expected a Kinesis stream ARN/,
    );
  });
});
