/** The bulk transport over real HTTP: the dev server behind the test proxy, which records what was sent. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { BULK_FILTER_PATH, clientTransport } from '../../src/bulk/transport.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { NetworkError } from '../../src/http/errors.js';
import { startProxy, type ProxiedRequest, type Proxy, type ProxyAction } from '../reliability/proxy.js';

const NDJSON = '{"create":{"_index":"cloudtrail-2024-01-02","_id":"é1"}}\n{"m":"日本","n":1}\n';

describe('bulk transport over @opensearch-project/opensearch', function () {
  this.timeout(10_000);
  let server: DevServer;
  let proxy: Proxy;
  let client: Client;
  let next: ProxyAction;
  let last: ProxiedRequest | undefined;

  before(async () => {
    server = await startDevServer({ port: 0 });
    proxy = await startProxy(server.url, (request) => {
      last = request;
      return next;
    });
    client = new Client({ node: proxy.url });
  });
  after(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });
  beforeEach(async () => {
    next = { kind: 'forward' };
    server.faults.clear();
    await fetch(`${server.url}/cloudtrail-*`, { method: 'DELETE' });
  });

  it('POSTs the body byte for byte as x-ndjson, asks only for what the sender reads, and returns the answer', async () => {
    const response = await clientTransport(client).send(NDJSON, { timeoutMs: 2000 });

    assert.equal(response.statusCode, 200);
    assert.deepEqual((response.body as { items: unknown[] }).items, [{ create: { _id: 'é1', status: 201 } }]);
    assert.equal(last?.body.toString('utf8'), NDJSON);
    assert.equal(last?.headers['content-type'], 'application/x-ndjson');
    const query = new URL(last?.url ?? '', 'http://x').searchParams;
    assert.equal(query.get('filter_path'), BULK_FILTER_PATH);
  });

  it('returns HTTP errors as responses instead of throwing, after one request each', async () => {
    const transport = clientTransport(client);
    server.faults.add({
      fault: { kind: 'payload-too-large', maxBytes: 10, style: 'self-managed' },
      times: 1,
    });
    assert.deepEqual(await transport.send(NDJSON, { timeoutMs: 2000 }), { statusCode: 413, body: undefined });
    server.faults.add({ fault: { kind: 'forbidden', user: 'someone' }, times: 1 });
    const denied = await transport.send(NDJSON, { timeoutMs: 2000 });
    assert.equal(denied.statusCode, 403);
    assert.equal((denied.body as { error: { type: string } }).error.type, 'security_exception');
    // 502 is one the client would retry by itself; it must come back at once, after one request.
    server.faults.add({ fault: { kind: 'server-error', status: 502 }, times: 1 });
    const before = proxy.requests;
    const gateway = await transport.send(NDJSON, { timeoutMs: 2000 });
    assert.equal(gateway.statusCode, 502);
    assert.match(String(gateway.body), /502 Bad Gateway/);
    assert.equal(proxy.requests, before + 1);
  });

  it('rejects network failures with their code: reset and timeout', async () => {
    const transport = clientTransport(client);
    next = { kind: 'reset' };
    await assert.rejects(transport.send(NDJSON, { timeoutMs: 2000 }), (error) => {
      assert.ok(error instanceof NetworkError);
      assert.equal(error.code, 'ECONNRESET');
      return true;
    });
    next = { kind: 'forward', delayMs: 1000 };
    await assert.rejects(transport.send(NDJSON, { timeoutMs: 200 }), {
      name: 'NetworkError',
      code: 'ETIMEDOUT',
      message: 'POST /_bulk: no complete answer within 200 ms',
    });
  });

  it('with the SigV4 signer, the signed payload hash is the hash of the exact body sent', async () => {
    const signed = new Client({
      ...AwsSigv4Signer({
        region: 'eu-west-1',
        service: 'es',
        getCredentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      }),
      node: proxy.url,
    });
    try {
      const response = await clientTransport(signed).send(NDJSON, { timeoutMs: 2000 });
      assert.equal(response.statusCode, 200);
      const headers = last?.headers ?? {};
      const bodyHash = createHash('sha256')
        .update(last?.body ?? '')
        .digest('hex');
      assert.equal(headers['x-amz-content-sha256'], bodyHash);
      assert.match(
        String(headers.authorization),
        /\/eu-west-1\/es\/aws4_request, SignedHeaders=[^,]*x-amz-content-sha256/,
      );
    } finally {
      await signed.close();
    }
  });
});
