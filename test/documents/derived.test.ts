/**
 * The derived `ct` fields (src/documents/derived.ts) for every shape of userIdentity CloudTrail writes,
 * console sign-ins and MFA: each record is built by both document builders (they must agree byte for
 * byte, and the fast path must take these CloudTrail-shaped records), and the fields are read from the
 * document.
 */
import { strict as assert } from 'node:assert';
import {
  buildDocument,
  DocumentMemory,
  type BuildContext,
  type DocumentBuilder,
} from '../../src/documents/builder.js';
import { sourceText } from '../../src/documents/memory.js';
import { buildersFor, compareBuilders, OBJECT_TIME } from './helpers.js';

const context: BuildContext = {
  indexPrefix: 'cloudtrail-',
  sourceName: 's3://trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz',
  keyDate: '2024-05-01',
  objectTimeMs: OBJECT_TIME,
};

const ACCOUNT = '111122223333';

interface Derived {
  actor?: string;
  actorType?: string;
  sessionName?: string;
  mfa?: boolean;
  console?: boolean;
}

/** The derived fields of `record`'s document, after checking both builders agree and the fast path took it. */
function derivedOf(record: Record<string, unknown>): Derived {
  const bytes = Buffer.from(
    JSON.stringify({ eventTime: '2024-05-01T10:00:00Z', eventVersion: '1.09', ...record }),
  );
  assert.ok(compareBuilders(bytes, 0, JSON.stringify(record), context), 'the fast path takes the record');
  const document = buildersFor(context).reference.build(bytes, 0);
  const ct = (JSON.parse(sourceText(document)) as { ct: Derived & Record<string, unknown> }).ct;
  document.release();
  const derived: Derived = {};
  for (const name of ['actor', 'actorType', 'sessionName', 'mfa', 'console'] as const) {
    if (ct[name] !== undefined) (derived as Record<string, unknown>)[name] = ct[name];
  }
  return derived;
}

