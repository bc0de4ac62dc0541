/**
 * Turns a 401/403 from OpenSearch, Elasticsearch or the AWS front end into a message that names the
 * likely cause and the fix. The operator sees this in logs long after the request, so the raw reason
 * from the server is always kept at the end.
 */
import type { AuthMode } from './client.js';
import { shorten } from '../http/errors.js';
import { hostOf, serverReason, type ServerReason } from './error-body.js';

export function describeAuthFailure(
  status: 401 | 403,
  body: unknown,
  auth: AuthMode,
  endpoint: string,
): string {
  const reason = serverReason(body);
  const cause = likelyCause(status, reason, auth, endpoint);
  const raw = reason.type ? `${reason.type}: ${reason.text}` : reason.text;
  return `${endpoint} refused the request (HTTP ${status}, auth ${auth}): ${cause} Server said: ${shorten(raw)}`;
}

function likelyCause(status: 401 | 403, reason: ServerReason, auth: AuthMode, endpoint: string): string {
  const text = reason.text;
  const awsHost = hostOf(endpoint);

  const unmapped = /no permissions for \[([^\]]*)\] and User \[name=([^,\]]+)/.exec(text);
  if (unmapped) return unmappedUserCause(unmapped[1] ?? '', (unmapped[2] ?? '').trim());

  const denied = /User: (\S+) is not authorized to perform: (\S+)/.exec(text);
  if (denied) return iamDeniedCause(denied[1] ?? '', (denied[2] ?? '').replace(/[.,]$/, ''), text, auth);

  const signing = signingCause(text, auth, awsHost?.region);
  if (signing) return signing;

  if (status === 403 && (reason.type === 'Forbidden' || awsHost?.service === 'aoss')) {
    return (
      'OpenSearch Serverless did not allow this identity. Check the collection data access policy grants the ' +
      'role aoss:CreateIndex, aoss:DescribeIndex, aoss:UpdateIndex and aoss:WriteDocument on the indices, that ' +
      "the role's IAM policy allows aoss:APIAccessAll on the collection, and that the network policy admits " +
      'where the request comes from.'
    );
  }

  if (status === 401) {
    switch (auth) {
      case 'basic':
        return (
          'the username or password was rejected. Check the credentials (and, on Amazon OpenSearch Service, that ' +
          'the internal user database of fine-grained access control is enabled).'
        );
      case 'none':
        return 'the cluster requires authentication: give a username and password (auth basic), or use auth sigv4 for AWS.';
      case 'sigv4':
        return (
          'the cluster did not accept the IAM signature. A self-managed cluster does not understand SigV4: use ' +
          'auth basic there. On Amazon OpenSearch Service, check the domain allows IAM authentication.'
        );
    }
  }

  return (
    'the identity was authenticated but is not allowed to do this. Check the permissions of the user or role ' +
    '(index and cluster permissions for the target indices).'
  );
}

/** Fine-grained access control (OpenSearch security plugin) knows the caller but no role mapping grants the action. */
function unmappedUserCause(permissions: string, userName: string): string {
  const roleArn = iamRoleArn(userName);
  const needs = permissions ? `[${permissions}]` : 'this action';
  if (roleArn) {
    return (
      `the IAM role ${roleArn} is not mapped to an OpenSearch role that allows ${needs} in fine-grained access ` +
      'control. Map it as a backend role: in OpenSearch Dashboards open Security > Roles, pick a role with write ' +
      `access to the indices (or create one), then Mapped users > Backend roles > add ${roleArn}; or call ` +
      `PUT _plugins/_security/api/rolesmapping/<role> with {"backend_roles": ["${roleArn}"]}.`
    );
  }
  return (
    `user "${userName}" is not mapped to an OpenSearch role that allows ${needs} in fine-grained access control. ` +
    'Map the user to a role with the needed permissions (Security > Roles > Mapped users in OpenSearch Dashboards, ' +
    'or PUT _plugins/_security/api/rolesmapping/<role>).'
  );
}

