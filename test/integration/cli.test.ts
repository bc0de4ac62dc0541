/**
 * The CLI as a user runs it (`node bin/cloudtrail-opensearch.js ...` in a child process) against the
 * dev server over HTTP: exit codes, summaries, and what the indices hold afterwards.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { cli, summaryNumber } from '../helpers/cli.js';
import { SAMPLES_DIR, sampleRecordCount } from '../helpers/samples.js';

describe('CLI index (child process, dev server over HTTP)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let workDir: string;

  before(async () => {
    server = await startDevServer({ port: 0 });
    workDir = await mkdtemp(join(tmpdir(), 'ct-cli-'));
  });
  after(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });
  });

  async function documentCount(pattern = 'cloudtrail-1*,cloudtrail-2*'): Promise<number> {
    await fetch(`${server.url}/_refresh`, { method: 'POST' });
    const body = (await (await fetch(`${server.url}/${pattern}/_count`)).json()) as { count: number };
    return body.count;
  }

  it('indexes every sample record exactly once; a second run reports them all as duplicates', async () => {
    const first = await cli(
      'index',
      SAMPLES_DIR,
      '--endpoint',
      server.url,
      '--threads',
      '1',
      '--files-per-thread',
      '1',
    );
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const read = summaryNumber(first.stdout, 'records read');
    assert.equal(read, sampleRecordCount(), 'every record of the bundled log files');
    assert.equal(summaryNumber(first.stdout, 'indexed'), read);
    assert.equal(summaryNumber(first.stdout, 'dead-lettered'), 0);
    assert.equal(await documentCount(), read);

    const second = await cli('index', SAMPLES_DIR, '--endpoint', server.url);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(summaryNumber(second.stdout, 'duplicates'), read);
    assert.equal(summaryNumber(second.stdout, 'indexed'), 0);
    assert.equal(await documentCount(), read);
  });

  it('indexes CloudTrail files it has never seen (generated) exactly once', async () => {
    const out = join(workDir, 'generated');
    const generated = await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: out,
      records: 6000,
      perFile: 700,
      seed: 'cli-test',
      days: 3,
    });
    const result = await cli('index', out, '--endpoint', server.url, '--max-bytes', '200000');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(summaryNumber(result.stdout, 'indexed'), generated.records);
    assert.equal(await documentCount(), generated.records);
  });

  it('--threads 3: worker threads index every file once, dead letters included, with the same totals', async () => {
    const out = join(workDir, 'threads');
    const generated = await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: out,
      records: 5000,
      perFile: 300,
      seed: 'cli-threads',
      days: 2,
    });
    // One more file whose second record is not an object: it must be dead-lettered by whichever thread reads it.
    const good = {
      eventVersion: '1.08',
      eventID: 'threads-good-1',
      eventTime: '2024-05-01T10:00:00Z',
      eventName: 'X',
    };
    await writeFile(
      join(out, '111122223333_CloudTrail_us-east-1_20240501T1000Z_threadsTest00001.json.gz'),
      gzipSync(JSON.stringify({ Records: [good, 42] })),
    );
    const result = await cli(
      'index',
      out,
      '--endpoint',
      server.url,
      '--threads',
      '3',
      '--files-per-thread',
      '2',
      '--dead-letter',
      'index:ct-threads-dead',
    );
    assert.equal(result.code, 3, 'delivered, one record dead-lettered: ' + result.stderr + result.stdout);
    assert.equal(summaryNumber(result.stdout, 'records read'), generated.records + 2);
    assert.equal(summaryNumber(result.stdout, 'indexed'), generated.records + 1);
    assert.equal(summaryNumber(result.stdout, 'dead-lettered'), 1);
    assert.match(result.stdout, new RegExp(`files:\\s+${generated.files.length + 1} processed, 0 failed`));
    assert.equal(await documentCount(), generated.records + 1);
    assert.equal(await documentCount('ct-threads-dead'), 1);

    const again = await cli(
      'index',
      out,
      '--endpoint',
      server.url,
      '--threads',
      '2',
      '--dead-letter',
      'index:ct-threads-dead',
    );
    assert.equal(again.code, 3, again.stderr);
    assert.equal(summaryNumber(again.stdout, 'duplicates'), generated.records + 1);
    assert.equal(await documentCount(), generated.records + 1);
  });

  it('rejects --threads 0 with a usage message', async () => {
    const result = await cli('index', SAMPLES_DIR, '--endpoint', server.url, '--threads', '0');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--threads/);
  });

  it('exits 2 with a usage message when --endpoint is missing or the command is unknown', async () => {
    const missing = await cli('index', SAMPLES_DIR);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--endpoint is required/);
    const unknown = await cli('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });
});
