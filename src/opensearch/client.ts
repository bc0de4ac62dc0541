/**
 * Builds the OpenSearch client the product uses. `resolveConnection` makes every decision (auth mode,
 * region, service, timeout) as a pure function so the rules can be tested and explained in one place;
 * `createClient` only turns the decisions into a `@opensearch-project/opensearch` Client.
 */
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { redactCredentials } from '../http/redact.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../http/retry.js';

export type AuthMode = 'none' | 'basic' | 'sigv4';
export type AwsService = 'es' | 'aoss';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When set, the signer fetches fresh credentials shortly before this time. */
  expiration?: Date;
}

export interface ConnectionOptions {
  /** http(s)://host[:port][/path-prefix] */
  endpoint: string;
  /** Default: sigv4 for *.es.amazonaws.com / *.aoss.amazonaws.com, basic when username+password are given, else none. */
  auth?: AuthMode;
  /** sigv4 only. Default: parsed from an AWS host, else AWS_REGION (or AWS_DEFAULT_REGION). */
  region?: string;
  /** sigv4 only. Default: aoss for *.aoss.amazonaws.com, else es. */
  service?: AwsService;
  username?: string;
  password?: string;
  /** Deadline of each request (connect plus the whole answer). Default 30000. */
  requestTimeoutMs?: number;
  /** sigv4 only. Default: the AWS SDK's node provider chain (env, SSO, profile, container, instance role). */
  credentials?: () => Promise<AwsCredentials>;
}

interface ResolvedCommon {
  /** Normalised URL: scheme, host, port and path prefix, no trailing slash. */
  endpoint: string;
  requestTimeoutMs: number;
}

export type ResolvedConnection =
  | (ResolvedCommon & { auth: 'none' })
  | (ResolvedCommon & { auth: 'basic'; username: string; password: string })
  | (ResolvedCommon & { auth: 'sigv4'; region: string; service: AwsService });

export { DEFAULT_REQUEST_TIMEOUT_MS };
const AUTH_MODES: readonly AuthMode[] = ['none', 'basic', 'sigv4'];
const SERVICES: readonly AwsService[] = ['es', 'aoss'];
const ENDPOINT_SHAPE = 'expected http(s)://host[:port]';

/** Amazon OpenSearch Service hosts: `<name>.<region>.es.amazonaws.com` (managed) and `<id>.<region>.aoss.amazonaws.com` (Serverless). */
const AWS_HOST = /\.([a-z0-9-]+)\.(es|aoss)\.amazonaws\.com(?:\.cn)?$/i;

export interface AwsHost {
  region: string;
  service: AwsService;
}

/** Region and service of an Amazon OpenSearch Service hostname, or undefined for any other host. */
export function parseAwsHost(hostname: string): AwsHost | undefined {
  const match = AWS_HOST.exec(hostname);
  if (!match) return undefined;
  return { region: match[1]!.toLowerCase(), service: match[2]!.toLowerCase() as AwsService };
}

/**
 * Pure: validates the options and makes the defaulting decisions. `env` is only read for the region
 * (AWS_REGION, then AWS_DEFAULT_REGION). Throws an Error naming the offending option.
 */
