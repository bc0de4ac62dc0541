import { strict as assert } from 'node:assert';
import { sdkKinesisTransport } from '../../src/kinesis/transport.js';
import { KinesisFailure, KinesisSender, type KinesisOutcome } from '../../src/kinesis/sender.js';
import { makeKinesisClient } from '../../src/kinesis/client.js';
import { parseStreamTarget, type KinesisStreamTarget } from '../../src/config.js';
import { seededRandom } from '../../src/util/random.js';
import { startKinesis, startThrottlingProxy, type LocalKinesis, type StoredRecord } from './localKinesis.js';

const FAST_RETRY = { baseMs: 5, maxMs: 40, maxAttempts: 30 };

function target(name: string): KinesisStreamTarget {
  return parseStreamTarget(name) as KinesisStreamTarget;
}

function events(count: number): { id: string; data: Buffer }[] {
  return Array.from({ length: count }, (_, index) => {
    const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
    return { id, data: Buffer.from(JSON.stringify({ eventID: id, eventName: 'GetObject', n: index })) };
  });
}

async function sendAll(
  endpoint: string,
  stream: string,
  records: { id: string; data: Buffer }[],
  random?: () => number,
) {
  const client = makeKinesisClient({ endpoint, requestTimeoutMs: 10_000 });
  const outcomes = new Map<number, KinesisOutcome>();
  let throttles = 0;
  let retries = 0;
  const sender = new KinesisSender({
    transport: sdkKinesisTransport(client, target(stream)),
    concurrency: 2,
    requestTimeoutMs: 10_000,
    remainingTimeMs: () => Infinity,
    retry: FAST_RETRY,
    random,
    maxRecordsPerCall: 50,
    onOutcome: (recordIndex, outcome) => {
      assert.ok(!outcomes.has(recordIndex), `record ${recordIndex} got two outcomes`);
      outcomes.set(recordIndex, outcome);
    },
    onThrottle: (count) => (throttles += count),
    onRetry: () => retries++,
  });
  let failure: KinesisFailure | undefined;
  try {
    for (const [recordIndex, record] of records.entries()) {
      const waiting = sender.offer({ recordIndex, data: record.data, partitionKey: record.id });
      if (waiting) await waiting;
    }
    await sender.close();
  } catch (error) {
    if (!(error instanceof KinesisFailure)) throw error;
    failure = error;
  } finally {
    client.destroy();
  }
  return { outcomes, throttles, retries, failure };
}

function eventIdsOf(records: StoredRecord[]): string[] {
  return records.map((record) => (JSON.parse(record.data.toString('utf8')) as { eventID: string }).eventID);
}

