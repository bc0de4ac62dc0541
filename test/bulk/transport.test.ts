import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { clientTransport } from '../../src/bulk/transport.js';
import { NetworkError } from '../../src/http/errors.js';
import { errorBody, FakeBulkServer, type RequestFault } from './fake-bulk-server.js';

const NDJSON = '{"create":{"_index":"cloudtrail-2024-01-02","_id":"é1"}}\n{"m":"日本","n":1}\n';

describe('clientTransport over @opensearch-project/opensearch', function () {
  this.timeout(10_000);
  let server: FakeBulkServer;
  let fault: RequestFault | undefined;
  let client: Client;
  beforeEach(async () => {
    fault = undefined;
    server = new FakeBulkServer({ requestFault: () => fault });
    await server.start();
    client = new Client({ node: server.url });
  });
  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it('POSTs the body byte for byte as x-ndjson and returns the parsed answer', async () => {
    const response = await clientTransport(client).send(NDJSON, { timeoutMs: 2000 });

    assert.equal(response.statusCode, 200);
    assert.deepEqual((response.body as { items: unknown[] }).items, [
      {
        create: {
          _index: 'cloudtrail-2024-01-02',
          _id: 'é1',
          _version: 1,
          result: 'created',
          _seq_no: 0,
          _primary_term: 1,
          status: 201,
        },
      },
    ]);
    assert.equal(server.lastRaw?.body.toString('utf8'), NDJSON);
    assert.equal(server.lastRaw?.headers['content-type'], 'application/x-ndjson');
  });

  it('returns HTTP errors as responses instead of throwing', async () => {
    const transport = clientTransport(client);
    fault = { kind: 'status', status: 413 };
    assert.deepEqual(await transport.send(NDJSON, { timeoutMs: 2000 }), { statusCode: 413, body: undefined });
    const denied = errorBody('security_exception', 'no permissions', 403);
    fault = { kind: 'status', status: 403, body: denied };
    assert.deepEqual(await transport.send(NDJSON, { timeoutMs: 2000 }), { statusCode: 403, body: denied });
    // 502 is one the client would retry by itself; it must come back at once, after one request.
    fault = { kind: 'status', status: 502, text: 'Bad Gateway' };
    const before = server.requests.length;
    assert.deepEqual(await transport.send(NDJSON, { timeoutMs: 2000 }), {
      statusCode: 502,
      body: 'Bad Gateway',
    });
    assert.equal(server.requests.length, before + 1);
  });

  it('rejects network failures with their code: reset and timeout', async () => {
    const transport = clientTransport(client);
    fault = { kind: 'reset-before' };
    await assert.rejects(transport.send(NDJSON, { timeoutMs: 2000 }), (error) => {
      assert.ok(error instanceof NetworkError);
      assert.equal(error.code, 'ECONNRESET');
      return true;
    });
    fault = { kind: 'slow', delayMs: 1000 };
    const started = Date.now();
    await assert.rejects(transport.send(NDJSON, { timeoutMs: 200 }), {
      name: 'NetworkError',
      code: 'ETIMEDOUT',
    });
    assert.ok(Date.now() - started < 900);
  });

  it('with the SigV4 signer, the signed payload hash is the hash of the exact body sent', async () => {
    const signed = new Client({
      ...AwsSigv4Signer({
        region: 'eu-west-1',
        service: 'es',
        getCredentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      }),
      node: server.url,
    });
    try {
      const response = await clientTransport(signed).send(NDJSON, { timeoutMs: 2000 });
      assert.equal(response.statusCode, 200);
      const headers = server.lastRaw?.headers ?? {};
      const bodyHash = createHash('sha256')
        .update(server.lastRaw?.body ?? '')
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
