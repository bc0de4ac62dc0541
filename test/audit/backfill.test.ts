/**
 * Backfills of a trail-shaped bucket (s3rver) with the `index` command as a child process: --from/--to,
 * --accounts and --regions list only the matching CloudTrail date prefixes (organization paths too),
 * and --resume after an interrupted backfill indexes each remaining object once and skips the rest.
 */
import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { ledgerId, type LogFileEntry } from '../../src/ledger/ledger.js';
import { cliWithEnv, summaryNumber } from '../helpers/cli.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { buildTrail, DAY, standardTrail, upload, type Trail } from './trail.js';

describe('backfill by date prefixes, resumable (s3rver + dev server + CLI child process)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let s3: TestS3;
  let number = 0;

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
  });
  after(async () => {
    await server?.close();
    await s3?.close();
  });

  async function bucketWith(
    trail: (bucket: string) => Trail,
  ): Promise<{ bucket: string; prefix: string; trail: Trail }> {
    const bucket = `backfill-${++number}`;
    await s3.createBucket(bucket);
    const built = trail(bucket);
    await upload(s3, bucket, [...built.logFiles, ...built.digests]);
    return { bucket, prefix: `b${number}-`, trail: built };
  }

  const index = (prefix: string, ...args: string[]) =>
    cliWithEnv(
      { INDEX_PREFIX: prefix, S3_ENDPOINT: s3.endpoint },
      'index',
      ...args,
      '--endpoint',
      server.url,
      '--quiet',
      '--threads',
      '1',
    );

  async function ledgerEntry(prefix: string, bucket: string, key: string): Promise<LogFileEntry | undefined> {
    const response = await fetch(`${server.url}/${prefix}ledger/_doc/${ledgerId(bucket, key)}`);
    const body = (await response.json()) as { found: boolean; _source: LogFileEntry };
    return body.found ? body._source : undefined;
  }

  it('--from/--to, --accounts and --regions index only the matching days, accounts (organization paths too) and regions', async () => {
    const { bucket, prefix, trail } = await bucketWith((name) =>
      buildTrail(name, [
        { root: 'AWSLogs/', account: '111122223333', region: 'us-east-1', filesPerHour: [1, 1] },
        { root: 'AWSLogs/', account: '111122223333', region: 'eu-west-1', filesPerHour: [1] },
        { root: 'AWSLogs/o-abc123def4/', account: '444455556666', region: 'us-east-1', filesPerHour: [2] },
      ]),
    );
    // Another day's file: outside the range, it must not be listed.
    const otherDay = trail.logFiles[0]!;
    await upload(s3, bucket, [
      { key: otherDay.key.replace(`/${DAY.replace(/-/g, '/')}/`, '/2026/11/05/'), body: otherDay.body },
    ]);
    const expected = trail.logFiles.filter((f) => f.key.includes('/us-east-1/'));
    const result = await index(
      prefix,
      `s3://${bucket}/`,
      '--from',
      DAY,
      '--to',
      DAY,
      '--regions',
      'us-east-1',
      '--accounts',
      '111122223333,444455556666',
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`files:\\s+${expected.length} processed`));
    for (const file of trail.logFiles) {
      const entry = await ledgerEntry(prefix, bucket, file.key);
      assert.equal(entry !== undefined, expected.includes(file), file.key);
    }
  });

  it('an interrupted backfill resumed with --resume indexes each remaining object once, and skips the rest', async () => {
    const { bucket, prefix, trail } = await bucketWith(standardTrail);
    // The interrupted run: it got through the member account's files only.
    const first = await index(prefix, `s3://${bucket}/AWSLogs/111122223333/`);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const done = trail.logFiles.filter((f) => f.key.startsWith('AWSLogs/111122223333/'));
    assert.ok(done.length > 0 && done.length < trail.logFiles.length);

    const resumed = await index(prefix, `s3://${bucket}/`, '--resume', '--verbose');
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`files:\\s+${trail.logFiles.length - done.length} processed`));
    assert.equal(summaryNumber(resumed.stdout, 'duplicates'), 0, 'nothing indexed twice');
    for (const file of done)
      assert.ok(
        resumed.stderr.includes(`skipped s3://${bucket}/${file.key}: already indexed`),
        resumed.stderr,
      );
    for (const file of trail.logFiles) {
      const entry = await ledgerEntry(prefix, bucket, file.key);
      assert.equal(entry?.attempts, 1, `${file.key} indexed once`);
      assert.equal(entry?.status, 'complete');
    }
  });
});
