/**
 * Pure decisions: what one bulk item result, or one whole bulk response, means for the documents in it.
 * The tables follow the statuses and error types OpenSearch and Elasticsearch document for `_bulk`
 * items (409 version conflicts on `create`, 429 rejected executions, mapping failures, blocks).
 */
import {
  describeAnswer,
  describeOpenSearchError,
  errorTypeOf,
  isTransientAnswer,
  parseJsonObject,
} from '../http/errors.js';
import { isPlainObject } from '../util/objects.js';
import type { BulkResponse } from './transport.js';

/**
 * - created / duplicate: done (409 on `create` means an earlier attempt or run already stored it).
 * - retry: transient (queue full, breaker, 5xx): re-send this item alone.
 * - mapping-error: the document conflicts with the mapping; a self-heal rewrite may fix it.
 * - rejected: permanent for this document: dead-letter it.
 * - halt: a cluster or configuration condition that fails every document alike and does not clear within
 *   seconds (flood-stage block, missing index with auto-create off, closed index, ...). Dead-lettering would
 *   bury every record of every file, so the sender stops and leaves the documents undelivered: the file is
 *   retried later and create + _id make that retry safe.
 * - auth: item-level `security_exception` (FGAC role lacks an index permission): same handling as a 403.
 */
export type ItemVerdict = 'created' | 'duplicate' | 'retry' | 'mapping-error' | 'rejected' | 'halt' | 'auth';

export interface ItemClassification {
  verdict: ItemVerdict;
  /** "type: reason (caused by type: reason)", for dead letters and logs. */
  reason?: string;
  status?: number;
  /** The raw error type and reason, for the self-heal hook. */
  errorType?: string;
  errorReason?: string;
}

/**
 * - ok: HTTP 2xx with an items array (`items` is returned); look at each item.
 * - retry: what src/http/errors.ts calls transient (throttling, gateway and transient server errors, 408):
 *   re-send the whole batch after a backoff.
 * - split: 413: the body is over the cluster's limit: halve it.
 * - auth: 401/403 other than AWS's throttling 403: stop, retrying cannot help.
 * - fatal: the request itself is wrong (400, 404, ...) or the cluster is blocked: stop.
 */
export type ResponseVerdict = 'ok' | 'retry' | 'split' | 'auth' | 'fatal';

export interface ResponseClassification {
  verdict: ResponseVerdict;
  reason: string;
  items?: unknown[];
}

const RETRYABLE_TYPES = new Set([
  'rejected_execution_exception', // OpenSearch
  'es_rejected_execution_exception', // Elasticsearch 7.x and AWS "Elasticsearch" domains
  'circuit_breaking_exception', // unless durability is PERMANENT (see below)
  'process_cluster_event_timeout_exception',
  'unavailable_shards_exception',
  'node_not_connected_exception',
  'node_closed_exception',
  'no_shard_available_action_exception',
]);

const MAPPING_TYPES = new Set([
  'mapper_parsing_exception',
  'strict_dynamic_mapping_exception',
  'document_parsing_exception', // Elasticsearch 8 spelling of mapper_parsing_exception
]);

/** illegal_argument_exception reasons that are about the document's shape against the mapping. */
const MAPPING_REASONS = [
  /^mapper \[.*\] cannot be changed from type/,
  /^Limit of total fields \[\d+\]/,
  /^Limit of mapping depth \[\d+\]/,
  /^Limit of nested fields \[\d+\]/,
  /immense term/,
  /^Could not dynamically add mapping for field/,
  /object field starting or ending with a \[\.\]/,
  /^field name cannot be an empty string/,
  /^Field name \[.*\] is longer than the limit/,
];

/** Item errors that say "no document can go here right now", whatever the document. */
const HALT_TYPES = new Set([
  'cluster_block_exception',
  'index_not_found_exception',
  'index_closed_exception',
  'invalid_index_name_exception',
]);

/** Serverless TIMESERIES/VECTORSEARCH collections refuse any custom _id: a configuration problem, not a bad record. */
const HALT_REASONS = [/Document ID is not supported/];

