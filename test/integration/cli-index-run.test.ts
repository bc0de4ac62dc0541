/**
 * How `index` reports a run, through the CLI as a child process against the dev server: progress on
 * a terminal (a pseudo-terminal made by util-linux `script`) and not, `--quiet`, `--verbose` naming
 * skipped files, the exit-code table, and the refresh that makes what was indexed searchable at once
 * (the dev server keeps the template's 30 s refresh interval, as OpenSearch does).
 */
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { BIN, cli, summaryNumber } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';

const PROGRESS_LINE =
  /^progress: (\d+)\/(\d+)(\+?) files, (\d+) records \(\d+\/s\), ETA (\S+), (\d+) failed, (\d+) dead-lettered$/;
const LOG_FILE = (name: string) => `111122223333_CloudTrail_us-east-1_20240501T1000Z_${name}.json.gz`;

function logFile(records: unknown[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}

describe('CLI index: progress, skipped files, exit codes, refresh (child process, dev server)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let workDir: string;
  let slowCorpus: string;

  before(async () => {
    server = await startDevServer({ port: 0 });
    workDir = await mkdtemp(join(tmpdir(), 'ct-cli-run-'));
    slowCorpus = join(workDir, 'slow');
    await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: slowCorpus,
      records: 600,
      perFile: 100,
      seed: 'progress',
    });
  });
  after(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    server.faults.clear();
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });
  });

  /** Every bulk request waits: each of the 6 files takes at least 300 ms, whatever the machine's load. */
  function slowBulk(): void {
    server.faults.add({ fault: { kind: 'latency', ms: 300 }, path: '/_bulk' });
  }
  const oneAtATime = ['--threads', '1', '--files-per-thread', '1'];
  /** `index` of the slow corpus, one file at a time. */
  const indexSlowly = (...extra: string[]) =>
    cli('index', slowCorpus, '--endpoint', server.url, ...oneAtATime, ...extra);

  it('not on a terminal: a plain progress line every --progress-interval, with total, rate and ETA', async () => {
    slowBulk();
    const result = await indexSlowly('--progress-interval', '0.2');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.ok(lines.length >= 2, `progress lines:\n${result.stderr}`);
    const parsed = lines.map((line) => {
      const match = PROGRESS_LINE.exec(line);
      assert.ok(match, `a progress line: ${line}`);
      return {
        done: Number(match[1]),
        total: Number(match[2]),
        more: match[3],
        records: Number(match[4]),
        eta: match[5],
      };
    });
    const midway = parsed.find((line) => line.done >= 1 && line.done < 6);
    assert.ok(midway, `a line while files were still being indexed:\n${result.stderr}`);
    assert.equal(midway.total, 6, 'the total is known (files are listed ahead)');
    assert.equal(midway.more, '');
    assert.equal(midway.records, midway.done * 100);
    assert.match(midway.eta ?? '', /^\d+s$/);
    assert.ok(!result.stderr.includes('\r'), 'no terminal control characters in a log');
    assert.equal(summaryNumber(result.stdout, 'indexed'), 600);
  });

  it('on a terminal: one live line redrawn in place, wiped before the summary', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip(); // util-linux is on every CI machine
    slowBulk();
    const command = [process.execPath, BIN, 'index', slowCorpus, '--endpoint', server.url, ...oneAtATime]
      .map((part) => `'${part}'`)
      .join(' ');
    // `script` runs the command on a pseudo-terminal and copies what it shows to stdout.
    const { stdout } = await promisify(execFile)('script', ['-q', '-e', '-c', command, '/dev/null'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const redraws = stdout.split('\r\x1b[K');
    assert.ok(redraws.length >= 3, `redrawn in place:\n${JSON.stringify(stdout.slice(0, 500))}`);
    const drawn = redraws.slice(1, -1);
    for (const line of drawn)
      assert.match(
        line,
        /^\d+\/\d+\+? files, \d+ records \(\d+\/s\), ETA \S+, \d+ failed, \d+ dead-lettered$/,
      );
    assert.ok(
      drawn.some((line) => /^[1-5]\/6 files/.test(line)),
      `a line midway:\n${drawn.join('\n')}`,
    );
    assert.ok(!stdout.includes('progress:'), 'no plain lines on a terminal');
    assert.match(
      redraws[redraws.length - 1]!,
      /^files: {9}6 processed, 0 failed/,
      'the summary starts on a clean line',
    );
  });

  it('--quiet: no progress; --progress none the same', async () => {
    slowBulk();
    for (const flag of [['--quiet'], ['--progress', 'none']]) {
      const result = await indexSlowly('--progress-interval', '0.1', ...flag);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '', flag.join(' '));
    }
  });

  it('--verbose names every file indexed and every file skipped, with the reason', async () => {
    const dir = join(workDir, 'mixed');
    await mkdir(join(dir, 'CloudTrail-Digest'), { recursive: true });
    await writeFile(
      join(dir, LOG_FILE('verbose01')),
      logFile([{ eventID: 'v-1', eventTime: '2024-05-01T10:00:00Z' }]),
    );
    await writeFile(
      join(dir, 'CloudTrail-Digest', '111122223333_CloudTrail-Digest_us-east-1_x_20240501T1000Z.json.gz'),
      logFile([]),
    );
    await writeFile(join(dir, 'notes.txt'), 'not a log');
    await writeFile(join(dir, LOG_FILE('empty')), '');
    const result = await cli('index', dir, '--endpoint', server.url, '--verbose', '--quiet');
    assert.equal(result.code, 0, result.stderr);
    const stderr = result.stderr;
    assert.ok(stderr.includes(`skipped ${join(dir, 'CloudTrail-Digest')}/`), stderr);
    assert.match(
      stderr,
      /CloudTrail-Digest_us-east-1_x_20240501T1000Z\.json\.gz: a CloudTrail digest file \(integrity hashes, no events\)/,
    );
    assert.ok(stderr.includes(`skipped ${join(dir, 'notes.txt')}: not a .json.gz or .json file`), stderr);
    assert.ok(stderr.includes(`skipped ${join(dir, LOG_FILE('empty'))}: empty (0 bytes)`), stderr);
    assert.ok(
      stderr.includes(
        `${join(dir, LOG_FILE('verbose01'))}: read 1, indexed 1, duplicates 0, dead-lettered 0`,
      ),
      stderr,
    );
    assert.match(result.stdout, /files:\s+1 processed, 0 failed, 3 skipped/);
    const quiet = await cli('index', dir, '--endpoint', server.url, '--quiet');
    assert.equal(quiet.stderr, '', 'without --verbose nothing is named');
  });

  describe('exit codes', () => {
    it('0: everything delivered (a second run: all duplicates, still 0)', async () => {
      const dir = join(workDir, 'exit0');
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, LOG_FILE('exit0')),
        logFile([{ eventID: 'e0-1', eventTime: '2024-05-01T10:00:00Z' }]),
      );
      for (const run of ['first', 'again']) {
        const result = await cli('index', dir, '--endpoint', server.url);
        assert.equal(result.code, 0, `${run}: ${result.stderr}`);
      }
    });

    it('1: a file not read to its end (truncated), even though its first records were indexed', async () => {
      const dir = join(workDir, 'exit1');
      await mkdir(dir, { recursive: true });
      const records = Array.from({ length: 400 }, (_, i) => ({
        eventID: `e1-${i}`,
        eventTime: '2024-05-01T10:00:00Z',
        pad: 'x'.repeat(200 + i),
      }));
      const gz = logFile(records);
      await writeFile(join(dir, LOG_FILE('exit1')), gz.subarray(0, Math.floor(gz.length * 0.8)));
      const result = await cli('index', dir, '--endpoint', server.url);
      assert.equal(result.code, 1, result.stderr + result.stdout);
      assert.match(result.stdout, /files:\s+1 processed, 1 failed/);
    });

    it('2: nothing to index (an empty directory, a directory of digests only): a warning names it', async () => {
      const empty = join(workDir, 'exit2-empty');
      const digests = join(workDir, 'exit2-digests', 'CloudTrail-Digest');
      await mkdir(empty, { recursive: true });
      await mkdir(digests, { recursive: true });
      await writeFile(
        join(digests, '111122223333_CloudTrail-Digest_us-east-1_x_20240501T1000Z.json.gz'),
        logFile([]),
      );
      const none = await cli('index', empty, '--endpoint', server.url);
      assert.equal(none.code, 2);
      assert.ok(none.stderr.includes(`warning: ${empty}: no CloudTrail log files\n`), none.stderr);
      assert.match(none.stderr, /nothing to index: no CloudTrail log file under the given paths/);
      const onlyDigests = await cli('index', join(workDir, 'exit2-digests'), '--endpoint', server.url);
      assert.equal(onlyDigests.code, 2);
      assert.match(
        onlyDigests.stderr,
        /no CloudTrail log files \(1 other files skipped; --verbose names them\)/,
      );
      // One empty path among others with log files: a warning, and the exit code of the rest.
      const mixed = await cli('index', empty, join(workDir, 'exit0'), '--endpoint', server.url);
      assert.equal(mixed.code, 0, mixed.stderr);
      assert.ok(mixed.stderr.includes(`warning: ${empty}: no CloudTrail log files`), mixed.stderr);
    });

    it('3: delivered, but a record went to the dead letter', async () => {
      const dir = join(workDir, 'exit3');
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, LOG_FILE('exit3')),
        logFile([{ eventID: 'e3-1', eventTime: '2024-05-01T10:00:00Z' }, 42]),
      );
      const result = await cli('index', dir, '--endpoint', server.url);
      assert.equal(result.code, 3, result.stderr + result.stdout);
      assert.equal(summaryNumber(result.stdout, 'indexed'), 1);
      assert.equal(summaryNumber(result.stdout, 'dead-lettered'), 1);
    });
  });

  it('refreshes what it indexed: searchable as soon as it returns; --no-refresh says when instead', async () => {
    const count = async () =>
      ((await (await fetch(`${server.url}/cloudtrail-2*/_count`)).json()) as { count: number }).count;
    const noRefresh = await cli('index', slowCorpus, '--endpoint', server.url, '--no-refresh');
    assert.equal(noRefresh.code, 0, noRefresh.stderr);
    assert.match(
      noRefresh.stdout,
      /^searchable: {4}within 30 s \(the refresh interval; --no-refresh given\)$/m,
    );
    assert.equal(await count(), 0, 'not searchable yet: the index refreshes every 30 s');
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });

    const result = await cli('index', slowCorpus, '--endpoint', server.url);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^searchable: {4}now \(refreshed cloudtrail-\*\)$/m);
    assert.equal(await count(), 600);
  });
});
