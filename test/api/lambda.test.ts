/**
 * The query API as the deployed Lambda answers it: function URL events (payload format 2.0) through
 * QueryApiFunction, against the dev server holding the bundled samples. Every route answers exactly what
 * `cloudtrail-opensearch serve` (run as a user runs it, in a child process) answers for the same request:
 * the same status and the same bytes, refusals included. A page is cut under the byte bound, and an
 * answer whose escaped form would pass the function URL's 6 MB limit goes base64-encoded and still
 * fits. A bad setting, an unreachable cluster and an invocation running out of time are answered (500,
 * 502, 504) with what is wrong, and a request's deadline is cut to the invocation's remaining time.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FUNCTION_URL_MAX_RESULT_BYTES, type FunctionUrlResult } from '../../src/api/functionUrl.js';
import { QueryApiFunction } from '../../src/api/lambda.js';
import { BIN } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { logPath, startHarness, writeCloudTrailFile, type Harness } from '../fieldmodel/helpers.js';
import { QUESTIONS } from '../query/questions.js';
import { indexedSamples, keyOfEvent } from '../query/samples.js';

const CALLER = 'arn:aws:iam::111122223333:user/investigator';
const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });

/** A function URL event for `method` and `target` (path and query string as a client sends them). */
function urlEvent(method: string, target: string) {
  const at = target.indexOf('?');
  return {
    version: '2.0',
    rawPath: at === -1 ? target : target.slice(0, at),
    rawQueryString: at === -1 ? '' : target.slice(at + 1),
    headers: { host: 'abc.lambda-url.eu-west-1.on.aws' },
    requestContext: {
      http: { method, path: target, sourceIp: '198.51.100.7' },
      authorizer: { iam: { userArn: CALLER } },
      requestId: 'test',
    },
    isBase64Encoded: false,
  };
}

/** The body the caller receives: the function URL decodes a base64 result. */
const bodyOf = (result: FunctionUrlResult) =>
  result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;