describe('Kinesis sender against a local Kinesis (kinesalite)', function () {
  this.timeout(60_000);
  let kinesis: LocalKinesis;
  before(async () => {
    kinesis = await startKinesis();
  });
  after(() => kinesis.close());

  it('puts every record once, byte for byte, in a clean run', async () => {
    await kinesis.createStream('clean');
    const records = events(437);
    const { outcomes, failure } = await sendAll(kinesis.endpoint, 'clean', records);
    assert.equal(failure, undefined);
    assert.equal(outcomes.size, records.length);
    assert.ok([...outcomes.values()].every((outcome) => outcome.kind === 'put'));
    const stored = await kinesis.readAll('clean');
    assert.equal(stored.length, records.length);
    assert.deepEqual(
      stored.map((record) => record.data.toString('utf8')).sort(),
      records.map((record) => record.data.toString('utf8')).sort(),
    );
  });

  it('retries only the throttled records and loses none (seeded; replay with KINESIS_SEED)', async () => {
    const seed = Number(process.env.KINESIS_SEED ?? Math.floor(Math.random() * 2 ** 32));
    try {
      await kinesis.createStream('throttled');
      const proxy = await startThrottlingProxy(kinesis.endpoint, {
        random: seededRandom(seed),
        recordShare: 0.3,
        callsToRefuse: 2,
      });
      const records = events(400);
      try {
        const { outcomes, throttles, failure } = await sendAll(
          proxy.endpoint,
          'throttled',
          records,
          seededRandom(seed + 1),
        );
        assert.equal(failure, undefined);
        assert.equal(outcomes.size, records.length);
        assert.ok(proxy.throttled > 0, 'the proxy throttled nothing');
        assert.equal(throttles, proxy.throttled + proxy.throttledCalls);
      } finally {
        await proxy.close();
      }
      // Throttled records were not stored, so re-sending only them gives each event exactly once.
      const ids = eventIdsOf(await kinesis.readAll('throttled'));
      assert.equal(ids.length, records.length);
      assert.equal(new Set(ids).size, records.length);
    } catch (error) {
      console.error(`KINESIS_SEED=${seed}`);
      throw error;
    }
  });

  it('dead-letters a record over 1 MiB with its partition key, and puts the rest', async () => {
    await kinesis.createStream('oversize');
    const records = events(3);
    const id = records[1]!.id;
    // 1 MiB of data is over the limit once its 36-byte partition key is counted.
    const overhead = JSON.stringify({ eventID: id, pad: '' }).length;
    const pad = 'x'.repeat(1024 * 1024 - 10 - overhead);
    records[1] = { id, data: Buffer.from(JSON.stringify({ eventID: id, pad })) };
    assert.ok(records[1].data.length <= 1024 * 1024);
    const { outcomes, failure } = await sendAll(kinesis.endpoint, 'oversize', records);
    assert.equal(failure, undefined);
    const outcome = outcomes.get(1);
    assert.equal(outcome?.kind, 'dead-letter');
    assert.match(
      (outcome as { reason: string }).reason,
      /record 1 is \d+ bytes .* over Kinesis' 1048576-byte record limit/,
    );
    assert.deepEqual(
      eventIdsOf(await kinesis.readAll('oversize')).sort(),
      [records[0]!.id, records[2]!.id].sort(),
    );
  });

  it('fails the run, counting every record undelivered, when the stream does not exist', async () => {
    const { outcomes, failure } = await sendAll(kinesis.endpoint, 'missing-stream', events(120));
    assert.equal(outcomes.size, 0);
    assert.ok(failure);
    assert.equal(failure.kind, 'fatal');
    assert.equal(failure.undelivered, 120);
    assert.match(failure.message, /PutRecords to missing-stream failed: ResourceNotFoundException/);
  });

  it('gives up when the time left cannot hold another call, with the records undelivered', async () => {
    const client = makeKinesisClient({ endpoint: kinesis.endpoint, requestTimeoutMs: 1000 });
    const outcomes: number[] = [];
    const sender = new KinesisSender({
      transport: sdkKinesisTransport(client, target('clean')),
      concurrency: 1,
      requestTimeoutMs: 1000,
      remainingTimeMs: () => 2500,
      retry: FAST_RETRY,
      onOutcome: (recordIndex) => outcomes.push(recordIndex),
    });
    for (const [recordIndex, record] of events(10).entries())
      await sender.offer({ recordIndex, data: record.data, partitionKey: record.id });
    await assert.rejects(sender.close(), (error: unknown) => {
      assert.ok(error instanceof KinesisFailure);
      assert.equal(error.kind, 'out-of-time');
      assert.equal(error.undelivered, 10);
      return true;
    });
    client.destroy();
  });
});

describe('Kinesis stream setting', () => {
  it('takes a name or an ARN and names what is wrong otherwise', () => {
    assert.deepEqual(parseStreamTarget('cloudtrail-events'), {
      text: 'cloudtrail-events',
      name: 'cloudtrail-events',
    });
    assert.deepEqual(parseStreamTarget('arn:aws:kinesis:eu-west-1:111122223333:stream/ct'), {
      text: 'arn:aws:kinesis:eu-west-1:111122223333:stream/ct',
      name: 'ct',
      arn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/ct',
      region: 'eu-west-1',
    });
    assert.match(
      String(parseStreamTarget('arn:aws:kinesis:eu-west-1:1:stream/ct')),
      /stream ARN of the form/,
    );
    assert.match(String(parseStreamTarget('bad name')), /stream name/);
  });
});
