/**
 * From the connection options to a client, checked before any work starts: a malformed endpoint, half
 * a credential or an endpoint that cannot be used (unreachable, refuses the credentials, not
 * OpenSearch) stops the command with exit 2 and one line saying what to change. No message quotes a
 * password: an endpoint is shown with its credentials masked.
 */
import type { Client } from '@opensearch-project/opensearch';
import { NetworkError } from '../http/errors.js';
import { redactCredentials } from '../http/redact.js';
import { accepted, clientHttp } from '../http/request.js';
import { withRetry, type RetryPolicy } from '../http/retry.js';
import {
  createClient,
  resolveConnection,
  type ConnectionOptions,
  type ResolvedConnection,
} from '../opensearch/client.js';
import { parseClusterInfo } from '../opensearch/cluster.js';
import { CLI_SETTINGS, describeError, notClusterMessage } from '../opensearch/errors.js';
import type { Invocation } from './invocation.js';
import { endpointOf, indexPrefixOf, UsageError, type ConnectionFlags } from './options.js';

/** Three attempts within about a second and a half: enough for a hiccup, short for a wrong endpoint. */
const PREFLIGHT_RETRY: RetryPolicy = { baseMs: 250, maxMs: 1_000, maxAttempts: 3 };

export interface Connected {
  client: Client;
  /** What the client was built from (plain data: worker threads build their own client from it). */
  connection: ConnectionOptions;
  resolved: ResolvedConnection;
  indexPrefix: string;
}

/** Builds the client; the invocation's error messages name this endpoint and auth mode from now on. */
export function connect(flags: ConnectionFlags, invocation: Invocation): Connected {
  const endpoint = checkedEndpoint(endpointOf(flags));
  const connection: ConnectionOptions = {
    endpoint,
    auth: flags.auth,
    region: flags.region,
    service: flags.service,
    username: process.env.OPENSEARCH_USERNAME,
    password: process.env.OPENSEARCH_PASSWORD,
    requestTimeoutMs: flags.requestTimeout,
  };
  let resolved: ResolvedConnection;
  try {
    resolved = resolveConnection(connection);
  } catch (error) {
    throw new UsageError(redactCredentials(error instanceof Error ? error.message : String(error), 'user'));
  }
  invocation.errorContext = { endpoint: resolved.endpoint, auth: resolved.auth, settings: CLI_SETTINGS };
  return { client: createClient(connection), connection, resolved, indexPrefix: indexPrefixOf(flags) };
}

/**
 * One `GET /` before the command's real work, so an endpoint that cannot be used fails at once with
 * exit 2 instead of after rounds of retries. Serverless collections have no `GET /`: nothing is sent.
 */
export async function checkEndpoint(connected: Connected, invocation: Invocation): Promise<void> {
  const { client, resolved } = connected;
  if (resolved.auth === 'sigv4' && resolved.service === 'aoss') return;
  const request = { method: 'GET', path: '/' } as const;
  const http = clientHttp(client);
  let body: unknown;
  try {
    // A hiccup (a reset, a 429/5xx, an answer that stalls) gets a few quick retries; what is still
    // failing after them is the endpoint's problem, said at once rather than after a long backoff.
    body = await withRetry(
      async (timeoutMs) => accepted(await http.request(request, { timeoutMs }), request).body,
      {
        policy: PREFLIGHT_RETRY,
        budget: { requestTimeoutMs: resolved.requestTimeoutMs, remainingTimeMs: () => Infinity },
        what: 'GET /',
        // A slow or overloaded cluster is worth a word while we wait; an endpoint that is plainly
        // wrong (nothing listening, an unknown host) gets one line at the end instead.
        onRetry: ({ delayMs, error }) => {
          const described = describeError(error, invocation.errorContext);
          if (described.fixedBy !== 'configuration')
            process.stderr.write(
              `warning: cluster not ready, retrying in ${delayMs} ms: ${described.message}\n`,
            );
        },
      },
    );
  } catch (error) {
    const described = describeError(error, invocation.errorContext);
    // No answer at all within the deadline is an endpoint problem too (a VPC domain seen from outside);
    // a 429/5xx that persists is left to the command's own, longer retries.
    if (
      described.fixedBy === 'configuration' ||
      (error instanceof NetworkError && error.code === 'ETIMEDOUT')
    ) {
      throw new UsageError(described.message);
    }
    return;
  }
  try {
    parseClusterInfo(body, false);
  } catch {
    throw new UsageError(notClusterMessage(resolved.endpoint, 'GET / answered', body, CLI_SETTINGS));
  }
}

/** The endpoint as a URL the client accepts, or a UsageError naming what is wrong (never the password). */
function checkedEndpoint(raw: string | undefined): string {
  const shape = 'expected http(s)://host[:port], e.g. http://127.0.0.1:9200';
  if (raw === undefined || raw.trim() === '') {
    throw new UsageError(`--endpoint is required (or set OPENSEARCH_URL or OPENSEARCH_ENDPOINT): ${shape}`);
  }
  const shown = redactCredentials(raw.trim(), 'user');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    const port = /^[a-z]+:\/\/[^/]*:(\d+)(?:\/|$)/i.exec(raw.trim())?.[1];
    const why = port && Number(port) > 65535 ? `port ${port} is out of range (1-65535)` : 'not a URL';
    throw new UsageError(`--endpoint ${shown}: ${why}; ${shape}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--endpoint ${shown}: not http:// or https://; ${shape}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      `--endpoint ${shown}: must not hold a username or password; set OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD instead`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`--endpoint ${shown}: must not have a query string or fragment; ${shape}`);
  }
  return raw.trim();
}
