/**
 * The real client against a tiny HTTP server: what arrives on the wire is signed (or carries Basic
 * credentials), and our own SigV4 verifier accepts the client's signatures (signer ↔ verifier).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type IncomingForVerification } from '../../devserver/sigv4.js';
import { createClient, type ConnectionOptions } from '../../src/opensearch/client.js';
import { detectCluster } from '../../src/opensearch/cluster.js';
import { describeAuthFailure } from '../../src/opensearch/errors.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/cloudtrail-indexer';
const SIGV4 = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', region: 'eu-west-1', service: 'es' };

const ROOT_BODY = {
  name: 'node-1',
  cluster_name: 'test',
  version: { distribution: 'opensearch', number: '2.19.1', lucene_version: '9.12.1' },
  tagline: 'The OpenSearch Project: https://opensearch.org/',
};

interface Received extends IncomingForVerification {
  url: string;
}

/** Records every request and answers like a small OpenSearch. */
class FakeOpenSearch {
  readonly received: Received[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    this.received.push({
      url,
      method: request.method ?? 'GET',
      path,
      query: queryAt < 0 ? '' : url.slice(queryAt + 1),
      headers: request.headers,
      body: Buffer.concat(chunks),
    });
    if (path === '/slow') return; // never answers: for the timeout test
    const [status, body] = this.answer(request.method ?? 'GET', path);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  private answer(method: string, path: string): [number, unknown] {
    if (method === 'GET' && path === '/') return [200, ROOT_BODY];
    if (path.endsWith('/_bulk')) {
      return [
        200,
        {
          took: 1,
          errors: false,
          items: [{ create: { _index: 'cloudtrail-2024-01-01', _id: 'e1', status: 201 } }],
        },
      ];
    }
    if (path.endsWith('/_search')) return [200, { hits: { total: { value: 0, relation: 'eq' }, hits: [] } }];
    if (path.startsWith('/_cat/indices'))
      return [200, [{ index: 'cloudtrail-2024-01-01', 'docs.count': '1' }]];
    if (path === '/forbidden') {
      const reason = `no permissions for [indices:admin/create] and User [name=${ROLE_ARN}, backend_roles=[${ROLE_ARN}], requestedTenant=null]`;
      return [
        403,
        {
          error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason },
          status: 403,
        },
      ];
    }
    if (path === '/unavailable') return [503, { error: 'busy' }];
    return [404, { error: 'no handler' }];
  }
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('createClient over HTTP', () => {
  let server: FakeOpenSearch;
  let endpoint: string;

  beforeEach(async () => {
    server = new FakeOpenSearch();
    endpoint = await server.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  function client(options: Omit<ConnectionOptions, 'endpoint'>) {
    return createClient({ endpoint, ...options });
  }

  describe('sigv4', () => {
    const sigv4Options: Omit<ConnectionOptions, 'endpoint'> = {
      auth: 'sigv4',
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' }),
    };

    it('signs GET /, POST /_bulk (NDJSON), a comma path and a query string; our verifier accepts each', async () => {
      const opensearch = client(sigv4Options);
      try {
        const cluster = await detectCluster(opensearch, 'es');
        assert.deepEqual(cluster, {
          distribution: 'opensearch',
          version: '2.19.1',
          major: 2,
          minor: 19,
          serverless: false,
          supportsFlatObject: true,
        });
        const bulk = await opensearch.bulk({
          body: [
            { create: { _index: 'cloudtrail-2024-01-01', _id: 'e1' } },
            { eventName: 'GetObject', userAgent: 'é €' },
          ],
        });
        assert.equal(bulk.body.errors, false);
        await opensearch.search({
          index: ['cloudtrail-2024-01-01', 'cloudtrail-2024-01-02'],
          q: 'eventName:Get* AND x',
          body: { size: 0, query: { term: { eventName: 'GetObject' } } },
        });
        await opensearch.cat.indices({ index: 'cloudtrail-*', format: 'json', h: ['index', 'docs.count'] });
      } finally {
        await opensearch.close();
      }

      const paths = server.received.map((request) => `${request.method} ${request.path}`);
      assert.deepEqual(paths, [
        'GET /',
        'POST /_bulk',
        'POST /cloudtrail-2024-01-01%2Ccloudtrail-2024-01-02/_search',
        'GET /_cat/indices/cloudtrail-*',
      ]);
      const bulkBody = server.received[1]!.body.toString('utf8');
      assert.equal(
        bulkBody.split('\n').filter(Boolean).length,
        2,
        'NDJSON: an action line and a source line',
      );
      assert.ok(server.received[2]!.query.length > 0 && server.received[3]!.query.includes('format=json'));

      for (const request of server.received) {
        const label = `${request.method} ${request.url}`;
        assert.match(
          String(request.headers['authorization']),
          /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
          label,
        );
        assert.equal(request.headers['x-amz-content-sha256'], sha256Hex(request.body), label);
        assert.deepEqual(verifySigV4(request, SIGV4, Date.now()), { ok: true }, label);
        // And the verifier is not a rubber stamp: the same request fails with another secret or a changed body.
        assert.equal(
          verifySigV4(request, { ...SIGV4, secretAccessKey: 'OTHER' }, Date.now()).ok,
          false,
          label,
        );
        assert.equal(
          verifySigV4(
            { ...request, body: Buffer.concat([request.body, Buffer.from(' ')]) },
            SIGV4,
            Date.now(),
          ).ok,
          false,
          label,
        );
      }
    });

    it('sends the session token, and the signature still verifies', async () => {
      const opensearch = client({
        ...sigv4Options,
        credentials: async () => ({
          accessKeyId: 'AKID',
          secretAccessKey: 'SECRET',
          sessionToken: 'TOKEN123',
        }),
      });
      try {
        await opensearch.info();
      } finally {
        await opensearch.close();
      }
      const [request] = server.received;
      assert.ok(request);
      assert.equal(request.headers['x-amz-security-token'], 'TOKEN123');
      assert.deepEqual(verifySigV4(request, SIGV4, Date.now()), { ok: true });
    });

    it('signs for service aoss when asked', async () => {
      const opensearch = client({ ...sigv4Options, service: 'aoss' });
      try {
        await opensearch.search({ index: 'cloudtrail-*' });
      } finally {
        await opensearch.close();
      }
      const [request] = server.received;
      assert.ok(request);
      assert.match(String(request.headers['authorization']), /\/eu-west-1\/aoss\/aws4_request,/);
      assert.deepEqual(verifySigV4(request, { ...SIGV4, service: 'aoss' }, Date.now()), { ok: true });
    });

    it('a 403 from fine-grained access control becomes a message naming the role to map', async () => {
      const opensearch = client(sigv4Options);
      let caught: unknown;
      try {
        await opensearch.transport.request({ method: 'PUT', path: '/forbidden' });
      } catch (error) {
        caught = error;
      } finally {
        await opensearch.close();
      }
      const meta = (caught as { meta?: { statusCode?: number; body?: unknown } } | undefined)?.meta;
      assert.equal(meta?.statusCode, 403);
      const message = describeAuthFailure(403, meta.body, 'sigv4', endpoint);
      assert.ok(message.includes(`the IAM role ${ROLE_ARN} is not mapped`), message);
    });
  });

  describe('basic and none', () => {
    it('basic: the server sees the Basic header and no AWS signature', async () => {
      const opensearch = client({ username: 'admin', password: 'pa:ss wörd' });
      try {
        assert.equal((await detectCluster(opensearch, undefined)).version, '2.19.1');
      } finally {
        await opensearch.close();
      }
      const [request] = server.received;
      assert.ok(request);
      assert.equal(
        request.headers['authorization'],
        `Basic ${Buffer.from('admin:pa:ss wörd').toString('base64')}`,
      );
      assert.equal(request.headers['x-amz-date'], undefined);
    });

    it('none: no Authorization header at all', async () => {
      const opensearch = client({});
      try {
        await opensearch.info();
      } finally {
        await opensearch.close();
      }
      const [request] = server.received;
      assert.ok(request);
      assert.equal(request.headers['authorization'], undefined);
    });
  });

  describe('transport settings', () => {
    it('does not retry (maxRetries 0): one request reaches the server after a 503', async () => {
      const opensearch = client({});
      try {
        await assert.rejects(
          opensearch.transport.request({ method: 'GET', path: '/unavailable' }),
          /503|busy|Response Error/i,
        );
      } finally {
        await opensearch.close();
      }
      assert.equal(server.received.length, 1);
    });

    it('applies requestTimeoutMs', async () => {
      const opensearch = client({ requestTimeoutMs: 200 });
      const started = Date.now();
      try {
        await assert.rejects(opensearch.transport.request({ method: 'GET', path: '/slow' }), {
          name: 'TimeoutError',
        });
      } finally {
        await opensearch.close();
      }
      // The deadline is the feature here: /slow never answers, so only the 200 ms timeout ends the call.
      // 5 s is 25 times that, a margin a loaded machine does not eat; without the timeout it never ends.
      assert.ok(Date.now() - started < 5_000);
      assert.equal(server.received.length, 1);
    });

    it('sends bodies uncompressed', async () => {
      const opensearch = client({});
      try {
        await opensearch.bulk({ body: [{ create: { _index: 'i', _id: '1' } }, { a: 1 }] });
      } finally {
        await opensearch.close();
      }
      const [request] = server.received;
      assert.ok(request);
      assert.equal(request.headers['content-encoding'], undefined);
      assert.equal(request.body.toString('utf8'), '{"create":{"_index":"i","_id":"1"}}\n{"a":1}\n');
    });
  });
});
