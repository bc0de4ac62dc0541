/**
 * The command line as a user runs it (a child process) against a cluster that goes away, refuses our
 * credentials, or trickles its answers: a backfill gives up as a whole, early and with a clear message,
 * instead of grinding through every file; every request has a deadline; a password in an endpoint is
 * never printed.
 */
import { strict as assert } from 'node:assert';
import { cli, summaryNumber } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import {
  assertExactlyOnce,
  generateCorpus,
  resetCluster,
  startProxy,
  startRig,
  type Corpus,
  type Rig,
} from './harness.js';

const FILES = 30;

describe('reliability: a backfill gives up as a whole (CLI)', function () {
  this.timeout(120_000);
  let rig: Rig;
  let corpus: Corpus;

  before(async () => {
    rig = await startRig();
    corpus = await generateCorpus(rig, 'giveup', FILES * 100, 100, 'giveup');
  });
  after(async () => rig?.close());
  beforeEach(async () => resetCluster(rig));

  /** The corpus through one indexing thread with `inFlight` files at once. */
  const backfill = (endpoint: string, inFlight = 2) =>
    cli(
      'index',
      corpus.dir,
      '--endpoint',
      endpoint,
      '--threads',
      '1',
      '--files-per-thread',
      String(inFlight),
    );

  it('a cluster that goes away mid-backfill: stops after 3 files in a row, says what was not attempted; a re-run completes it', async () => {
    let bulks = 0;
    const proxy = await startProxy(rig.server.url, (request) => {
      if (request.url.startsWith('/_bulk') && ++bulks === 6) void proxy.stopListening(); // the cluster dies
      return { kind: 'forward' };
    });
    const started = Date.now();
    const run = await backfill(proxy.url);
    const seconds = (Date.now() - started) / 1000;
    await proxy.close();

    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^stopped early: the cluster did not answer for 3 files in a row \(last: POST \/_bulk: connect ECONNREFUSED [^)]*\): the run stopped early, files not started are left for a re-run$/m,
    );
    const processed = summaryNumber(run.stdout, 'files');
    const failed = Number(/(\d+) failed/.exec(run.stdout)?.[1]);
    const notAttempted = Number(/^not attempted: (\d+) file\(s\)/m.exec(run.stdout)?.[1]);
    assert.equal(processed + notAttempted, FILES, run.stdout);
    // The files in flight when the cluster went away, and the ones that tripped the breaker: no more.
    assert.ok(failed <= 3 + 2, `${failed} files failed`);
    assert.ok(notAttempted >= FILES - processed && notAttempted > 10, run.stdout);
    const errorLines = run.stderr.split('\n').filter(Boolean).length;
    assert.ok(errorLines < 100, `${errorLines} lines on stderr`);
    if (process.env.RELIABILITY_REPORT) {
      console.log(
        `gave up after ${seconds.toFixed(1)} s, ${errorLines} stderr lines, ${notAttempted} files not attempted`,
      );
    }

    const rerun = await cli('index', corpus.dir, '--endpoint', rig.server.url, '--threads', '1');
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
    await assertExactlyOnce(rig, corpus.ids, 'after the cluster came back');
  });

  it('credentials refused for 3 files in a row: the run stops at once, with the advice', async () => {
    const denied = JSON.stringify({
      error: {
        type: 'security_exception',
        reason:
          'no permissions for [indices:data/write/bulk] and User [name=arn:aws:iam::111122223333:role/indexer, backend_roles=[]]',
      },
      status: 403,
    });
    const proxy = await startProxy(rig.server.url, (request) =>
      request.url.startsWith('/_bulk') ? { kind: 'reply', status: 403, body: denied } : { kind: 'forward' },
    );
    const run = await backfill(proxy.url);
    await proxy.close();

    assert.equal(run.code, 1);
    assert.match(run.stdout, /^stopped early: the cluster refused our credentials for 3 files in a row/m);
    assert.match(run.stdout, /not mapped to an OpenSearch role/);
    const bulkFiles = new Set(proxy.log.filter((r) => r.path === '/_bulk').map((r) => r.docs[0]?.id));
    assert.ok(bulkFiles.size <= 4, `${bulkFiles.size} files were sent`);
    assert.equal(
      summaryNumber(run.stdout, 'files') + Number(/^not attempted: (\d+)/m.exec(run.stdout)?.[1]),
      FILES,
    );
  });

  it('every bulk request throttled (429): the run backs off, stops after 3 files in a row, and loses nothing', async function () {
    // Each file spends its 8 attempts waiting out its own backoff and the run-wide pause: about a minute.
    this.timeout(300_000);
    const throttled = JSON.stringify({
      error: { type: 'rejected_execution_exception', reason: 'rejected execution of bulk' },
      status: 429,
    });
    const proxy = await startProxy(rig.server.url, (request) =>
      request.url.startsWith('/_bulk')
        ? { kind: 'reply', status: 429, body: throttled }
        : { kind: 'forward' },
    );
    // Three files in flight at once, so they throttle together and share the pause.
    const run = await backfill(proxy.url, 3);
    await proxy.close();

    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^stopped early: the cluster throttled every attempt for 3 files in a row/m);
    const processed = summaryNumber(run.stdout, 'files');
    const notAttempted = Number(/^not attempted: (\d+) file\(s\)/m.exec(run.stdout)?.[1]);
    assert.equal(processed + notAttempted, FILES, run.stdout);
    assert.ok(notAttempted >= FILES - 6, `${notAttempted} files not attempted`);
    // No file is sent more than its 8 attempts: the run gives up instead of cycling through the corpus.
    const bulks = proxy.log.filter((r) => r.path === '/_bulk');
    const perFile = new Map<string, number>();
    for (const bulk of bulks)
      perFile.set(String(bulk.docs[0]?.id), (perFile.get(String(bulk.docs[0]?.id)) ?? 0) + 1);
    assert.ok(Math.max(...perFile.values()) <= 8, `attempts per file: ${[...perFile.values()].join()}`);
    assert.ok(perFile.size <= 6, `${perFile.size} files were sent`);
    if (process.env.RELIABILITY_REPORT) {
      console.log(
        `always 429: ${bulks.length} bulk requests over ${perFile.size} files, ${notAttempted} not attempted`,
      );
    }

    const rerun = await cli('index', corpus.dir, '--endpoint', rig.server.url, '--threads', '1');
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
    await assertExactlyOnce(rig, corpus.ids, 'after the throttling ended');
  });
});

