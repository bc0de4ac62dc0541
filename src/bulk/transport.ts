/**
 * The one place the bulk sender does HTTP. Everything above this module sees a status code and a parsed
 * body, or a rejection with a network error code; never a client-specific error class.
 */
import { errors, type Client } from '@opensearch-project/opensearch';

export interface BulkResponse {
  statusCode: number;
  /** Parsed JSON, the raw text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

export interface BulkTransport {
  /** Resolves for every HTTP response (any status); rejects only with a {@link TransportError}. */
  /** `ndjson` as text or as its UTF-8 bytes (the sender's bodies are bytes: no re-encoding on the socket). */
  send(ndjson: string | Buffer, options: { timeoutMs: number }): Promise<BulkResponse>;
}

/** A network-level failure: nothing (or nothing readable) came back. `code` is e.g. ECONNRESET, ETIMEDOUT. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POST /_bulk through an `@opensearch-project/opensearch` client, so whatever the client was built with
 * (SigV4 signer, basic auth, TLS options) applies. The body goes as `bulkBody`: the transport passes a string
 * through untouched (a string or a Buffer alike), labels it application/x-ndjson, and the SigV4 connection
 * hashes and signs those exact bytes.
 */
export function clientTransport(client: Client): BulkTransport {
  return {
    async send(ndjson, { timeoutMs }) {
      const request = client.transport.request(
        { method: 'POST', path: '/_bulk', bulkBody: ndjson, querystring: {} },
        // Retries are the sender's job: the client would retry 502/503/504 with no backoff and never 429.
        { maxRetries: 0, requestTimeout: timeoutMs },
      );
      // The client's requestTimeout is a socket idle timeout; a server trickling bytes would never trip it.
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        request.abort();
      }, timeoutMs);
      try {
        const response = await request;
        return { statusCode: response.statusCode ?? 0, body: normaliseBody(response.body) };
      } catch (error) {
        if (error instanceof errors.ResponseError) {
          return { statusCode: error.meta.statusCode ?? 0, body: normaliseBody(error.meta.body) };
        }
        if (timedOut) throw new TransportError('ETIMEDOUT', `bulk request timed out after ${timeoutMs} ms`);
        throw toTransportError(error, timeoutMs);
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}

function normaliseBody(body: unknown): unknown {
  return body === '' || body === null ? undefined : body;
}

function toTransportError(error: unknown, timeoutMs: number): TransportError {
  if (error instanceof TransportError) return error;
  if (error instanceof errors.TimeoutError) {
    return new TransportError('ETIMEDOUT', `bulk request timed out after ${timeoutMs} ms`);
  }
  const message = error instanceof Error ? error.message : String(error);
  // The client's ConnectionError keeps only the message ("read ECONNRESET", "socket hang up"): recover the code.
  const ownCode = (error as { code?: unknown } | null)?.code;
  const code =
    typeof ownCode === 'string'
      ? ownCode
      : (/\bE[A-Z0-9_]{3,}\b/.exec(message)?.[0] ??
        (/socket hang up/i.test(message) ? 'ECONNRESET' : 'ENETWORK'));
  return new TransportError(code, `bulk request failed: ${message}`);
}