/**
 * The IAM role ARN fine-grained access control expects in a backend role mapping. Lambda and most SDK
 * callers appear as the role itself; an STS session ARN is turned back into the role ARN (a role created
 * under an IAM path has that path in its real ARN, which the session ARN does not show).
 */
function iamRoleArn(name: string): string | undefined {
  if (/^arn:aws[\w-]*:iam::\d{12}:role\//.test(name)) return name;
  const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(name);
  if (session) return `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  return undefined;
}

/** The AWS front end of a managed domain refused an IAM principal (or an unsigned request). */
function iamDeniedCause(principal: string, action: string, text: string, auth: AuthMode): string {
  if (principal === 'anonymous') {
    return (
      `the request reached the domain unsigned (auth ${auth}) and the domain access policy does not allow ` +
      'anonymous access. Use auth sigv4 with credentials of a role the access policy allows.'
    );
  }
  const httpActions = 'es:ESHttp* (ESHttpGet, ESHttpHead, ESHttpPost, ESHttpPut, ESHttpDelete)';
  if (/explicit deny/i.test(text)) {
    return `an explicit Deny for ${action} applies to ${principal} (in its IAM policies, a permissions boundary, an SCP or the domain access policy). Remove or narrow it.`;
  }
  if (/no resource-based policy allows/i.test(text)) {
    return `the domain access policy does not allow ${principal} to call ${action}. Add a statement allowing ${httpActions} on arn:aws:es:<region>:<account>:domain/<domain>/* for this principal.`;
  }
  if (/no identity-based policy allows/i.test(text)) {
    return `the IAM policy of ${principal} does not allow ${action}. Attach a policy allowing ${httpActions} on arn:aws:es:<region>:<account>:domain/<domain>/*.`;
  }
  return (
    `${principal} may not call ${action}: either the domain access policy or the principal's IAM policy lacks it. ` +
    `Allow ${httpActions} on arn:aws:es:<region>:<account>:domain/<domain>/* in both.`
  );
}

/** SigV4 rejected by the AWS front end: credentials, region, service or clock. */
function signingCause(text: string, auth: AuthMode, hostRegion: string | undefined): string | undefined {
  if (/Missing Authentication Token/i.test(text)) {
    return auth === 'sigv4'
      ? 'the request arrived without a signature: something between us and AWS (a proxy) may strip the Authorization header, or the path does not exist.'
      : `the endpoint wants AWS SigV4 signatures and auth is ${auth}: use auth sigv4.`;
  }
  if (/Authorization header requires 'Credential' parameter/i.test(text)) {
    return `the endpoint wants AWS SigV4 signatures and got another Authorization header (auth ${auth}): use auth sigv4.`;
  }
  if (/signature we calculated does not match/i.test(text)) {
    return (
      'the signature did not verify: check the secret access key belongs to the access key id, that region ' +
      `${hostRegion ? `(${hostRegion} for this host) ` : ''}and service (es for a managed domain, aoss for Serverless) ` +
      'match the endpoint, and that no proxy rewrites the path, query string or signed headers.'
    );
  }
  if (/security token included in the request is expired/i.test(text)) {
    return 'the temporary credentials have expired: refresh them (re-run aws sso login, or re-assume the role).';
  }
  if (/security token included in the request is invalid/i.test(text)) {
    return (
      'AWS does not know the access key id (deleted key, another partition) or the session token does not go with ' +
      'it: check which credentials the process picks up (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN).'
    );
  }
  if (/scoped to a valid region/i.test(text)) {
    return `the request was signed for the wrong region: set region to the endpoint's region${hostRegion ? ` (${hostRegion})` : ''}.`;
  }
  const service = /scoped to correct service: '([^']+)'/i.exec(text);
  if (service) {
    return `the request was signed for the wrong service: set service to ${service[1]} (es for a managed domain, aoss for Serverless).`;
  }
  if (/Signature (expired|not yet current)/i.test(text)) {
    return "this machine's clock is more than 5 minutes off: sync it (NTP).";
  }
  return undefined;
}