export function classifyItem(item: unknown): ItemClassification {
  const result = firstValue(item);
  const status = typeof result?.status === 'number' ? result.status : undefined;
  const error = asRecord(result?.error);
  if (status === undefined) return { verdict: 'rejected', reason: `unreadable bulk item: ${preview(item)}` };
  if (status >= 200 && status < 300 && error === undefined) return { verdict: 'created', status };

  const errorType = typeof error?.type === 'string' ? error.type : '';
  const errorReason = typeof error?.reason === 'string' ? error.reason : '';
  const described = { status, errorType, errorReason, reason: describeError(error, status) };

  if (status === 409 && errorType === 'version_conflict_engine_exception')
    return { verdict: 'duplicate', status };
  if (HALT_TYPES.has(errorType) || HALT_REASONS.some((pattern) => pattern.test(errorReason))) {
    return { verdict: 'halt', ...described };
  }
  if (errorType === 'circuit_breaking_exception' && error?.durability === 'PERMANENT') {
    return { verdict: 'halt', ...described };
  }
  if (errorType === 'security_exception' || status === 401 || status === 403)
    return { verdict: 'auth', ...described };
  if (RETRYABLE_TYPES.has(errorType) || isTransientAnswer(status, { error }))
    return { verdict: 'retry', ...described };
  if (MAPPING_TYPES.has(errorType)) return { verdict: 'mapping-error', ...described };
  if (
    errorType === 'illegal_argument_exception' &&
    MAPPING_REASONS.some((pattern) => pattern.test(errorReason))
  ) {
    return { verdict: 'mapping-error', ...described };
  }
  return { verdict: 'rejected', ...described };
}

export function classifyResponse(response: BulkResponse): ResponseClassification {
  const { statusCode } = response;
  const body = parseIfJson(response.body);

  if (statusCode >= 200 && statusCode < 300) {
    const items = asRecord(body)?.items;
    // The common case is described without a look at the body (describing it would serialise all of it).
    if (Array.isArray(items)) return { verdict: 'ok', reason: `HTTP ${statusCode}`, items };
    // A 2xx we cannot read (a proxy's page, a truncated body): replaying is safe with create + _id.
    return { verdict: 'retry', reason: `unreadable bulk response: ${describeAnswer(statusCode, body)}` };
  }
  const reason = describeAnswer(statusCode, body);
  if (isTransientAnswer(statusCode, body)) return { verdict: 'retry', reason };
  // Flood-stage and read-only blocks (429 or 403 depending on the engine) do not clear on their own.
  if (errorTypeOf(body) === 'cluster_block_exception') return { verdict: 'fatal', reason };
  if (statusCode === 413) return { verdict: 'split', reason };
  if (statusCode === 401 || statusCode === 403) return { verdict: 'auth', reason };
  return { verdict: 'fatal', reason };
}

function describeError(error: Record<string, unknown> | undefined, status: number): string {
  return error ? describeOpenSearchError(error) : `status ${status}`;
}

/** The transport hands over text when the server did not label its JSON; read it anyway. */
function parseIfJson(body: unknown): unknown {
  return typeof body === 'string' ? (parseJsonObject(body) ?? body) : body;
}

function firstValue(item: unknown): Record<string, unknown> | undefined {
  const record = asRecord(item);
  if (!record) return undefined;
  const first = Object.values(record)[0];
  return asRecord(first);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export type ItemResult = { _id?: unknown; status?: unknown; error?: unknown };

/** An item's one value (`{"create": {...}}` → the object inside), without building an array of values. */
export function resultOf(item: unknown): ItemResult | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  // Every action we send is a `create`: read that key directly. A for-in per item (twice per item: the
  // protocol check, then the outcome) cost more than everything else the sender does with the answer.
  const created = (item as { create?: unknown }).create;
  if (created !== undefined) return typeof created === 'object' && created !== null ? created : undefined;
  for (const key in item) {
    if (!Object.hasOwn(item, key)) continue;
    const value = (item as Record<string, unknown>)[key];
    return typeof value === 'object' && value !== null ? (value as ItemResult) : undefined;
  }
  return undefined;
}

/**
 * How many leading items of a bulk answer are the answers of the request's first documents: items come
 * back in request order, so item n is document n's only if its _id is that document's. An answer with
 * more items than documents is not this request's at all.
 */
export function answeredCount(
  items: unknown[],
  documents: number,
  idAt: (position: number) => string,
): number {
  if (items.length > documents) return 0;
  let position = 0;
  while (position < items.length && resultOf(items[position])?._id === idAt(position)) position++;
  return position;
}