describe('reliability: every request has a deadline (CLI --request-timeout)', function () {
  this.timeout(60_000);
  let rig: Rig;

  before(async () => {
    rig = await startRig();
  });
  after(async () => rig?.close());

  /** A proxy that trickles its first answer a byte every 500 ms (the whole answer would take a minute). */
  const tricklingFirst = () =>
    startProxy(rig.server.url, ({ number }) =>
      number === 1 ? { kind: 'trickle', everyMs: 500 } : { kind: 'forward' },
    );

  it('index: GET / trickled by the cluster is abandoned at the deadline and retried', async () => {
    await resetCluster(rig);
    const proxy = await tricklingFirst();
    const run = await cli(
      'index',
      SAMPLES_DIR,
      '--endpoint',
      proxy.url,
      '--request-timeout',
      '1000',
      '--threads',
      '1',
    );
    await proxy.close();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /cluster not ready, retrying .*GET \/: no complete answer within 1000 ms/);
    assert.equal(proxy.log[0]?.path, '/');
  });

  it('cleanup and redrive: their first request trickled is abandoned at the deadline and retried', async () => {
    for (const args of [
      ['cleanup', '--keep-days', '30', '--dry-run'],
      ['redrive', '--from', 'index:ct-nothing-here'],
    ]) {
      const proxy = await tricklingFirst();
      const run = await cli(...args, '--endpoint', proxy.url, '--request-timeout', '1000');
      await proxy.close();
      assert.equal(run.code, 0, `${args[0]}: ${run.stdout}${run.stderr}`);
      assert.ok(proxy.requests >= 2, `${args[0]}: the first request was sent again`);
    }
  });

  it('--request-timeout is checked', async () => {
    const run = await cli('index', SAMPLES_DIR, '--endpoint', rig.server.url, '--request-timeout', 'soon');
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /--request-timeout <ms>' argument 'soon' is invalid\. Expected a whole number from 100 to 900000/,
    );
  });
});

describe('reliability: a password in an endpoint is never printed (CLI)', () => {
  it('index, cleanup and redrive refuse a malformed endpoint holding credentials without echoing them', async () => {
    const endpoint = 'http://admin:S3cretPw@127.0.0.1:999999';
    for (const args of [
      ['index', SAMPLES_DIR, '--endpoint', endpoint],
      ['cleanup', '--endpoint', endpoint, '--keep-days', '30'],
      ['redrive', '--endpoint', endpoint, '--from', 'index:x'],
    ]) {
      const run = await cli(...args);
      assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
      assert.ok(
        !(run.stdout + run.stderr).includes('S3cretPw'),
        `${args[0]} printed the password: ${run.stderr}`,
      );
      assert.match(
        run.stderr,
        /--endpoint http:\/\/(?:admin:)?\*\*\*@127\.0\.0\.1:999999: port 999999 is out of range/,
      );
    }
  });
});
