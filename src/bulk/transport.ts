/**
 * The one place the bulk sender does HTTP: `POST /_bulk` through the product's HTTP caller (overall
 * deadline, bounded answer). Everything above this module sees a status code and a parsed body, or a
 * rejection with a NetworkError; never a client-specific error class.
 */
import type { Client } from '@opensearch-project/opensearch';
import { resolvedConnectionOf } from '../opensearch/client.js';
import { clientHttp, type HttpCaller, type HttpResponse } from '../http/request.js';

export type BulkResponse = HttpResponse;

export interface BulkTransport {
  /**
   * `ndjson` as text or as its UTF-8 bytes (the sender's bodies are bytes: no re-encoding on the socket).
   * Resolves for every HTTP response (any status); rejects with a NetworkError when no usable answer came
   * back within `timeoutMs` (or the answer was over the size bound).
   */
  send(ndjson: string | Buffer, options: { timeoutMs: number }): Promise<BulkResponse>;
  /**
   * True when the transport keeps no reference to a Buffer body once `send()` has settled, so the sender
   * may reuse the buffer for a later request, or send a view of document memory that is reused once the
   * documents' outcomes are in (test transports that record bodies leave this unset).
   */
  readonly releasesBody?: boolean;
}

/**
 * What the sender reads of a bulk response. `filter_path` (supported by every OpenSearch and Elasticsearch
 * API) shrinks a 1,000-item answer to about half: every item keeps its `_id` and `status`, so items keep
 * their positions and the sender can still check that the answer is the one for its request.
 */
export const BULK_FILTER_PATH = 'took,errors,items.*._id,items.*.status,items.*.error';

/**
 * Bulk requests over `caller`. OpenSearch Serverless documents a subset of each API, so it gets the
 * plain request, answered in full (`filterPath: false`).
 */
export function bulkTransport(caller: HttpCaller, options: { filterPath: boolean }): BulkTransport {
  const querystring: Record<string, string> = options.filterPath ? { filter_path: BULK_FILTER_PATH } : {};
  return {
    releasesBody: true,
    send: (ndjson, { timeoutMs }) =>
      caller.request({ method: 'POST', path: '/_bulk', ndjson, querystring }, { timeoutMs }),
  };
}

/** Whether bulk answers may be filtered on the cluster `client` was created for (not on Serverless). */
export function supportsFilterPath(client: Client): boolean {
  const connection = resolvedConnectionOf(client);
  return !(connection?.auth === 'sigv4' && connection.service === 'aoss');
}

/** Bulk requests straight through a client (no run-wide health): tools, benches and tests. */
export function clientTransport(client: Client): BulkTransport {
  return bulkTransport(clientHttp(client), { filterPath: supportsFilterPath(client) });
}
