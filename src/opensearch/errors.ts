/**
 * What an operator reads when something fails: one line that names the thing that is wrong (the
 * endpoint, a file, the credentials, a bucket) and what to change, for every command of the CLI and
 * both Lambdas. Raw texts such as `Response Error`, `connect ECONNREFUSED ...`, OpenSSL's `wrong
 * version number` or the SDK's `Could not load credentials from any providers` never reach the user
 * on their own. The answer also says what fixes it (a setting, a retry, the input file), so the CLI
 * can pick its exit code and retry loops can stop early on what no retry can fix.
 */
import { ConfigError } from '../config.js';
import { RecordStreamError } from '../records/errors.js';
import { describeAuthFailure } from './auth-advice.js';
import type { Client } from '@opensearch-project/opensearch';
import { resolvedConnectionOf, type AuthMode } from './client.js';
import { shorten } from '../http/errors.js';
import { redactCredentials } from '../http/redact.js';
import { isPlainObject } from '../util/objects.js';
import { bodyPreview, isClusterErrorBody, serverReason } from './error-body.js';
import { networkAdvice } from './network-advice.js';

export { describeAuthFailure } from './auth-advice.js';

/**
 * What makes the failure go away: changing a setting (endpoint, auth, credentials, a path), running
 * again later, fixing the input file, or unknown.
 */
export type FixedBy = 'configuration' | 'retry' | 'input' | 'unknown';

export interface DescribedError {
  /** One line, with any password in a URL masked. */
  message: string;
  fixedBy: FixedBy;
}

/** How the reader sets each thing a message may ask them to change. */
export interface SettingNames {
  endpoint: string;
  region: string;
  requestTimeout: string;
  /** Where SigV4 credentials come from. */
  credentials: string;
}

export const CLI_SETTINGS: SettingNames = {
  endpoint: '--endpoint',
  region: '--region',
  requestTimeout: '--request-timeout',
  credentials:
    'set AWS_PROFILE (after aws configure or aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; ' +
    'for a cluster outside AWS use --auth basic or --auth none',
};

export const LAMBDA_SETTINGS: SettingNames = {
  endpoint: 'OPENSEARCH_ENDPOINT',
  region: 'AWS_REGION',
  requestTimeout: 'REQUEST_TIMEOUT_MS',
  credentials: 'check the function has an execution role and that the runtime can reach AWS STS',
};

export interface ErrorContext {
  /** The OpenSearch endpoint the failed call went to (without credentials). */
  endpoint?: string;
  auth?: AuthMode;
  /** Default: the CLI's option names. */
  settings?: SettingNames;
}

/** The context for errors of calls made with `client` (its endpoint and auth mode), in a Lambda's words. */
export function lambdaErrorContext(client: Client): ErrorContext {
  const connection = resolvedConnectionOf(client);
  return { endpoint: connection?.endpoint, auth: connection?.auth, settings: LAMBDA_SETTINGS };
}

/** An Error whose message is the one-line description of `error` (kept as its cause). */
export function describedError(error: unknown, context: ErrorContext): Error {
  const message = errorMessage(error, context);
  if (error instanceof Error && error.message === message) return error;
  return new Error(message, { cause: error });
}

const FS_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EMFILE']);

export function describeError(error: unknown, context: ErrorContext = {}): DescribedError {
  const described = describe(error, context);
  return { message: redactCredentials(oneLine(described.message), 'user'), fixedBy: described.fixedBy };
}

/** The message alone, for logs and exceptions. */
export function errorMessage(error: unknown, context: ErrorContext = {}): string {
  return describeError(error, context).message;
}

function describe(error: unknown, context: ErrorContext): DescribedError {
  const settings = context.settings ?? CLI_SETTINGS;
  const endpoint = context.endpoint;
  if (error instanceof ConfigError) return { message: error.problems.join('; '), fixedBy: 'configuration' };
  if (error instanceof RecordStreamError) return { message: error.message, fixedBy: 'input' };
  if (isMissingCredentials(error)) {
    return {
      message: `no AWS credentials found to sign requests to ${endpoint ?? 'OpenSearch'} (SigV4): ${settings.credentials}.`,
      fixedBy: 'configuration',
    };
  }
  const fileProblem = fileSystemAdvice(error);
  if (fileProblem) return fileProblem;
  if (isS3ServiceError(error)) return s3Advice(error, settings);

  const status = statusOf(error);
  if (status !== undefined) return httpAdvice(status, bodyOf(error), context);
  if (nameOf(error) === 'DeserializationError') {
    return {
      message:
        `${endpoint ?? 'the server'} answered with a body that is not JSON, so it is not OpenSearch or Elasticsearch: ` +
        `check ${settings.endpoint} is the cluster's REST endpoint (port 9200, or the domain endpoint).`,
      fixedBy: 'configuration',
    };
  }
  const network = networkAdvice(error, endpoint, settings);
  if (network) return network;
  if (error instanceof Error && error.cause !== undefined && error.cause !== error) {
    // A wrapper that already says what happened in its own words; its cause says what fixes it.
    return { message: error.message, fixedBy: describe(error.cause, context).fixedBy };
  }
  return { message: error instanceof Error ? error.message : String(error), fixedBy: 'unknown' };
}

