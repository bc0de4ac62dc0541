/**
 * `cloudtrail-opensearch index s3://bucket/prefix` as a user runs it: the CLI in a child process lists
 * a real S3-compatible server (s3rver) with the AWS SDK and indexes into the dev server, on several
 * threads, with S3 dead letters written by whichever thread read the bad record.
 */
import { strict as assert } from 'node:assert';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { cli, summaryNumber } from '../helpers/cli.js';
import { readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';

describe('CLI index s3://… backfill (child process, s3rver + dev server over HTTP)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let s3: TestS3;
  let sampleKeys: string[];

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    await s3.createBucket('trail');
    await s3.createBucket('dead');
    sampleKeys = await s3.uploadTree('trail', SAMPLES_DIR);
    const good = { eventVersion: '1.08', eventID: 's3-backfill-good', eventTime: '2024-05-01T10:00:00Z' };
    await s3.put(
      'trail',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1000Z_badRecordTest0.json.gz',
      gzipSync(JSON.stringify({ Records: [good, 'not an object'] })),
    );
  });
  after(async () => {
    await server?.close();
    await s3?.close();
  });

  async function count(pattern: string): Promise<number> {
    await fetch(`${server.url}/_refresh`, { method: 'POST' });
    return ((await (await fetch(`${server.url}/${pattern}/_count`)).json()) as { count: number }).count;
  }

  it('indexes every log file under the prefix once, skips digests, and dead-letters to S3 from any thread', async () => {
    const args = ['index', 's3://trail/AWSLogs/', '--endpoint', server.url, '--s3-endpoint', s3.endpoint];
    const result = await cli(...args, '--threads', '2', '--dead-letter', 's3://dead/failed/');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    // Expected from the data itself: log files are the `_CloudTrail_` keys; the rest (Digest files,
    // the Config writability check) are skipped.
    const logKeys = sampleKeys.filter((key) => key.startsWith('AWSLogs/') && key.includes('_CloudTrail_'));
    const otherKeys = sampleKeys.filter((key) => key.startsWith('AWSLogs/') && !key.includes('_CloudTrail_'));
    assert.ok(
      otherKeys.some((key) => key.includes('CloudTrail-Digest')),
      'the samples include a Digest file',
    );
    let sampleRecords = 0;
    for (const key of logKeys) sampleRecords += readSampleRecords(join(SAMPLES_DIR, key)).length;
    const read = sampleRecords + 2;
    assert.equal(summaryNumber(result.stdout, 'records read'), read);
    assert.match(
      result.stdout,
      new RegExp(`files:\\s+${logKeys.length + 1} processed, 0 failed, ${otherKeys.length} skipped`),
    );
    assert.equal(summaryNumber(result.stdout, 'indexed'), read - 1);
    assert.equal(summaryNumber(result.stdout, 'dead-lettered'), 1);
    assert.equal(await count('cloudtrail-1*,cloudtrail-2*'), read - 1);

    const dead = await s3.client.send(new ListObjectsV2Command({ Bucket: 'dead', Prefix: 'failed/' }));
    assert.equal(dead.KeyCount, 1, 'one dead-letter object');

    const again = await cli(...args, '--threads', '3', '--dead-letter', 's3://dead/failed/');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(summaryNumber(again.stdout, 'duplicates'), read - 1);
    assert.equal(await count('cloudtrail-1*,cloudtrail-2*'), read - 1);
  });
});
