/**
 * The one HTTP layer over real sockets: the dev server behind the test proxy, which plays what the dev
 * server does not (an answer trickled a byte at a time, a gzip bomb, oversized answers, resets).
 */
import { strict as assert } from 'node:assert';
import { Client } from '@opensearch-project/opensearch';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { HttpError, NetworkError } from '../../src/http/errors.js';
import { accepted, clientHttp, type HttpCaller } from '../../src/http/request.js';
import { startProxy, type Proxy, type ProxyAction } from '../reliability/proxy.js';

const MIB = 1024 * 1024;

describe('HTTP layer: deadlines and bounded answers', function () {
  this.timeout(30_000);
  let server: DevServer;
  let proxy: Proxy;
  let client: Client;
  let http: HttpCaller;
  let next: ProxyAction;

  before(async () => {
    server = await startDevServer({ port: 0 });
    proxy = await startProxy(server.url, () => next);
    client = new Client({ node: proxy.url });
    http = clientHttp(client, { timeoutMs: 2_000, maxResponseBytes: MIB });
  });
  after(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });
  beforeEach(() => {
    next = { kind: 'forward' };
  });

  it('answers with the status and parsed body, whatever the status', async () => {
    const root = await http.request({ method: 'GET', path: '/' });
    assert.equal(root.statusCode, 200);
    assert.equal((root.body as { version: { distribution: string } }).version.distribution, 'opensearch');
    const missing = await http.request({ method: 'GET', path: '/no-such-index/_doc/1' });
    assert.equal(missing.statusCode, 404);
    assert.throws(
      () => accepted(missing, { method: 'GET', path: '/no-such-index/_doc/1' }),
      (error: unknown) =>
        error instanceof HttpError &&
        error.status === 404 &&
        error.errorType === 'index_not_found_exception' &&
        /^GET \/no-such-index\/_doc\/1 failed with HTTP 404 index_not_found_exception/.test(error.message),
    );
  });

  it('a server trickling its answer a byte at a time cannot hold a request past its deadline', async () => {
    // A byte every 40 ms keeps the socket busy (no idle timeout fires) and takes about 4 s in all.
    next = { kind: 'trickle', everyMs: 40 };
    await assert.rejects(
      http.request({ method: 'GET', path: '/' }, { timeoutMs: 500 }),
      (error: unknown) =>
        error instanceof NetworkError &&
        error.code === 'ETIMEDOUT' &&
        error.message === 'GET /: no complete answer within 500 ms',
    );
  });

  it('refuses an answer over the bound: declared, streamed without a length, or inflating past it', async () => {
    next = { kind: 'reply', status: 200, body: JSON.stringify({ pad: 'x'.repeat(2 * MIB) }) };
    await assert.rejects(http.request({ method: 'GET', path: '/' }), {
      name: 'NetworkError',
      code: 'ERESPONSETOOLARGE',
      message: `GET /: the answer declares ${2 * MIB + 10} bytes, over the ${MIB}-byte bound on answers`,
    });
    next = { kind: 'reply', status: 200, body: JSON.stringify({ pad: 'x'.repeat(2 * MIB) }), chunked: true };
    await assert.rejects(http.request({ method: 'GET', path: '/' }), {
      name: 'NetworkError',
      code: 'ERESPONSETOOLARGE',
      message: `GET /: the answer sent more than ${MIB} bytes, over the ${MIB}-byte bound on answers`,
    });
  });

  it('a 1 MB gzip answer that inflates to 1 GiB fails cleanly without the memory growing', async () => {
    next = { kind: 'gzip-bomb', inflatedBytes: 1024 * MIB };
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    await assert.rejects(
      http.request(
        { method: 'POST', path: '/_bulk', ndjson: '{"create":{"_index":"a","_id":"1"}}\n{}\n' },
        {
          maxResponseBytes: 32 * MIB,
        },
      ),
      {
        name: 'NetworkError',
        code: 'ERESPONSETOOLARGE',
        message: /POST \/_bulk: the answer inflates to more than 33554432 bytes/,
      },
    );
    const grown = process.resourceUsage().maxRSS * 1024 - peakBefore;
    assert.ok(grown < 200 * MIB, `peak RSS grew ${Math.round(grown / MIB)} MiB`);
  });

  it('a connection reset and a refused connection are network errors with their code', async () => {
    next = { kind: 'reset' };
    await assert.rejects(http.request({ method: 'GET', path: '/' }), {
      name: 'NetworkError',
      code: 'ECONNRESET',
    });
    const nowhere = new Client({ node: 'http://127.0.0.1:9' });
    try {
      await assert.rejects(clientHttp(nowhere).request({ method: 'GET', path: '/' }), {
        name: 'NetworkError',
        code: 'ECONNREFUSED',
      });
    } finally {
      await nowhere.close();
    }
  });
});