function httpAdvice(status: number, body: unknown, context: ErrorContext): DescribedError {
  const endpoint = context.endpoint ?? 'the server';
  const settings = context.settings ?? CLI_SETTINGS;
  if (status === 401 || status === 403) {
    return {
      message: describeAuthFailure(status, body, context.auth ?? 'none', endpoint),
      fixedBy: 'configuration',
    };
  }
  if (!isClusterErrorBody(body)) {
    if (status === 429 || status >= 500) {
      return {
        message: `${endpoint} answered HTTP ${status} (${bodyPreview(body)}): a proxy or load balancer in front of the cluster is failing or overloaded. Run again later.`,
        fixedBy: 'retry',
      };
    }
    return {
      message: notClusterMessage(endpoint, `it answered HTTP ${status}`, body, settings),
      fixedBy: 'configuration',
    };
  }
  const reason = serverReason(body);
  const said = shorten(reason.type ? `${reason.type}: ${reason.text}` : reason.text);
  if (status === 429) {
    return {
      message: `${endpoint} is throttling requests (HTTP 429 ${said}): run again later, or send less at once (--concurrency, --threads).`,
      fixedBy: 'retry',
    };
  }
  if (status >= 500) {
    return {
      message: `${endpoint} failed (HTTP ${status} ${said}): check the cluster's health, then run again.`,
      fixedBy: 'retry',
    };
  }
  return { message: `${endpoint} answered HTTP ${status}: ${said}`, fixedBy: 'unknown' };
}

/** Something other than OpenSearch answered at the endpoint: what it said, and where to look instead. */
export function notClusterMessage(
  endpoint: string,
  whatHappened: string,
  body: unknown,
  settings: SettingNames,
): string {
  return (
    `${endpoint} does not look like OpenSearch or Elasticsearch: ${whatHappened} with ${bodyPreview(body)}. ` +
    `Check ${settings.endpoint} is the cluster's REST endpoint (port 9200, or the domain endpoint), ` +
    'not Dashboards, a web page or another service.'
  );
}

function fileSystemAdvice(error: unknown): DescribedError | undefined {
  if (!isPlainObject(error)) return undefined;
  const code = error.code;
  const path = error.path;
  if (typeof code !== 'string' || typeof path !== 'string' || !FS_CODES.has(code)) return undefined;
  const problems: Record<string, string> = {
    ENOENT: 'no such file or directory: check the path',
    EACCES: 'permission denied: give this user read access (directories also need execute)',
    EPERM: 'operation not permitted: check the permissions',
    ENOTDIR: 'a part of the path is a file, not a directory: check the path',
    EISDIR: 'is a directory where a file was expected',
    ELOOP: 'too many symbolic links: a link points back to itself',
    EMFILE: 'too many open files: raise the limit (ulimit -n) or index fewer files at once',
  };
  return { message: `${path}: ${problems[code]}`, fixedBy: code === 'EMFILE' ? 'retry' : 'configuration' };
}

interface S3ServiceError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
  BucketName?: string;
  Region?: string;
}

function isS3ServiceError(error: unknown): error is S3ServiceError {
  return isPlainObject(error) && isPlainObject(error.$metadata) && typeof error.$fault === 'string';
}

function s3Advice(error: S3ServiceError, settings: SettingNames): DescribedError {
  const bucket = error.BucketName ? `bucket ${error.BucketName}` : 'the bucket';
  switch (error.name) {
    case 'NoSuchBucket':
      return { message: `S3: ${bucket} does not exist: check the s3:// URL.`, fixedBy: 'configuration' };
    case 'AccessDenied':
      return {
        message:
          'S3 refused access (AccessDenied): the credentials need s3:ListBucket on the bucket and s3:GetObject ' +
          'on the objects (and kms:Decrypt when the trail uses SSE-KMS).',
        fixedBy: 'configuration',
      };
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return {
        message: `S3: ${bucket} is in another region${error.Region ? ` (${error.Region})` : ''}: set ${settings.region} to the bucket's region.`,
        fixedBy: 'configuration',
      };
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
    case 'InvalidToken':
      return {
        message: `S3 refused the credentials (${error.name}: ${error.message}): ${settings.credentials}.`,
        fixedBy: 'configuration',
      };
  }
  const status = error.$metadata.httpStatusCode;
  const transient = status === undefined || status === 429 || status >= 500;
  return {
    message: `S3 ${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message}`,
    fixedBy: transient ? 'retry' : 'unknown',
  };
}

function isMissingCredentials(error: unknown): boolean {
  return (
    nameOf(error) === 'CredentialsProviderError' ||
    (error instanceof Error && /Could not load credentials from any providers/.test(error.message))
  );
}

/** The HTTP status an error carries: the OpenSearch client's `meta.statusCode`, or a plain `status`. */
function statusOf(error: unknown): number | undefined {
  if (!isPlainObject(error)) return undefined;
  const meta = isPlainObject(error.meta) ? error.meta : undefined;
  for (const value of [meta?.statusCode, error.statusCode, error.status]) {
    if (typeof value === 'number' && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

function bodyOf(error: unknown): unknown {
  if (!isPlainObject(error)) return undefined;
  if (isPlainObject(error.meta) && 'body' in error.meta) return error.meta.body;
  return error.body;
}

function nameOf(error: unknown): string | undefined {
  const name = isPlainObject(error) ? error.name : undefined;
  return typeof name === 'string' ? name : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