/** Starts `cloudtrail-opensearch serve` on a free port and returns the child and the URL it prints. */
async function startServe(endpoint: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--endpoint', endpoint, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const listening = /listening on (http:\/\/\S+)/.exec(line);
      if (listening) resolve(listening[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

describe('query API Lambda (function URL events)', function () {
  this.timeout(180_000);
  let h: Harness;
  let serve: { child: ChildProcess; url: string };
  let fn: QueryApiFunction;
  let total: number;
  const savedMetricsSetting = process.env.POWERTOOLS_METRICS_DISABLED;

  before(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    h = await startHarness();
    total = (await indexedSamples()).length;
    assert.equal((await h.index(SAMPLES_DIR)).indexed, total);
    await h.client.indices.refresh({ index: 'cloudtrail-*' });
    serve = await startServe(h.server.url);
    fn = new QueryApiFunction({ OPENSEARCH_ENDPOINT: h.server.url, LOG_LEVEL: 'ERROR' });
  });
  after(async () => {
    serve?.child.kill('SIGTERM');
    await h?.close();
    if (savedMetricsSetting === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = savedMetricsSetting;
  });

  async function bothAnswers(method: string, target: string) {
    const served = await fetch(serve.url + target, { method });
    const result = await fn.handle(urlEvent(method, target), context());
    return {
      served: { status: served.status, body: await served.text() },
      lambda: { status: result.statusCode, body: bodyOf(result) },
      result,
    };
  }

  const ROUTES = [
    ...QUESTIONS.map((question) => question.api),
    '/users',
    '/users?size=3',
    '/services',
    '/services?account=123456789123',
    '/top?by=eventName',
    '/top?by=service&size=3&errors=true',
    '/events?size=7',
    '/events?size=5&from=2021-12-02&to=2021-12-02',
  ];
  for (const target of ROUTES) {
    it(`GET ${target}: the same status and JSON as serve`, async () => {
      const { served, lambda, result } = await bothAnswers('GET', target);
      assert.equal(served.status, 200, served.body);
      assert.deepEqual(lambda, served);
      assert.equal(result.headers['content-type'], 'application/json; charset=utf-8');
    });
  }

  const REFUSED = [
    '/events?color=red',
    '/events?from=yesterday',
    '/events?from=2024-05-02&to=2024-05-01',
    '/events?ip=10.0.0.0/99',
    '/events?size=0',
    '/events?size=5000',
    '/events?next=bm90LWEtY3Vyc29y',
    '/events?errors=maybe',
    '/events?actor=a&actor=b',
    '/users/pedro?param=requestParameters.attribute',
    '/top',
    '/top?by=ct.text',
    '/nothing-here',
    '/users/a/b',
  ];
  for (const target of REFUSED) {
    it(`GET ${target}: the same refusal as serve`, async () => {
      const { served, lambda } = await bothAnswers('GET', target);
      assert.ok(served.status >= 400 && served.status < 500, served.body);
      assert.deepEqual(lambda, served);
    });
  }

  it('refuses to change anything as serve does (POST, DELETE: 405), and answers HEAD without a body', async () => {
    for (const method of ['POST', 'DELETE']) {
      const { served, lambda } = await bothAnswers(method, '/events');
      assert.equal(served.status, 405);
      assert.deepEqual(lambda, served);
    }
    const head = await fn.handle(urlEvent('HEAD', '/users'), context());
    assert.deepEqual([head.statusCode, head.body], [200, '']);
  });

  it('follows a next cursor to the same second page as serve', async () => {
    const first = JSON.parse((await bothAnswers('GET', '/events?size=5')).lambda.body) as { next: string };
    const { served, lambda } = await bothAnswers('GET', `/events?size=5&next=${first.next}`);
    assert.equal(served.status, 200);
    assert.deepEqual(lambda, served);
  });

  it('cuts pages at the byte bound, and the pages hold every event exactly once', async () => {
    const bound = 64 * 1024;
    const small = new QueryApiFunction(
      { OPENSEARCH_ENDPOINT: h.server.url, LOG_LEVEL: 'ERROR' },
      { maxResponseBytes: bound },
    );
    const keys: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const target: string = `/events?size=200${next === null ? '' : `&next=${next}`}`;
      const result = await small.handle(urlEvent('GET', target), context());
      assert.equal(result.statusCode, 200, result.body);
      const body = bodyOf(result);
      assert.ok(Buffer.byteLength(body) <= bound, `page ${pages}: ${Buffer.byteLength(body)} bytes`);
      const page = JSON.parse(body) as { events: Record<string, unknown>[]; next: string | null };
      keys.push(...page.events.map(keyOfEvent));
      next = page.next;
      pages++;
    } while (next !== null);
    assert.ok(pages > 10, `${pages} pages`);
    assert.equal(new Set(keys).size, keys.length, 'no event twice');
    assert.equal(keys.length, total, 'every sample event');
  });

  it("keeps a page of quote-heavy events under the function URL's 6 MB, base64 when escaping would pass it", async () => {
    const work = await mkdtemp(join(tmpdir(), 'ct-api-big-'));
    const count = 50;
    try {
      // Each event carries 60,000 double quotes: 120 KB of `\"` in the answer, 240 KB once escaped again.
      const records = Array.from({ length: count }, (_, i) => ({
        eventVersion: '1.08',
        eventID: `big-quotes-${i}`,
        eventTime: `2030-01-01T00:00:${String(i).padStart(2, '0')}Z`,
        eventSource: 'iam.amazonaws.com',
        eventName: 'PutRolePolicy',
        awsRegion: 'us-east-1',
        recipientAccountId: '111122223333',
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/quoter', userName: 'quoter' },
        requestParameters: { policyDocument: '"'.repeat(60_000) },
      }));
      await writeCloudTrailFile(logPath(work, '2030-01-01', 'big'), records);
      assert.equal((await h.index(work)).indexed, count);
      await h.client.indices.refresh({ index: 'cloudtrail-*' });
      const ids: string[] = [];
      let next: string | null = null;
      let sawBase64 = false;
      do {
        const target: string = `/events?from=2030-01-01&to=2030-01-01&size=1000${next === null ? '' : `&next=${next}`}`;
        const result = await fn.handle(urlEvent('GET', target), context());
        const payloadBytes = Buffer.byteLength(JSON.stringify(result));
        assert.ok(payloadBytes <= FUNCTION_URL_MAX_RESULT_BYTES, `result of ${payloadBytes} bytes`);
        sawBase64 ||= result.isBase64Encoded;
        const page = JSON.parse(bodyOf(result)) as { events: { eventID: string }[]; next: string | null };
        assert.equal(result.statusCode, 200);
        ids.push(...page.events.map((event) => event.eventID));
        next = page.next;
      } while (next !== null);
      assert.ok(sawBase64, 'the first page, escaped, would pass 6 MB: it goes base64');
      assert.deepEqual(
        ids,
        records.map((record) => record.eventID),
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('answers 500 naming the setting when the configuration is wrong', async () => {
    const broken = new QueryApiFunction({ OPENSEARCH_ENDPOINT: 'search-domain:443', LOG_LEVEL: 'ERROR' });
    const result = await broken.handle(urlEvent('GET', '/users'), context());
    assert.equal(result.statusCode, 500);
    const error = (JSON.parse(result.body) as { error: { message: string } }).error;
    assert.match(
      error.message,
      /misconfigured: OPENSEARCH_ENDPOINT="search-domain:443": expected an http\(s\) URL/,
    );
  });

  it('answers 502 saying which endpoint could not be reached', async () => {
    const closed = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new QueryApiFunction({
      OPENSEARCH_ENDPOINT: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'ERROR',
    });
    const result = await unreachable.handle(urlEvent('GET', '/events'), context());
    assert.equal(result.statusCode, 502, result.body);
    const error = (JSON.parse(result.body) as { error: { message: string } }).error;
    assert.match(error.message, /^the cluster did not answer the query: /);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  it("cuts a request's deadline to the invocation's remaining time, and says when none is left", async () => {
    // A cluster that accepts the connection and never answers.
    const stalled = createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', () => resolve()));
    try {
      const endpoint = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
      const slow = new QueryApiFunction({ OPENSEARCH_ENDPOINT: endpoint, LOG_LEVEL: 'ERROR' });
      // 3 s left, 1 s of it kept to answer: the search gets 2 s, not REQUEST_TIMEOUT_MS (30 s).
      const timedOut = await slow.handle(urlEvent('GET', '/events'), context(3_000));
      assert.equal(timedOut.statusCode, 502, timedOut.body);
      assert.match(timedOut.body, /within 2000 ms/);
      const noTime = await slow.handle(urlEvent('GET', '/events'), context(500));
      assert.equal(noTime.statusCode, 504, noTime.body);
      assert.match(noTime.body, /ran out of time before the cluster answered/);
    } finally {
      stalled.closeAllConnections();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });
});
