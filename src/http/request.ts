/**
 * The one way the product talks HTTP to the cluster: a single attempt with an overall deadline (connect
 * plus the whole answer, so a server trickling a byte every few seconds cannot hold it) and a bound on
 * the answer's size, through an `@opensearch-project/opensearch` client so whatever it was built with
 * (SigV4 signer, basic auth, TLS options) applies. Retries are not done here: see retry.ts.
 */
import type { IncomingMessage } from 'node:http';
import { errors, type Client } from '@opensearch-project/opensearch';
import { decodeBody, readBody } from './body.js';
import { HttpError, isClusterShapedBody, NetworkError } from './errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './retry.js';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Already percent-encoded where it holds names. */
  path: string;
  querystring?: Record<string, string | number | boolean>;
  /** A JSON body, serialised by the client; a Buffer or string is sent as it is. */
  body?: unknown;
  /** An NDJSON body (bulk), sent byte for byte as `application/x-ndjson`. */
  ndjson?: string | Buffer;
  /** Extra request headers; a `content-type` here wins over the body's default. */
  headers?: Record<string, string>;
}

export interface HttpResponse {
  statusCode: number;
  /** Parsed JSON, the text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

export interface RequestLimits {
  /** Connect plus the complete answer. */
  timeoutMs: number;
  /** Largest answer read, before and after inflating. */
  maxResponseBytes: number;
}

export interface HttpCaller {
  /** One attempt. Resolves with any HTTP status; rejects only with a NetworkError. */
  request(request: HttpRequest, limits?: Partial<RequestLimits>): Promise<HttpResponse>;
}

/**
 * Default bound on an answer: a bulk answer of 5,000 items with long error reasons stays well under it,
 * and a 512 MB Lambda can hold a few at once.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** `GET /`, `POST /_bulk`: how messages name a request. */
export function requestName(request: Pick<HttpRequest, 'method' | 'path'>): string {
  return `${request.method} ${request.path.split('?')[0]}`;
}

/**
 * The response if its status is 2xx (or one of `accept`, when the cluster said it); an HttpError
 * carrying status and body otherwise. A 404 page from something else at the endpoint is not "no such
 * index": it stays an error, which errors.ts describes as "not OpenSearch".
 */
export function accepted(
  response: HttpResponse,
  request: Pick<HttpRequest, 'method' | 'path'>,
  accept: readonly number[] = [],
): HttpResponse {
  const { statusCode, body } = response;
  if (statusCode >= 200 && statusCode < 300) return response;
  if (accept.includes(statusCode) && isClusterShapedBody(body)) return response;
  throw new HttpError(statusCode, body, requestName(request));
}

export function clientHttp(client: Client, defaults: Partial<RequestLimits> = {}): HttpCaller {
  const base: RequestLimits = {
    timeoutMs: defaults.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxResponseBytes: defaults.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  return {
    request: (request, limits) => send(client, request, { ...base, ...limits }),
  };
}

async function send(client: Client, request: HttpRequest, limits: RequestLimits): Promise<HttpResponse> {
  const what = requestName(request);
  const pending = client.transport.request(
    {
      method: request.method,
      path: request.path,
      ...(request.querystring ? { querystring: request.querystring } : {}),
      ...(request.body !== undefined ? { body: request.body as Record<string, unknown> } : {}),
      ...(request.ndjson !== undefined ? { bulkBody: request.ndjson } : {}),
    },
    // The client's own retries would ignore our backoff and deadline (and never retry 429); its
    // requestTimeout is only a socket idle timeout, so the deadline below is what bounds the request.
    {
      maxRetries: 0,
      requestTimeout: limits.timeoutMs,
      asStream: true,
      ...(request.headers ? { headers: request.headers } : {}),
    },
  );
  let stream: IncomingMessage | undefined;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    pending.abort();
    stream?.destroy();
  }, limits.timeoutMs);
  try {
    const response = await pending;
    stream = response.body as unknown as IncomingMessage;
    if (timedOut) stream.destroy();
    const raw = await readBody(stream, limits.maxResponseBytes, what);
    return {
      statusCode: response.statusCode ?? 0,
      body: decodeBody(stream.headers, raw, limits.maxResponseBytes, what),
    };
  } catch (error) {
    if (timedOut) {
      throw new NetworkError('ETIMEDOUT', `${what}: no complete answer within ${limits.timeoutMs} ms`);
    }
    if (error instanceof errors.ResponseError) {
      return { statusCode: error.meta.statusCode ?? 0, body: error.meta.body ?? undefined };
    }
    throw networkError(error, what, limits.timeoutMs);
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * The client's ConnectionError keeps only the message of Node's error ("connect ECONNREFUSED ...",
 * "socket hang up", "... wrong version number"), so the code is recovered from it. TLS failures are
 * told apart: a handshake that cannot succeed is not worth a retry.
 */
function networkError(error: unknown, what: string, timeoutMs: number): Error {
  if (error instanceof NetworkError) return error;
  if (error instanceof errors.TimeoutError) {
    return new NetworkError('ETIMEDOUT', `${what}: no answer within ${timeoutMs} ms`);
  }
  if (error instanceof errors.NoLivingConnectionsError) {
    return new NetworkError('ECONNREFUSED', `${what}: no connection to the cluster`);
  }
  if (!(error instanceof errors.ConnectionError) && !(error instanceof errors.RequestAbortedError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const message = error.message;
  const own = (error as { code?: unknown }).code;
  const code =
    typeof own === 'string'
      ? own
      : /SSL|TLS|certificate|EPROTO/i.test(message)
        ? 'ETLS'
        : (/\bE[A-Z0-9_]{3,}\b/.exec(message)?.[0] ??
          (/socket hang up/i.test(message) ? 'ECONNRESET' : 'ENETWORK'));
  return new NetworkError(code === 'EPROTO' ? 'ETLS' : code, `${what}: ${message}`);
}