export function resolveConnection(
  options: ConnectionOptions,
  env: Record<string, string | undefined> = process.env,
): ResolvedConnection {
  const url = parseEndpoint(options.endpoint);
  const endpoint = url.origin + url.pathname.replace(/\/+$/, '');
  const requestTimeoutMs = resolveTimeout(options.requestTimeoutMs);
  const awsHost = parseAwsHost(url.hostname);
  const { username, password } = options;
  const hasUsername = username !== undefined && username !== '';
  const hasPassword = password !== undefined && password !== '';

  if (options.auth !== undefined && !AUTH_MODES.includes(options.auth)) {
    throw new Error(`auth "${String(options.auth)}" is not one of ${AUTH_MODES.join(', ')}`);
  }
  if (options.auth === undefined && hasUsername !== hasPassword) {
    // Half a credential is a configuration mistake; silently falling back to another mode would hide it.
    throw new Error(
      hasUsername
        ? 'username is set but password is not: basic auth needs both'
        : 'password is set but username is not: basic auth needs both',
    );
  }
  // Explicit credentials win over the AWS-host default: a managed domain with fine-grained access
  // control can have an internal user database, and sending IAM signatures would ignore the password.
  const auth: AuthMode = options.auth ?? (hasUsername && hasPassword ? 'basic' : awsHost ? 'sigv4' : 'none');

  switch (auth) {
    case 'none':
      return { endpoint, requestTimeoutMs, auth };
    case 'basic':
      if (!hasUsername || !hasPassword) {
        throw new Error(
          `auth "basic" needs both username and password (missing: ${missingNames(hasUsername, hasPassword)})`,
        );
      }
      return { endpoint, requestTimeoutMs, auth, username: username!, password: password! };
    case 'sigv4': {
      if (options.service !== undefined && !SERVICES.includes(options.service)) {
        throw new Error(`service "${String(options.service)}" is not one of ${SERVICES.join(', ')}`);
      }
      const service: AwsService = options.service ?? awsHost?.service ?? 'es';
      const region =
        nonEmpty(options.region) ??
        awsHost?.region ??
        nonEmpty(env.AWS_REGION) ??
        nonEmpty(env.AWS_DEFAULT_REGION);
      if (!region) {
        throw new Error(
          `auth "sigv4" needs a region: set the region option or the AWS_REGION environment variable ` +
            `(it cannot be parsed from host "${url.hostname}", which is not *.es.amazonaws.com or *.aoss.amazonaws.com)`,
        );
      }
      return { endpoint, requestTimeoutMs, auth, region, service };
    }
  }
}

function parseEndpoint(endpoint: string | undefined): URL {
  if (endpoint === undefined || endpoint.trim() === '')
    throw new Error(`endpoint is required: ${ENDPOINT_SHAPE}`);
  // Quoted only without its user info: a malformed URL may still hold a password.
  const shown = redactCredentials(endpoint);
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new Error(`endpoint "${shown}" is not a URL: ${ENDPOINT_SHAPE}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Not echoed back: the string holds a password.
    throw new Error('endpoint must not contain credentials: pass username and password as options instead');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint "${shown}" does not start with http:// or https://: ${ENDPOINT_SHAPE}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`endpoint "${shown}" has a query string or fragment: ${ENDPOINT_SHAPE}`);
  }
  return url;
}

function resolveTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`requestTimeoutMs must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function missingNames(hasUsername: boolean, hasPassword: boolean): string {
  return [hasUsername ? undefined : 'username', hasPassword ? undefined : 'password']
    .filter(Boolean)
    .join(' and ');
}

/** The default AWS credential chain, built on first use; it caches and refreshes what it resolves. */
class DefaultCredentials {
  private provider: (() => Promise<AwsCredentials>) | undefined;

  resolve(): Promise<AwsCredentials> {
    this.provider ??= fromNodeProviderChain();
    return this.provider();
  }
}

// One chain per process, deliberately: creating several clients then does not multiply calls to STS or
// the instance metadata service.
const processCredentials = new DefaultCredentials();
function defaultCredentials(): Promise<AwsCredentials> {
  return processCredentials.resolve();
}

// What each client was built from, so code holding only the Client (cluster detection, error messages)
// can learn the service and endpoint without threading options through.
const resolvedByClient = new WeakMap<Client, ResolvedConnection>();

/** The resolved connection a client was created with by `createClient`, if it was. */
export function resolvedConnectionOf(client: Client): ResolvedConnection | undefined {
  return resolvedByClient.get(client);
}

export function createClient(options: ConnectionOptions): Client {
  const resolved = resolveConnection(options);
  const common: ClientOptions = {
    node: resolved.endpoint,
    requestTimeout: resolved.requestTimeoutMs,
    maxRetries: 0, // the product retries with its own backoff and per-item bookkeeping
    // One node: no background pings to bring a "dead" node back (they would run outside our deadlines).
    resurrectStrategy: 'none',
    compression: undefined, // off: SigV4 hashes the body as sent, and bulk bodies are built as strings
    suggestCompression: false,
  };
  let client: Client;
  switch (resolved.auth) {
    case 'none':
      client = new Client(common);
      break;
    case 'basic':
      client = new Client({ ...common, auth: { username: resolved.username, password: resolved.password } });
      break;
    case 'sigv4':
      client = new Client({
        ...common,
        ...AwsSigv4Signer({
          region: resolved.region,
          service: resolved.service,
          getCredentials: options.credentials ?? defaultCredentials,
        }),
      });
      break;
  }
  resolvedByClient.set(client, resolved);
  return client;
}
