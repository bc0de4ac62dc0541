import { strict as assert } from 'node:assert';
import { parseAwsHost, resolveConnection, type ConnectionOptions } from '../../src/opensearch/client.js';

const NO_ENV = {};
const MANAGED = 'https://search-trail-abc123xyz.eu-west-1.es.amazonaws.com';
const SERVERLESS = 'https://1a2b3c4d5e.us-east-1.aoss.amazonaws.com';

function resolve(options: ConnectionOptions, env: Record<string, string | undefined> = NO_ENV) {
  return resolveConnection(options, env);
}

describe('parseAwsHost', () => {
  it('reads region and service from managed, VPC, Serverless and China hosts', () => {
    assert.deepEqual(parseAwsHost('search-trail-abc.eu-west-1.es.amazonaws.com'), {
      region: 'eu-west-1',
      service: 'es',
    });
    assert.deepEqual(parseAwsHost('vpc-trail-abc.us-gov-west-1.es.amazonaws.com'), {
      region: 'us-gov-west-1',
      service: 'es',
    });
    assert.deepEqual(parseAwsHost('1a2b3c.us-east-1.aoss.amazonaws.com'), {
      region: 'us-east-1',
      service: 'aoss',
    });
    assert.deepEqual(parseAwsHost('search-x.cn-north-1.es.amazonaws.com.cn'), {
      region: 'cn-north-1',
      service: 'es',
    });
  });

  it('returns undefined for other hosts', () => {
    for (const host of [
      'localhost',
      'search.example.com',
      's3.eu-west-1.amazonaws.com',
      'es.amazonaws.com.evil.com',
    ]) {
      assert.equal(parseAwsHost(host), undefined, host);
    }
  });
});

