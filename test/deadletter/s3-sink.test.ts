/**
 * S3 dead letters (src/deadletter/s3Sink.ts) through the real AWS SDK against s3rver: where an object
 * goes must not depend on the clock, so a file retried on a later day overwrites its dead letters
 * instead of storing a second copy.
 */
import { strict as assert } from 'node:assert';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { DeadLetterEntry, SinkContext } from '../../src/deadletter/entry.js';
import { S3DeadLetterStore } from '../../src/deadletter/s3Sink.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';

const BUCKET = 'dead-letter-test';
const context: SinkContext = {
  http: { request: () => Promise.reject(new Error('the S3 store makes no cluster requests')) },
  budget: { requestTimeoutMs: 10_000, remainingTimeMs: () => 60_000 },
};

function entries(source: string): DeadLetterEntry[] {
  return [3, 7].map((recordIndex) => ({
    source,
    recordIndex,
    reason: 'mapper_parsing_exception: failed to parse field [requestParameters.x]',
    failedAt: new Date().toISOString(),
  }));
}

describe('S3 dead letters: object keys', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
  });
  after(async () => s3.close());

  async function keys(prefix: string): Promise<string[]> {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  }

  it("a CloudTrail file's dead letters go under that file's day, and writing them again leaves one object", async () => {
    const sink = new S3DeadLetterStore(s3.client, BUCKET, 'dead/').forFile(context);
    const source =
      's3://trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/02/111122223333_CloudTrail_eu-west-1_20240102T1815Z_abc.json.gz';
    await sink.write(entries(source));
    await sink.write(entries(source)); // the retry (any day: the key holds no date of the clock's)
    const written = await keys('dead/');
    assert.equal(written.length, 1, written.join(', '));
    assert.match(written[0]!, /^dead\/2024\/01\/02\/[0-9a-f]{32}\.jsonl\.gz$/);
  });

  it('a source with no date in its name goes under the day of the write', async () => {
    const sink = new S3DeadLetterStore(s3.client, BUCKET, 'local').forFile(context);
    const day = () => new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const before = day();
    await sink.write(entries('/tmp/exports/trail.json.gz'));
    const after = day(); // the write may straddle midnight
    const written = await keys('local/');
    assert.equal(written.length, 1);
    const writtenDay = /^local\/(\d{4}\/\d{2}\/\d{2})\//.exec(written[0]!)?.[1];
    assert.ok(writtenDay === before || writtenDay === after, written[0]);
  });
});
