/** The one retry policy and the one transient decision, on plain values (no network needed). */
import { strict as assert } from 'node:assert';
import { HttpError, isTransient, NetworkError, troubleOf } from '../../src/http/errors.js';
import { ClusterHealth, RunStoppedError } from '../../src/http/health.js';
import { redactCredentials } from '../../src/http/redact.js';
import { OutOfTimeError, withRetry, type TimeBudget } from '../../src/http/retry.js';

const error = (type: string, reason: string) => ({ error: { type, reason }, status: 0 });
const FAST = { baseMs: 1, maxMs: 5, maxAttempts: 4 };
const FOREVER: TimeBudget = { requestTimeoutMs: 1000, remainingTimeMs: () => Infinity };

describe('isTransient: one decision for every request', () => {
  it('retries 408, 429, 500, 502, 503, 504 and AWS throttling; not other 4xx', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      assert.equal(isTransient(new HttpError(status, undefined, 'GET /')), true, `${status}`);
    }
    for (const status of [400, 401, 403, 404, 409, 413, 501]) {
      assert.equal(isTransient(new HttpError(status, undefined, 'GET /')), false, `${status}`);
    }
    const throttled = { message: 'Request throttled due to too many requests' };
    assert.equal(isTransient(new HttpError(403, throttled, 'POST /_bulk')), true);
  });

  it('a cluster block clears on its own only when no cluster-manager is elected yet', () => {
    const starting = error(
      'cluster_block_exception',
      'blocked by: [SERVICE_UNAVAILABLE/2/no cluster-manager];',
    );
    const flood = error(
      'cluster_block_exception',
      'index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark];',
    );
    assert.equal(isTransient(new HttpError(503, starting, 'POST /_bulk')), true);
    assert.equal(isTransient(new HttpError(429, flood, 'POST /_bulk')), false);
    assert.equal(isTransient(new HttpError(403, flood, 'POST /_bulk')), false);
  });

  it('network failures are transient, except TLS mismatches and answers over the bound', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']) {
      assert.equal(isTransient(new NetworkError(code, code)), true, code);
    }
    assert.equal(isTransient(new NetworkError('ETLS', 'wrong version number')), false);
    assert.equal(isTransient(new NetworkError('ERESPONSETOOLARGE', 'over')), false);
    assert.equal(isTransient(new Error('a bug')), false);
  });

  it('says what a failure means for the cluster as a whole', () => {
    assert.equal(troubleOf(new NetworkError('ECONNREFUSED', 'x')), 'unreachable');
    assert.equal(troubleOf(new HttpError(503, undefined, 'x')), 'unreachable');
    assert.equal(troubleOf(new HttpError(429, undefined, 'x')), 'throttled');
    assert.equal(troubleOf(new HttpError(401, undefined, 'x')), 'auth');
    assert.equal(troubleOf(new HttpError(400, undefined, 'x')), undefined);
  });

  it('keeps a bounded part of a huge body', () => {
    const failure = new HttpError(500, 'x'.repeat(1024 * 1024), 'GET /');
    assert.ok(typeof failure.body === 'string' && failure.body.length <= 64 * 1024 + 1);
    assert.ok(failure.message.length < 700, `${failure.message.length} characters`);
  });
});

describe('withRetry', () => {
  it('retries transient failures, then returns the answer', async () => {
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        if (calls < 3) return Promise.reject(new HttpError(503, undefined, 'GET /'));
        return Promise.resolve('ok');
      },
      { policy: FAST, budget: FOREVER, what: 'GET /' },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
  });

  it('does not retry what will not clear, and gives up after maxAttempts', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        () => {
          calls++;
          return Promise.reject(new HttpError(400, undefined, 'PUT /x'));
        },
        { policy: FAST, budget: FOREVER, what: 'PUT /x' },
      ),
      { status: 400 },
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      withRetry(
        () => {
          calls++;
          return Promise.reject(new NetworkError('ECONNREFUSED', 'refused'));
        },
        { policy: FAST, budget: FOREVER, what: 'GET /' },
      ),
      { code: 'ECONNREFUSED' },
    );
    assert.equal(calls, FAST.maxAttempts);
  });

  it('never waits or starts an attempt past the time left; each attempt gets at most what is left', async () => {
    const timeouts: number[] = [];
    let left = 5_000;
    const budget: TimeBudget = { requestTimeoutMs: 30_000, remainingTimeMs: () => left };
    await assert.rejects(
      withRetry(
        (timeoutMs) => {
          timeouts.push(timeoutMs);
          left -= 3_000; // each attempt "takes" 3 s
          return Promise.reject(new HttpError(502, undefined, 'GET /'));
        },
        {
          policy: { baseMs: 10_000, maxMs: 10_000, maxAttempts: 8 },
          budget,
          what: 'GET /',
          random: () => 0.5,
        },
      ),
      { status: 502 },
    );
    // 5 s left: the attempt may take 4 s (1 s kept for finishing), and a 5 s backoff does not fit after it.
    assert.deepEqual(timeouts, [4_000]);
    await assert.rejects(
      withRetry(() => Promise.resolve('never'), {
        policy: FAST,
        budget: { requestTimeoutMs: 30_000, remainingTimeMs: () => 1_050 },
        what: 'GET /',
      }),
      (failure: unknown) => failure instanceof OutOfTimeError && /GET \/: 50 ms left/.test(failure.message),
    );
  });

  it('stops as soon as the run has stopped', async () => {
    const health = ClusterHealth.create();
    health.stop('the cluster did not answer for 3 files in a row');
    await assert.rejects(
      withRetry(() => Promise.resolve('never'), { policy: FAST, budget: FOREVER, what: 'GET /', health }),
      (failure: unknown) => failure instanceof RunStoppedError && /3 files in a row/.test(failure.message),
    );
  });
});