describe('resolveConnection', () => {
  describe('auth defaults', () => {
    it('sigv4 for a managed domain host, with region and service from the host', () => {
      assert.deepEqual(resolve({ endpoint: MANAGED }), {
        endpoint: MANAGED,
        requestTimeoutMs: 30_000,
        auth: 'sigv4',
        region: 'eu-west-1',
        service: 'es',
      });
    });

    it('sigv4 with service aoss for a Serverless host', () => {
      assert.deepEqual(resolve({ endpoint: SERVERLESS }), {
        endpoint: SERVERLESS,
        requestTimeoutMs: 30_000,
        auth: 'sigv4',
        region: 'us-east-1',
        service: 'aoss',
      });
    });

    it('basic when username and password are given (even for an AWS host: FGAC internal users)', () => {
      const expected = { requestTimeoutMs: 30_000, auth: 'basic', username: 'admin', password: 'pw' };
      assert.deepEqual(resolve({ endpoint: 'https://localhost:9200', username: 'admin', password: 'pw' }), {
        endpoint: 'https://localhost:9200',
        ...expected,
      });
      assert.deepEqual(resolve({ endpoint: MANAGED, username: 'admin', password: 'pw' }), {
        endpoint: MANAGED,
        ...expected,
      });
    });

    it('none for any other host without credentials', () => {
      assert.deepEqual(resolve({ endpoint: 'http://127.0.0.1:9200' }), {
        endpoint: 'http://127.0.0.1:9200',
        requestTimeoutMs: 30_000,
        auth: 'none',
      });
    });

    it('an explicit auth wins over every default', () => {
      assert.equal(resolve({ endpoint: MANAGED, auth: 'none' }).auth, 'none');
      assert.equal(resolve({ endpoint: MANAGED, auth: 'sigv4', username: 'u', password: 'p' }).auth, 'sigv4');
      assert.equal(
        resolve({ endpoint: 'http://localhost:9200', auth: 'sigv4', region: 'eu-west-1' }).auth,
        'sigv4',
      );
    });
  });

  describe('sigv4 region and service', () => {
    it('an explicit region and service win over the host', () => {
      const resolved = resolve(
        { endpoint: MANAGED, region: 'us-east-2', service: 'aoss' },
        { AWS_REGION: 'ap-south-1' },
      );
      assert.deepEqual(resolved, {
        endpoint: MANAGED,
        requestTimeoutMs: 30_000,
        auth: 'sigv4',
        region: 'us-east-2',
        service: 'aoss',
      });
    });

    it('the host region wins over AWS_REGION (a Lambda in one region can write to a domain in another)', () => {
      const resolved = resolve({ endpoint: MANAGED }, { AWS_REGION: 'us-east-1' });
      assert.ok(resolved.auth === 'sigv4');
      assert.equal(resolved.region, 'eu-west-1');
    });

    it('AWS_REGION, then AWS_DEFAULT_REGION, for a host that names no region', () => {
      const options: ConnectionOptions = { endpoint: 'https://search.example.com', auth: 'sigv4' };
      const fromRegion = resolve(options, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'us-west-2' });
      const fromDefault = resolve(options, { AWS_DEFAULT_REGION: 'us-west-2' });
      assert.ok(fromRegion.auth === 'sigv4' && fromDefault.auth === 'sigv4');
      assert.equal(fromRegion.region, 'eu-central-1');
      assert.equal(fromDefault.region, 'us-west-2');
      assert.equal(fromRegion.service, 'es');
    });

    it('reads AWS_REGION from process.env when no env is passed', () => {
      const saved = process.env.AWS_REGION;
      process.env.AWS_REGION = 'sa-east-1';
      try {
        const resolved = resolveConnection({ endpoint: 'https://search.example.com', auth: 'sigv4' });
        assert.ok(resolved.auth === 'sigv4');
        assert.equal(resolved.region, 'sa-east-1');
      } finally {
        if (saved === undefined) delete process.env.AWS_REGION;
        else process.env.AWS_REGION = saved;
      }
    });

    it('no region anywhere: the error names the region option and AWS_REGION', () => {
      assert.throws(() => resolve({ endpoint: 'https://search.example.com', auth: 'sigv4', region: '  ' }), {
        message:
          'auth "sigv4" needs a region: set the region option or the AWS_REGION environment variable ' +
          '(it cannot be parsed from host "search.example.com", which is not *.es.amazonaws.com or *.aoss.amazonaws.com)',
      });
    });

    it('an unknown service is named', () => {
      assert.throws(() => resolve({ endpoint: MANAGED, service: 'opensearch' as 'es' }), {
        message: 'service "opensearch" is not one of es, aoss',
      });
    });
  });

  describe('endpoint', () => {
    it('is normalised: trailing slashes dropped, default ports dropped, path prefix kept', () => {
      assert.equal(resolve({ endpoint: 'http://localhost:9200/' }).endpoint, 'http://localhost:9200');
      assert.equal(
        resolve({ endpoint: ' https://Search.Example.com:443// ' }).endpoint,
        'https://search.example.com',
      );
      assert.equal(
        resolve({ endpoint: 'https://proxy.example.com/opensearch/' }).endpoint,
        'https://proxy.example.com/opensearch',
      );
    });

    it('not a URL', () => {
      assert.throws(() => resolve({ endpoint: 'foo' }), {
        message: 'endpoint "foo" is not a URL: expected http(s)://host[:port]',
      });
      assert.throws(() => resolve({ endpoint: 'localhost:9200' }), {
        message:
          'endpoint "localhost:9200" does not start with http:// or https://: expected http(s)://host[:port]',
      });
    });

    it('missing or empty', () => {
      assert.throws(() => resolve({ endpoint: '' }), {
        message: 'endpoint is required: expected http(s)://host[:port]',
      });
      assert.throws(() => resolve({} as ConnectionOptions), {
        message: 'endpoint is required: expected http(s)://host[:port]',
      });
    });

    it('another scheme', () => {
      assert.throws(() => resolve({ endpoint: 'ftp://example.com' }), {
        message:
          'endpoint "ftp://example.com" does not start with http:// or https://: expected http(s)://host[:port]',
      });
    });

    it('with a query string or fragment', () => {
      assert.throws(() => resolve({ endpoint: 'https://example.com/?pretty' }), {
        message:
          'endpoint "https://example.com/?pretty" has a query string or fragment: expected http(s)://host[:port]',
      });
    });

    it('with credentials in it: rejected without echoing the password', () => {
      assert.throws(
        () => resolve({ endpoint: 'https://admin:hunter2@example.com' }),
        (error: Error) =>
          error.message ===
            'endpoint must not contain credentials: pass username and password as options instead' &&
          !error.message.includes('hunter2'),
      );
    });
  });

  describe('auth options', () => {
    it('an unknown auth mode is named', () => {
      assert.throws(() => resolve({ endpoint: MANAGED, auth: 'iam' as 'sigv4' }), {
        message: 'auth "iam" is not one of none, basic, sigv4',
      });
    });

    it('basic without a username or password', () => {
      assert.throws(() => resolve({ endpoint: MANAGED, auth: 'basic', username: 'admin' }), {
        message: 'auth "basic" needs both username and password (missing: password)',
      });
      assert.throws(() => resolve({ endpoint: MANAGED, auth: 'basic' }), {
        message: 'auth "basic" needs both username and password (missing: username and password)',
      });
    });

    it('half a credential without an explicit auth is an error, not a silent fallback', () => {
      assert.throws(() => resolve({ endpoint: 'http://localhost:9200', username: 'admin' }), {
        message: 'username is set but password is not: basic auth needs both',
      });
      assert.throws(() => resolve({ endpoint: 'http://localhost:9200', password: 'pw', username: '' }), {
        message: 'password is set but username is not: basic auth needs both',
      });
    });
  });

  describe('requestTimeoutMs', () => {
    it('defaults to 30000 and keeps a given value', () => {
      assert.equal(resolve({ endpoint: 'http://localhost:9200' }).requestTimeoutMs, 30_000);
      assert.equal(
        resolve({ endpoint: 'http://localhost:9200', requestTimeoutMs: 120_000 }).requestTimeoutMs,
        120_000,
      );
    });

    it('rejects zero, negative and non-finite values', () => {
      for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => resolve({ endpoint: 'http://localhost:9200', requestTimeoutMs: value }), {
          message: `requestTimeoutMs must be a positive number of milliseconds, got ${value}`,
        });
      }
    });
  });
});
