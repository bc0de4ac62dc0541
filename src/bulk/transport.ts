/**
 * The one place the bulk sender does HTTP. Everything above this module sees a status code and a parsed
 * body, or a rejection with a network error code; never a client-specific error class.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { unzipSync } from 'node:zlib';
import { errors, type Client } from '@opensearch-project/opensearch';
import { resolvedConnectionOf } from '../opensearch/client.js';

export interface BulkResponse {
  statusCode: number;
  /** Parsed JSON, the raw text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

export interface BulkTransport {
  /** Resolves for every HTTP response (any status); rejects only with a {@link TransportError}. */
  /** `ndjson` as text or as its UTF-8 bytes (the sender's bodies are bytes: no re-encoding on the socket). */
  send(ndjson: string | Buffer, options: { timeoutMs: number }): Promise<BulkResponse>;
  /**
   * True when the transport keeps no reference to a Buffer body once `send()` has settled, so the sender
   * may reuse the buffer for a later request, or send a view of document memory that is reused once the
   * documents' outcomes are in (test transports that record bodies leave this unset).
   */
  readonly releasesBody?: boolean;
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
 * What the sender reads of a bulk response. `filter_path` (supported by every OpenSearch and Elasticsearch
 * API) shrinks a 1,000-item answer to about half: every item keeps its `_id` and `status`, so items keep
 * their positions and the sender can still check that the answer is the one for its request.
 */
export const BULK_FILTER_PATH = 'took,errors,items.*._id,items.*.status,items.*.error';

/**
 * POST /_bulk through an `@opensearch-project/opensearch` client, so whatever the client was built with
 * (SigV4 signer, basic auth, TLS options) applies. The body goes as `bulkBody`: the transport passes a string
 * through untouched (a string or a Buffer alike), labels it application/x-ndjson, and the SigV4 connection
 * hashes and signs those exact bytes.
 *
 * The response is taken as a stream and read here: one Buffer per chunk, one `JSON.parse` (the client would
 * build the text by string concatenation and run it through secure-json-parse). The sender only ever reads
 * known keys of the parsed body, so prototype-poisoning protection is not needed.
 */
export function clientTransport(client: Client): BulkTransport {
  // OpenSearch Serverless documents a subset of each API: it gets the plain request, answered in full.
  const connection = resolvedConnectionOf(client);
  const querystring: Record<string, string> =
    connection?.auth === 'sigv4' && connection.service === 'aoss' ? {} : { filter_path: BULK_FILTER_PATH };
  return {
    releasesBody: true,
    async send(ndjson, { timeoutMs }) {
      const request = client.transport.request(
        {
          method: 'POST',
          path: '/_bulk',
          bulkBody: ndjson,
          querystring,
        },
        // Retries are the sender's job: the client would retry 502/503/504 with no backoff and never 429.
        { maxRetries: 0, requestTimeout: timeoutMs, asStream: true },
      );
      // The client's requestTimeout is a socket idle timeout; a server trickling bytes would never trip it.
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        request.abort();
      }, timeoutMs);
      try {
        const response = await request;
        const stream = response.body as unknown as IncomingMessage;
        const bytes = await readAll(stream);
        return { statusCode: response.statusCode ?? 0, body: decodeBody(stream.headers, bytes) };
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

/** The whole response body; rejects if the connection breaks (or is aborted) before its end. */
function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    stream.on('error', reject);
    stream.on('aborted', () =>
      reject(new TransportError('ECONNRESET', 'response aborted while reading the body')),
    );
    stream.on('close', () => {
      if (!stream.complete) reject(new TransportError('ECONNRESET', 'response closed before its end'));
    });
    stream.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
    );
  });
}

/** As the client would: JSON when labelled JSON (a 2xx that is not JSON is left to the sender), else the text. */
function decodeBody(headers: IncomingHttpHeaders, raw: Buffer): unknown {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const bytes = encoding.includes('gzip') || encoding.includes('deflate') ? unzipSync(raw) : raw;
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  const type = String(headers['content-type'] ?? '');
  if (!type.includes('application/json') && !type.includes('application/vnd.opensearch+json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // unreadable: a 2xx becomes a retry, anything else is described with this text
  }
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