const api = { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', eventType: 'AwsApiCall' };

describe('derived ct fields: the principal, console and MFA', () => {
  it('IAMUser: the user ARN', () => {
    const userIdentity = {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLE',
      userName: 'alice',
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: `arn:aws:iam::${ACCOUNT}:user/alice`,
      actorType: 'iam-user',
      console: false,
    });
  });

  it('AssumedRole: the role ARN from the session issuer, the session name apart, MFA and console from the session', () => {
    const userIdentity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:alice@example.com',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
          accountId: ACCOUNT,
          userName: 'Admin',
        },
        attributes: { creationDate: '2024-05-01T09:00:00Z', mfaAuthenticated: 'true' },
      },
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity, sessionCredentialFromConsole: 'true' }), {
      actor: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      actorType: 'assumed-role',
      sessionName: 'alice@example.com',
      mfa: true,
      console: true,
    });
    const withoutMfa = {
      ...userIdentity,
      sessionContext: { ...userIdentity.sessionContext, attributes: { mfaAuthenticated: 'false' } },
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity: withoutMfa }), {
      actor: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      actorType: 'assumed-role',
      sessionName: 'alice@example.com',
      mfa: false,
      console: false,
    });
  });

  it("Root: the account's root ARN, also when the record gives none", () => {
    const userIdentity = {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: `arn:aws:iam::${ACCOUNT}:root`,
      actorType: 'root',
      console: false,
    });
    assert.equal(
      derivedOf({ ...api, userIdentity: { type: 'Root', accountId: ACCOUNT } }).actor,
      `arn:aws:iam::${ACCOUNT}:root`,
    );
  });

  it('AWSService: the service that called', () => {
    const userIdentity = { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: 'cloudtrail.amazonaws.com',
      actorType: 'aws-service',
      console: false,
    });
  });

  it('AWSAccount: the calling account', () => {
    const userIdentity = { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '444455556666' };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: '444455556666',
      actorType: 'aws-account',
      console: false,
    });
  });

  it('FederatedUser: the IAM user that federated, from the session issuer', () => {
    const userIdentity = {
      type: 'FederatedUser',
      principalId: `${ACCOUNT}:bob`,
      arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob`,
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/broker` } },
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: `arn:aws:iam::${ACCOUNT}:user/broker`,
      actorType: 'federated-user',
      console: false,
    });
  });

  it('WebIdentityUser and SAMLUser: identity provider and user', () => {
    const web = {
      type: 'WebIdentityUser',
      principalId: 'accounts.google.com:1234567890',
      userName: '1234567890',
      identityProvider: 'accounts.google.com',
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity: web }), {
      actor: 'accounts.google.com:1234567890',
      actorType: 'web-identity',
      console: false,
    });
    const saml = {
      type: 'SAMLUser',
      principalId: 'SAMPLEPRINCIPAL:alice',
      userName: 'alice',
      identityProvider: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta`,
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity: saml }), {
      actor: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta:alice`,
      actorType: 'saml',
      console: false,
    });
  });

  it('IdentityCenterUser: the user id in the identity store', () => {
    const userIdentity = {
      type: 'IdentityCenterUser',
      accountId: ACCOUNT,
      onBehalfOf: {
        userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
        identityStoreArn: `arn:aws:identitystore::${ACCOUNT}:identitystore/d-9067642ac7`,
      },
      credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
    };
    assert.deepEqual(derivedOf({ ...api, userIdentity }), {
      actor: '544894e8-80c1-707f-60e3-3ba6510dfac1',
      actorType: 'identity-center',
      console: false,
    });
  });

  it('anonymous and Unknown principals, and a record without userIdentity', () => {
    const anonymous = { type: 'AWSAccount', principalId: '', accountId: 'ANONYMOUS_PRINCIPAL' };
    assert.deepEqual(derivedOf({ ...api, userIdentity: anonymous }), {
      actor: 'anonymous',
      actorType: 'anonymous',
      console: false,
    });
    const unknown = { type: 'Unknown', principalId: '', arn: '', accountId: ACCOUNT, userName: 'carol' };
    assert.deepEqual(derivedOf({ ...api, userIdentity: unknown }), {
      actor: 'carol',
      actorType: 'unknown',
      console: false,
    });
    assert.deepEqual(derivedOf({ ...api }), { actor: 'unknown', actorType: 'unknown', console: false });
  });

  it('ConsoleLogin: a console event, MFA from additionalEventData.MFAUsed', () => {
    const login = {
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      eventType: 'AwsConsoleSignIn',
      userIdentity: {
        type: 'IAMUser',
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        accountId: ACCOUNT,
        userName: 'alice',
      },
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MobileVersion: 'No', MFAUsed: 'No' },
    };
    assert.deepEqual(derivedOf(login), {
      actor: `arn:aws:iam::${ACCOUNT}:user/alice`,
      actorType: 'iam-user',
      mfa: false,
      console: true,
    });
    const withMfa = { ...login, additionalEventData: { ...login.additionalEventData, MFAUsed: 'Yes' } };
    assert.equal(derivedOf(withMfa).mfa, true);
    // MFAUsed is read for console logins only: elsewhere the same free-form value says nothing.
    assert.equal(derivedOf({ ...withMfa, eventName: 'GetSigninToken' }).mfa, undefined);
  });

  it('a userIdentity that is not an object names no principal, in both builders', () => {
    const identity = { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice` };
    assert.deepEqual(derivedOf({ ...api, userIdentity: [identity] }), {
      actor: 'unknown',
      actorType: 'unknown',
      console: false,
    });
    assert.deepEqual(derivedOf({ ...api, userIdentity: null }), {
      actor: 'unknown',
      actorType: 'unknown',
      console: false,
    });
  });
});

describe('derived fields remembered from file to file', () => {
  const issuer = `arn:aws:iam::${ACCOUNT}:role/Admin`;
  const base = {
    eventTime: '2024-05-01T10:00:00Z',
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:alice',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: issuer },
        attributes: { mfaAuthenticated: 'false' },
      },
    },
    eventType: 'AwsApiCall',
    eventName: 'DescribeInstances',
  };
  const identity = base.userIdentity;
  const context_ = identity.sessionContext;
  // Each differs from `base` in one leaf the derivation reads, and derives other fields from it.
  const variants: Record<string, unknown> = {
    'a session name of the same length': {
      ...base,
      userIdentity: { ...identity, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alicf` },
    },
    "another issuer's role": {
      ...base,
      userIdentity: {
        ...identity,
        sessionContext: { ...context_, sessionIssuer: { type: 'Role', arn: `${issuer}x` } },
      },
    },
    'MFA used': {
      ...base,
      userIdentity: {
        ...identity,
        sessionContext: { ...context_, attributes: { mfaAuthenticated: 'true' } },
      },
    },
    'a console session': { ...base, sessionCredentialFromConsole: 'true' },
    'a console sign-in': { ...base, eventType: 'AwsConsoleSignIn' },
    'another type of identity': { ...base, userIdentity: { ...identity, type: 'IAMUser' } },
  };

  it('a record like one of an earlier file only in one derivation leaf gets its own derived fields', () => {
    const memory = new DocumentMemory();
    const layout = { slabBytes: 1 << 20, spareBefore: 0 };
    const derivedIn = (builder: DocumentBuilder, record: unknown, index: number): string => {
      const bytes = Buffer.from(JSON.stringify(record));
      const document = builder.build(bytes, index);
      const built = sourceText(document);
      document.release();
      assert.equal(built, sourceText(buildDocument(bytes, index, context)), `record ${index}`);
      const {
        actor,
        actorType,
        sessionName,
        mfa,
        console: fromConsole,
      } = (JSON.parse(built) as { ct: Derived }).ct;
      return JSON.stringify({ actor, actorType, sessionName, mfa, fromConsole });
    };
    const first = memory.open(context, layout);
    const expected = derivedIn(first, base, 0);
    assert.equal(first.fallbacks, 0, 'the fast path takes the base record');
    memory.close(first);
    // The next file's builder reuses the first one's workspace, and what it remembered.
    const second = memory.open(context, layout);
    assert.equal(derivedIn(second, base, 0), expected);
    let index = 1;
    for (const [what, record] of Object.entries(variants)) {
      assert.notEqual(derivedIn(second, record, index++), expected, what);
      assert.equal(derivedIn(second, base, index++), expected, `${what}, then the base record again`);
    }
    assert.equal(second.fallbacks, 0, 'the fast path takes every variant');
    memory.close(second);
  });
});
