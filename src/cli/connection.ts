/** Builds an OpenSearch client from the common CLI flags (--endpoint, --auth, --region, --service). */
import type { Client } from '@opensearch-project/opensearch';
import {
  createClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type AuthMode,
  type ConnectionOptions,
} from '../opensearch/client.js';
import { integerFlag, UsageError } from './args.js';

export const connectionFlags = {
  endpoint: { type: 'string' },
  auth: { type: 'string' },
  region: { type: 'string' },
  service: { type: 'string' },
  'index-prefix': { type: 'string' },
  'request-timeout': { type: 'string' },
} as const;

export function connect(values: Record<string, unknown>): {
  client: Client;
  endpoint: string;
  service?: 'es' | 'aoss';
  /** What the client was built from (plain data: worker threads build their own client from it). */
  connection: ConnectionOptions;
  /** --request-timeout: the deadline of every request (connect plus the whole answer). */
  requestTimeoutMs: number;
} {
  const endpoint =
    (values.endpoint as string | undefined) ?? process.env.OPENSEARCH_URL ?? process.env.OPENSEARCH_ENDPOINT;
  if (!endpoint)
    throw new UsageError('--endpoint is required: the OpenSearch URL, e.g. http://127.0.0.1:9200');
  const auth = values.auth as string | undefined;
  if (auth !== undefined && !['none', 'basic', 'sigv4'].includes(auth)) {
    throw new UsageError(`--auth ${auth}: expected none, basic or sigv4`);
  }
  const service = values.service as string | undefined;
  if (service !== undefined && service !== 'es' && service !== 'aoss') {
    throw new UsageError(`--service ${service}: expected es or aoss`);
  }
  const requestTimeoutMs = integerFlag(values, 'request-timeout', DEFAULT_REQUEST_TIMEOUT_MS, 100);
  const connection: ConnectionOptions = {
    endpoint,
    requestTimeoutMs,
    auth: auth as AuthMode | undefined,
    region: values.region as string | undefined,
    service,
    username: process.env.OPENSEARCH_USERNAME,
    password: process.env.OPENSEARCH_PASSWORD,
  };
  let client: Client;
  try {
    client = createClient(connection);
  } catch (error) {
    // A bad endpoint or auth setting is a usage error (the message never holds a password).
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return { client, endpoint, service, connection, requestTimeoutMs };
}

export function indexPrefixFlag(values: Record<string, unknown>): string {
  return (values['index-prefix'] as string | undefined) ?? process.env.INDEX_PREFIX ?? 'cloudtrail-';
}
