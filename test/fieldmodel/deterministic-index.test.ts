/**
 * The index of every record is a pure function of the record and its file: indexing the same files
 * again on a later (or earlier) day stores nothing twice. The CLI runs in a child process whose clock is
 * moved (test/fieldmodel/shifted-clock.ts), reading local files and objects of an S3-compatible server
 * (s3rver, through the AWS SDK), and indexes over HTTP into the dev server.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BIN, summaryNumber } from '../helpers/cli.js';
import { logPath, search, useSuite, writeCloudTrailFile } from './helpers.js';

const CLOCK = fileURLToPath(new URL('./shifted-clock.js', import.meta.url));
const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const run = promisify(execFile);

/** The CLI with its clock moved by `shiftMs`. */
async function cliAt(
  shiftMs: number,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', CLOCK, BIN, ...args], {
      env: { ...process.env, SHIFT_CLOCK_MS: String(shiftMs) },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('field model: the same files indexed on another day store nothing twice (CLI, dev server, s3rver)', function () {
  this.timeout(120_000);
  const suite = useSuite('replay', { withS3: true });

  it('the shifted clock moves the child process’s clock (so the test below can tell)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', CLOCK, '-e', 'console.log(Date.now(), new Date().getTime())'],
      {
        env: { ...process.env, SHIFT_CLOCK_MS: String(3 * DAY) },
      },
    );
    const [now, constructed] = stdout.trim().split(' ').map(Number);
    assert.ok(Math.abs(now! - (Date.now() + 3 * DAY)) < HOUR, stdout);
    assert.ok(Math.abs(constructed! - (Date.now() + 3 * DAY)) < HOUR, stdout);
  });

  it('records without a usable eventTime, or with one after their file was written, keep their index', async () => {
    const { h, s3, work } = suite;
    await s3.createBucket('trail');
    // Local files, their modification time fixed (a file's mtime is a fact about it, like LastModified).
    const written = Date.UTC(2024, 6, 10, 12, 0, 0);
    const undated = await writeCloudTrailFile(join(work, 'exports', 'undated.json.gz'), [
      { eventID: 'local-no-time', eventName: 'NoTime' },
      {
        eventID: 'local-future',
        eventName: 'Future',
        eventTime: new Date(written + 30 * HOUR).toISOString(),
      },
      { eventID: 'local-fine', eventName: 'Fine', eventTime: new Date(written - HOUR).toISOString() },
    ]);
    const dated = await writeCloudTrailFile(logPath(work, '2024-07-09', 'dated'), [
      {
        eventID: 'dated-future',
        eventName: 'Future',
        eventTime: new Date(written + 30 * HOUR).toISOString(),
      },
    ]);
    for (const file of [undated, dated]) await utimes(file, written / 1000, written / 1000);
    // S3 objects: LastModified is when they are put, i.e. now; a record 30 h after it, under today's key.
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const [y, m, d] = today.split('-');
    await s3.put(
      'trail',
      'exports/undated.json.gz',
      gzipSync(JSON.stringify({ Records: [{ eventID: 's3-no-time' }] })),
    );
    await s3.put(
      'trail',
      `AWSLogs/1/CloudTrail/us-east-1/${y}/${m}/${d}/1_CloudTrail_us-east-1_${y}${m}${d}T0000Z_x.json.gz`,
      gzipSync(
        JSON.stringify({
          Records: [{ eventID: 's3-future', eventTime: new Date(now + 30 * HOUR).toISOString() }],
        }),
      ),
    );

    const index = (shiftMs: number) =>
      Promise.all([
        cliAt(shiftMs, 'index', undated, dated, '--endpoint', h.server.url),
        cliAt(shiftMs, 'index', 's3://trail/', '--endpoint', h.server.url, '--s3-endpoint', s3.endpoint),
      ]);
    const first = await index(0);
    for (const result of first) assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(summaryNumber(first[0].stdout, 'indexed'), 4);
    assert.equal(summaryNumber(first[1].stdout, 'indexed'), 2);

    // Two days later, and on a machine whose clock is a year behind: every record is already there.
    for (const shiftMs of [2 * DAY, -365 * DAY]) {
      const again = await index(shiftMs);
      for (const result of again) {
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.equal(
          summaryNumber(result.stdout, 'indexed'),
          0,
          `clock ${shiftMs / DAY} days: ${result.stdout}`,
        );
      }
      assert.equal(summaryNumber(again[0].stdout, 'duplicates'), 4);
      assert.equal(summaryNumber(again[1].stdout, 'duplicates'), 2);
    }

    const hits = await search(h.server, 'cloudtrail-2*', { match_all: {} });
    const where = Object.fromEntries(hits.map((hit) => [hit._id, hit._index]));
    assert.equal(hits.length, 6, 'each record stored once');
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: 'trail', Key: 'exports/undated.json.gz' }),
    );
    const lastModifiedDay = `cloudtrail-${head.LastModified!.toISOString().slice(0, 10)}`;
    assert.deepEqual(where, {
      'local-no-time': 'cloudtrail-2024-07-10', // the file's time
      'local-future': 'cloudtrail-2024-07-10', // 30 h after the file was written: invalid, the file's time
      'local-fine': 'cloudtrail-2024-07-10',
      'dated-future': 'cloudtrail-2024-07-09', // invalid: the key's date
      's3-no-time': lastModifiedDay, // the object's LastModified
      's3-future': `cloudtrail-${today}`, // invalid: the key's date
    });
  });
});