describe('ClusterHealth', () => {
  it('trips after the given number of files in a row fail because of the cluster; an answered file resets', () => {
    const health = ClusterHealth.create({ tripAfterFiles: 3 });
    health.noteFile('unreachable', 'connect ECONNREFUSED');
    health.noteFile('unreachable', 'connect ECONNREFUSED');
    health.noteFile('answered');
    health.noteFile('no-request');
    health.noteFile('auth', 'HTTP 403');
    health.noteFile('unreachable', 'connect ECONNREFUSED');
    assert.equal(health.stopped, false);
    health.noteFile('throttled', 'POST /_bulk: HTTP 429 rejected_execution_exception');
    assert.equal(health.stopped, true);
    assert.equal(
      health.stopReason,
      'the cluster throttled every attempt for 3 files in a row (last: POST /_bulk: HTTP 429 rejected_execution_exception): ' +
        'the run stopped early, files not started are left for a re-run',
    );
  });

  it('is the same state for every holder of its memory (as worker threads get it)', () => {
    const health = ClusterHealth.create({ tripAfterFiles: 2 });
    const elsewhere = new ClusterHealth(health.shared, { tripAfterFiles: 2 });
    health.noteFile('unreachable');
    elsewhere.noteFile('unreachable', 'the last one');
    assert.equal(health.stopped, true);
    assert.match(health.stopReason ?? '', /2 files in a row \(last: the last one\)/);
  });

  it('a throttled answer pauses the whole run, growing with consecutive throttles; any answer ends the streak', () => {
    const health = ClusterHealth.create({ pause: { baseMs: 1000, maxMs: 8000 }, random: () => 0.999 });
    assert.equal(health.pausedForMs(), 0);
    // The pause is a deadline on the wall clock: what is left of it is the full pause less the time
    // spent between noting the answer and asking, however long a loaded machine takes for that.
    const pauseLeft = (note: () => void, fullMs: number) => {
      const before = Date.now();
      note();
      const left = health.pausedForMs();
      const spent = Date.now() - before;
      assert.ok(left <= fullMs && left >= fullMs - spent, `${left} ms left of ${fullMs} after ${spent} ms`);
    };
    pauseLeft(() => health.noteAnswer('throttled'), 999);
    const longPauseFrom = Date.now();
    pauseLeft(() => {
      health.noteAnswer('throttled');
      health.noteAnswer('throttled');
    }, 3996);
    health.noteAnswer(undefined);
    health.noteAnswer('throttled'); // a new streak: its own pause is 999 ms
    const left = health.pausedForMs();
    const sinceLong = Date.now() - longPauseFrom;
    assert.ok(
      left <= 3996 && left >= 3996 - sinceLong,
      `a shorter pause never cuts a longer one short: ${left}`,
    );
  });
});

describe('redactCredentials', () => {
  it('hides user info in URLs, parseable or not, and leaves other text alone', () => {
    assert.equal(
      redactCredentials('endpoint "http://admin:S3cretPw@127.0.0.1:999999" is not a URL'),
      'endpoint "http://***@127.0.0.1:999999" is not a URL',
    );
    assert.equal(
      redactCredentials('https://u:pa/ss@h:1/x and ftp://u@h'),
      'https://***@h:1/x and ftp://***@h',
    );
    assert.equal(
      redactCredentials('https://search-x.eu-west-1.es.amazonaws.com/'),
      'https://search-x.eu-west-1.es.amazonaws.com/',
    );
  });

  it("keep: 'user' shows the user name, hides the password (even one holding @ or /)", () => {
    assert.equal(
      redactCredentials('--endpoint http://admin:S3cretPw@127.0.0.1:999999 is not a URL', 'user'),
      '--endpoint http://admin:***@127.0.0.1:999999 is not a URL',
    );
    assert.equal(
      redactCredentials('https://u:p@ss/w@h:1/x and ftp://u@h', 'user'),
      'https://u:***@h:1/x and ftp://u@h',
    );
  });
});
