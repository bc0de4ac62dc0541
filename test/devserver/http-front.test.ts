/**
 * The HTTP front under hostile requests: with --sigv4 every path (the /_devserver/ control paths too)
 * must be signed; the signature is checked on the bytes as sent, before a gzip body is inflated; and a
 * body over `http.max_content_length`, compressed or inflated, is OpenSearch's 413 (Netty's aggregator
 * answers it with no body).
 */
import { strict as assert } from 'node:assert';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import aws4 from 'aws4';
import type { DevServer } from '../../devserver/index.js';
import { call, useServer } from './helpers.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const sigv4 = { ...credentials, region: 'eu-west-1', service: 'es' };

/** A real signed request (aws4, as the OpenSearch client's signer uses). */
async function signedFetch(
  server: DevServer,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(server.url);
  const request = aws4.sign(
    { host: url.host, method, path, service: 'es', region: 'eu-west-1', headers: { ...headers }, body },
    credentials,
  );
  return fetch(`${server.url}${path}`, { method, headers: request.headers as Record<string, string>, body });
}

/** A gzip body of `members` concatenated members of 64 MiB of zeros each: small on the wire, huge inflated. */
function gzipBomb(members: number): Buffer {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: members }, () => member));
}

describe('dev server: HTTP front with --sigv4', () => {
  const server = useServer({ sigv4 });

  it('an unsigned POST /_devserver/faults is refused with 403 and adds no rule; a signed one is served', async () => {
    const unsigned = await call(server(), 'POST', '/_devserver/faults', {
      fault: { kind: 'server-error', status: 503 },
    });
    assert.equal(unsigned.status, 403);
    assert.deepEqual(unsigned.body, { message: 'Missing Authentication Token' });
    assert.equal((await signedFetch(server(), 'GET', '/')).status, 200, 'no fault was installed');
    const signed = await signedFetch(
      server(),
      'POST',
      '/_devserver/faults',
      JSON.stringify({ fault: { kind: 'server-error', status: 503 }, times: 1 }),
      { 'content-type': 'application/json' },
    );
    assert.equal(signed.status, 200);
    assert.equal((await signedFetch(server(), 'GET', '/')).status, 503);
    assert.equal((await call(server(), 'GET', '/_devserver/ids/x')).status, 403);
  });

  it('the signature is checked before a gzip body is inflated: an unsigned body that is not gzip is 403, not 400', async () => {
    const response = await fetch(`${server().url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: 'not gzip at all',
    });
    assert.equal(response.status, 403);
  });

  it('an unsigned gzip bomb is refused without being inflated (RSS grows by far less than the 1 GiB it would inflate to)', async () => {
    const bomb = gzipBomb(16);
    const before = process.memoryUsage().rss;
    const response = await fetch(`${server().url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: bomb,
    });
    assert.equal(response.status, 403);
    const grown = (process.memoryUsage().rss - before) / 1048576;
    assert.ok(grown < 256, `RSS grew by ${grown.toFixed(0)} MiB`);
  });

  it('a signed gzip body that inflates past http.max_content_length (100 MiB) → 413 with no body', async () => {
    const response = await signedFetch(server(), 'POST', '/_bulk', gzipBomb(2), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    assert.equal(response.status, 413);
    assert.equal(await response.text(), '');
  });
});

describe('dev server: http.max_content_length', () => {
  const server = useServer({ maxContentLength: 1024 });

  it('a body over the limit → 413 with no body; one under it is served', async () => {
    const big = await call(
      server(),
      'POST',
      '/_bulk',
      `{"index":{"_index":"x"}}\n{"a":"${'y'.repeat(2000)}"}\n`,
    );
    assert.equal(big.status, 413);
    assert.equal(big.text, '');
    const small = await call(server(), 'POST', '/_bulk', `{"index":{"_index":"x"}}\n{"a":1}\n`);
    assert.equal(small.status, 200);
  });
});

describe('dev server: keep-alive connections', () => {
  const server = useServer();

  /** GET / on `agent`; whether the request went out on a connection the agent already had. */
  function get(agent: Agent): Promise<{ status: number; reusedSocket: boolean }> {
    return new Promise((resolve, reject) => {
      const sent = httpRequest(`${server().url}/`, { agent }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode!, reusedSocket: sent.reusedSocket }));
      });
      sent.on('error', reject);
      sent.end();
    });
  }

  it("an idle connection stays open past Node's 5 s keep-alive timeout and is reused, as OpenSearch keeps it", async function () {
    this.timeout(15_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.deepEqual(await get(agent), { status: 200, reusedSocket: false });
      await sleep(7_000); // Node closes an idle connection after its 5 s timeout plus about a second
      assert.deepEqual(await get(agent), { status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });
});
