import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import aws4 from 'aws4';
import {
  SigV4Messages,
  verifySigV4,
  type IncomingForVerification,
  type SigV4Config,
  type VerifyResult,
} from '../../devserver/sigv4.js';

const CONFIG: SigV4Config = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'SECRET/EXAMPLE+KEY',
  region: 'eu-west-1',
  service: 'es',
};
const SIGNED_AT = '20240101T120000Z';
const SIGNED_AT_MS = Date.UTC(2024, 0, 1, 12, 0, 0);
const NDJSON =
  '{"create":{"_index":"cloudtrail-2024-01-01","_id":"e1"}}\n{"eventName":"GetObject","x":"é"}\n';

interface SignOptions {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  service?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  date?: string;
}

/** Signs with the real aws4 library, then shapes the result the way Node's http server would hand it to us. */
function signed(options: SignOptions): IncomingForVerification {
  const request = aws4.sign(
    {
      host: 'localhost',
      method: options.method ?? 'GET',
      path: options.path,
      service: options.service ?? CONFIG.service,
      region: options.region ?? CONFIG.region,
      headers: { 'X-Amz-Date': options.date ?? SIGNED_AT, ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    },
    {
      accessKeyId: options.accessKeyId ?? CONFIG.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? CONFIG.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const fullPath = request.path ?? '/';
  const queryAt = fullPath.indexOf('?');
  return {
    method: request.method ?? 'GET',
    path: queryAt < 0 ? fullPath : fullPath.slice(0, queryAt),
    query: queryAt < 0 ? '' : fullPath.slice(queryAt + 1),
    headers,
    body: Buffer.from(options.body ?? '', 'utf8'),
  };
}

function verify(
  request: IncomingForVerification,
  config: SigV4Config = CONFIG,
  nowMs = SIGNED_AT_MS + 30_000,
) {
  return verifySigV4(request, config, nowMs);
}

function assertRejected(result: VerifyResult, message: string): void {
  assert.deepEqual(result, { ok: false, status: 403, body: { message } });
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('verifySigV4', () => {
  describe('accepts what aws4.sign produces', () => {
    it('GET with a query string (values with commas and spaces)', () => {
      const request = signed({ path: '/_cat/indices?format=json&h=index,docs.count&s=index:desc&v' });
      assert.match(request.query, /h=index%2Cdocs.count/); // aws4 re-encodes the query it sends
      assert.deepEqual(verify(request), { ok: true });
    });

    it('GET / with no query', () => {
      assert.deepEqual(verify(signed({ path: '/' })), { ok: true });
    });

    it('POST /<index>/_bulk with an NDJSON body (non-ASCII included)', () => {
      const request = signed({
        method: 'POST',
        path: '/cloudtrail-2024-01-01/_bulk',
        body: NDJSON,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.deepEqual(verify(request), { ok: true });
    });

    it('POST with x-amz-content-sha256 set, as the OpenSearch client signer does', () => {
      const request = signed({
        method: 'POST',
        path: '/_bulk',
        body: NDJSON,
        headers: { 'x-amz-content-sha256': sha256Hex(NDJSON) },
      });
      assert.ok(request.headers['authorization']?.toString().includes('x-amz-content-sha256'));
      assert.deepEqual(verify(request), { ok: true });
    });

    it('paths with a raw comma, an encoded comma (%2C, as the OpenSearch client sends) and a *', () => {
      for (const path of [
        '/cloudtrail-2024-01-01,cloudtrail-2024-01-02/_search',
        '/cloudtrail-2024-01-01%2Ccloudtrail-2024-01-02/_search',
        '/cloudtrail-*/_search',
        '/_cat/indices/cloudtrail-*',
        '/cloudtrail-2024-01-01/_doc/a%2Fb%3Ac',
      ]) {
        assert.deepEqual(verify(signed({ path })), { ok: true }, path);
      }
    });

    it('a session token (any value: the dev server cannot validate it)', () => {
      const request = signed({ path: '/', sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
      assert.equal(request.headers['x-amz-security-token'], 'FwoGZXIvYXdzEXAMPLE');
      assert.deepEqual(verify(request), { ok: true });
    });

    it('service aoss when the server is configured for aoss', () => {
      const request = signed({ path: '/', service: 'aoss' });
      assert.deepEqual(verify(request, { ...CONFIG, service: 'aoss' }), { ok: true });
    });

    it('a change to a header that is not signed (user-agent)', () => {
      const request = signed({ path: '/' });
      request.headers['user-agent'] = 'something-else/1.0';
      assert.deepEqual(verify(request), { ok: true });
    });

    it('a date 4 minutes either side of the server clock', () => {
      const request = signed({ path: '/' });
      assert.deepEqual(verify(request, CONFIG, SIGNED_AT_MS + 4 * 60_000), { ok: true });
      assert.deepEqual(verify(request, CONFIG, SIGNED_AT_MS - 4 * 60_000), { ok: true });
    });
  });

  it('matches the AWS SigV4 test suite "get-vanilla" signature (independent of aws4)', () => {
    const request: IncomingForVerification = {
      method: 'GET',
      path: '/',
      query: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    const config = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 'service',
    };
    assert.deepEqual(verifySigV4(request, config, Date.UTC(2015, 7, 30, 12, 36, 0)), { ok: true });
  });

  describe('rejects', () => {
    it('a wrong secret', () => {
      assertRejected(
        verify(signed({ path: '/', secretAccessKey: 'WRONG' })),
        SigV4Messages.signatureMismatch,
      );
    });

    it('an unknown access key id', () => {
      assertRejected(verify(signed({ path: '/', accessKeyId: 'AKIDOTHER' })), SigV4Messages.invalidToken);
    });

    it('a request with no Authorization header', () => {
      const request = signed({ path: '/' });
      delete request.headers['authorization'];
      assertRejected(verify(request), SigV4Messages.missingToken);
    });

    it('a tampered body (no x-amz-content-sha256: the signature no longer matches)', () => {
      const request = signed({ method: 'POST', path: '/_bulk', body: NDJSON });
      request.body = Buffer.from(NDJSON.replace('GetObject', 'PutObject'));
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
    });

    it('a tampered body under a signed x-amz-content-sha256', () => {
      const request = signed({
        method: 'POST',
        path: '/_bulk',
        body: NDJSON,
        headers: { 'x-amz-content-sha256': sha256Hex(NDJSON) },
      });
      request.body = Buffer.from(NDJSON.replace('GetObject', 'PutObject'));
      assertRejected(verify(request), SigV4Messages.contentHashMismatch);
    });

    it('a tampered body together with a recomputed x-amz-content-sha256', () => {
      const forged = NDJSON.replace('GetObject', 'PutObject');
      const request = signed({
        method: 'POST',
        path: '/_bulk',
        body: NDJSON,
        headers: { 'x-amz-content-sha256': sha256Hex(NDJSON) },
      });
      request.body = Buffer.from(forged);
      request.headers['x-amz-content-sha256'] = sha256Hex(forged);
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
    });

    it('a changed query string (value, added parameter, removed parameter)', () => {
      const original = signed({ path: '/_search?q=eventName:GetObject&size=10' });
      for (const query of [
        'q=eventName:PutObject&size=10',
        'q=eventName:GetObject&size=10&from=5',
        'size=10',
      ]) {
        assertRejected(verify({ ...original, query }), SigV4Messages.signatureMismatch);
      }
    });

    it('a changed path or method', () => {
      const original = signed({ path: '/cloudtrail-2024-01-01/_search' });
      assertRejected(
        verify({ ...original, path: '/cloudtrail-2024-01-02/_search' }),
        SigV4Messages.signatureMismatch,
      );
      assertRejected(verify({ ...original, method: 'DELETE' }), SigV4Messages.signatureMismatch);
      // Encoded and raw comma are different canonical paths: a proxy decoding the path breaks the signature.
      const encoded = signed({ path: '/a%2Cb/_search' });
      assertRejected(verify({ ...encoded, path: '/a,b/_search' }), SigV4Messages.signatureMismatch);
    });

    it('a changed signed header', () => {
      const request = signed({
        method: 'POST',
        path: '/_bulk',
        body: NDJSON,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      request.headers['content-type'] = 'application/json';
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
    });

    it('a changed x-amz-date (same day)', () => {
      const request = signed({ path: '/' });
      request.headers['x-amz-date'] = '20240101T120001Z';
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
    });

    it('a wrong service, naming the expected one', () => {
      assertRejected(
        verify(signed({ path: '/', service: 'aoss' })),
        "Credential should be scoped to correct service: 'es'. ",
      );
    });

    it('a wrong region, naming the one used', () => {
      assertRejected(
        verify(signed({ path: '/', region: 'us-east-1' })),
        "Credential should be scoped to a valid region, not 'us-east-1'. ",
      );
    });

    it('a stale x-amz-date (more than 5 minutes old)', () => {
      const request = signed({ path: '/' });
      assertRejected(
        verify(request, CONFIG, SIGNED_AT_MS + 6 * 60_000),
        'Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120600Z - 5 min.)',
      );
    });

    it('an x-amz-date more than 5 minutes in the future', () => {
      const request = signed({ path: '/' });
      assertRejected(
        verify(request, CONFIG, SIGNED_AT_MS - 6 * 60_000),
        'Signature not yet current: 20240101T120000Z is still later than 20240101T115900Z (20240101T115400Z + 5 min.)',
      );
    });

    it('a missing or malformed x-amz-date', () => {
      const missing = signed({ path: '/' });
      delete missing.headers['x-amz-date'];
      assertRejected(verify(missing), SigV4Messages.requiresDate);
      const malformed = signed({ path: '/', date: '2024-01-01T12:00:00Z' });
      assertRejected(verify(malformed), SigV4Messages.badDate('2024-01-01T12:00:00Z'));
    });

    it('a credential scope date that differs from x-amz-date', () => {
      const request = signed({ path: '/' });
      request.headers['x-amz-date'] = '20240102T000100Z';
      assertRejected(
        verify(request, CONFIG, Date.UTC(2024, 0, 2, 0, 1, 0)),
        SigV4Messages.scopeDateMismatch('20240101', '20240102T000100Z'),
      );
    });

    it('a Basic Authorization header', () => {
      const request = signed({ path: '/' });
      request.headers['authorization'] = 'Basic YWRtaW46YWRtaW4=';
      const result = verify(request);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.status, 403);
      const { message } = result.body as { message: string };
      assert.ok(message.startsWith("Authorization header requires 'Credential' parameter."), message);
      assert.ok(!message.includes('YWRtaW46YWRtaW4='), 'the credential is not echoed back');
    });

    it('a signature made without signing host', () => {
      const request = signed({ path: '/' });
      request.headers['authorization'] = String(request.headers['authorization']).replace(
        'SignedHeaders=host;',
        'SignedHeaders=',
      );
      assertRejected(verify(request), SigV4Messages.hostNotSigned);
    });

    it('a truncated or altered signature', () => {
      const request = signed({ path: '/' });
      const header = String(request.headers['authorization']);
      request.headers['authorization'] = header.slice(0, -1);
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
      const last = header.slice(-1);
      request.headers['authorization'] = header.slice(0, -1) + (last === '0' ? '1' : '0');
      assertRejected(verify(request), SigV4Messages.signatureMismatch);
    });
  });
});
