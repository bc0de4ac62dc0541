import { strict as assert } from 'node:assert';
import { describeAuthFailure } from '../../src/opensearch/errors.js';

const MANAGED = 'https://search-trail-abc.eu-west-1.es.amazonaws.com';
const SERVERLESS = 'https://1a2b3c4d5e.us-east-1.aoss.amazonaws.com';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/cloudtrail-indexer';

function fgacBody(user: string): unknown {
  const reason = `no permissions for [indices:data/write/bulk] and User [name=${user}, backend_roles=[${user}], requestedTenant=null]`;
  return {
    error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason },
    status: 403,
  };
}

function assertIncludes(message: string, ...parts: string[]): void {
  for (const part of parts)
    assert.ok(message.includes(part), `expected ${JSON.stringify(part)} in:\n${message}`);
}

describe('describeAuthFailure', () => {
  describe('fine-grained access control: role not mapped', () => {
    it('names the role ARN and how to map it as a backend role, and keeps the raw reason', () => {
      const message = describeAuthFailure(403, fgacBody(ROLE_ARN), 'sigv4', MANAGED);
      assertIncludes(
        message,
        `${MANAGED} refused the request (HTTP 403, auth sigv4)`,
        `the IAM role ${ROLE_ARN} is not mapped`,
        '[indices:data/write/bulk]',
        'Backend roles',
        `{"backend_roles": ["${ROLE_ARN}"]}`,
        'rolesmapping',
        `Server said: security_exception: no permissions for [indices:data/write/bulk] and User [name=${ROLE_ARN}`,
      );
    });

    it('turns an STS assumed-role session into the role ARN to map', () => {
      const session = 'arn:aws:sts::123456789012:assumed-role/cloudtrail-indexer/i-0abc';
      const message = describeAuthFailure(403, fgacBody(session), 'sigv4', MANAGED);
      assertIncludes(message, `the IAM role ${ROLE_ARN} is not mapped`, `["${ROLE_ARN}"]`, `name=${session}`);
    });

    it('an internal user is named as a user, not as a role ARN', () => {
      const message = describeAuthFailure(403, fgacBody('ingest'), 'basic', 'https://localhost:9200');
      assertIncludes(message, 'user "ingest" is not mapped', 'Mapped users');
      assert.ok(!message.includes('IAM role'), message);
    });

    it('accepts the body as JSON text too', () => {
      const message = describeAuthFailure(403, JSON.stringify(fgacBody(ROLE_ARN)), 'sigv4', MANAGED);
      assertIncludes(message, `the IAM role ${ROLE_ARN} is not mapped`);
    });
  });

  describe('AWS front end: IAM not authorized', () => {
    const user = 'arn:aws:sts::123456789012:assumed-role/cloudtrail-indexer/cloudtrail-indexer-fn';

    it('no qualifier: the domain access policy or the IAM policy lacks es:ESHttp*', () => {
      const body = {
        Message: `User: ${user} is not authorized to perform: es:ESHttpPost on resource: trail`,
      };
      const message = describeAuthFailure(403, body, 'sigv4', MANAGED);
      assertIncludes(
        message,
        'domain access policy',
        'IAM policy',
        'es:ESHttp*',
        user,
        'es:ESHttpPost',
        'Server said: User:',
      );
    });

    it('"no resource-based policy allows": the domain access policy', () => {
      const body = {
        Message: `User: ${user} is not authorized to perform: es:ESHttpPut because no resource-based policy allows the es:ESHttpPut action`,
      };
      const message = describeAuthFailure(403, body, 'sigv4', MANAGED);
      assertIncludes(message, 'the domain access policy does not allow', 'es:ESHttpPut', 'es:ESHttp*');
    });

    it('"no identity-based policy allows": the IAM policy', () => {
      const body = {
        Message: `User: ${user} is not authorized to perform: es:ESHttpPost because no identity-based policy allows the es:ESHttpPost action`,
      };
      assertIncludes(
        describeAuthFailure(403, body, 'sigv4', MANAGED),
        `the IAM policy of ${user} does not allow es:ESHttpPost`,
      );
    });

    it('"explicit deny"', () => {
      const body = {
        Message: `User: ${user} is not authorized to perform: es:ESHttpPost with an explicit deny`,
      };
      assertIncludes(describeAuthFailure(403, body, 'sigv4', MANAGED), 'explicit Deny for es:ESHttpPost');
    });

    it('anonymous: the request was not signed', () => {
      const body = { Message: 'User: anonymous is not authorized to perform: es:ESHttpPost' };
      assertIncludes(
        describeAuthFailure(403, body, 'none', MANAGED),
        'unsigned (auth none)',
        'Use auth sigv4',
      );
    });
  });

  describe('signing problems: credentials, region, service', () => {
    it('signature mismatch: secret, region (from the host) and service es vs aoss', () => {
      const body = {
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      };
      assertIncludes(
        describeAuthFailure(403, body, 'sigv4', MANAGED),
        'secret access key',
        '(eu-west-1 for this host)',
        'es for a managed domain, aoss for Serverless',
        'Server said: The request signature we calculated',
      );
    });

    it('missing token with auth none/basic: use sigv4', () => {
      const body = { message: 'Missing Authentication Token' };
      assertIncludes(describeAuthFailure(403, body, 'basic', MANAGED), 'auth is basic: use auth sigv4');
    });

    it('missing token with sigv4: something stripped the signature', () => {
      const body = { message: 'Missing Authentication Token' };
      assertIncludes(describeAuthFailure(403, body, 'sigv4', MANAGED), 'without a signature', 'proxy');
    });

    it('unknown key id and expired session', () => {
      assertIncludes(
        describeAuthFailure(
          403,
          { message: 'The security token included in the request is invalid.' },
          'sigv4',
          MANAGED,
        ),
        'does not know the access key id',
        'AWS_PROFILE',
      );
      assertIncludes(
        describeAuthFailure(
          403,
          { message: 'The security token included in the request is expired' },
          'sigv4',
          MANAGED,
        ),
        'temporary credentials have expired',
      );
    });

    it('wrong region and wrong service', () => {
      assertIncludes(
        describeAuthFailure(
          403,
          { message: "Credential should be scoped to a valid region, not 'us-east-1'. " },
          'sigv4',
          MANAGED,
        ),
        'wrong region',
        '(eu-west-1)',
      );
      assertIncludes(
        describeAuthFailure(
          403,
          { message: "Credential should be scoped to correct service: 'aoss'. " },
          'sigv4',
          SERVERLESS,
        ),
        'set service to aoss',
      );
    });

    it('clock skew', () => {
      const body = {
        message:
          'Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120600Z - 5 min.)',
      };
      assertIncludes(describeAuthFailure(403, body, 'sigv4', MANAGED), 'clock');
    });
  });

  it('Serverless 403: the data access policy', () => {
    const body = { status: 403, 'request-id': 'f3a1', error: { reason: '403 Forbidden', type: 'Forbidden' } };
    assertIncludes(
      describeAuthFailure(403, body, 'sigv4', SERVERLESS),
      'data access policy',
      'aoss:WriteDocument',
      'Server said: Forbidden: 403 Forbidden',
    );
  });

  describe('401', () => {
    it('basic auth: username/password', () => {
      assertIncludes(
        describeAuthFailure(401, 'Unauthorized', 'basic', 'https://localhost:9200'),
        'username or password was rejected',
        'Server said: Unauthorized',
      );
    });

    it('no auth: the cluster needs credentials', () => {
      const body = {
        error: {
          type: 'security_exception',
          reason: 'missing authentication credentials for REST request [/]',
        },
        status: 401,
      };
      assertIncludes(
        describeAuthFailure(401, body, 'none', 'http://localhost:9200'),
        'requires authentication',
        'Server said: security_exception: missing authentication credentials',
      );
    });

    it('sigv4 against a cluster that does not do IAM', () => {
      assertIncludes(
        describeAuthFailure(401, '', 'sigv4', 'https://search.example.com'),
        'does not understand SigV4',
        '(empty body)',
      );
    });
  });

  it('anything else: a generic permission message with the raw reason, shortened', () => {
    const long = 'x'.repeat(2000);
    const message = describeAuthFailure(403, { error: long }, 'basic', 'https://localhost:9200');
    assertIncludes(message, 'not allowed', 'Server said: xxx');
    assert.ok(message.length < 1000, `message is ${message.length} characters`);
  });
});
