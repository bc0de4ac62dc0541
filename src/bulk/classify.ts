/**
 * Pure decisions: what one bulk item result, or one whole bulk response, means for the documents in it.
 * The tables follow opensearch-behaviour.md §1, §2.3, §2.4 and §8.
 */
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
 * - retry: throttling, gateway and transient server errors: re-send the whole batch after a backoff.
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
  if (RETRYABLE_TYPES.has(errorType) || status === 429 || status >= 500)
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
    return { verdict: 'retry', reason: `unreadable bulk response: ${describeResponse(statusCode, body)}` };
  }
  const reason = describeResponse(statusCode, body);
  const errorType = errorTypeOf(body);
  // A SERVICE_UNAVAILABLE block ("no cluster-manager", "state not recovered") is the cluster electing a
  // leader or starting: it clears within seconds, so it is retried like any 503.
  if (errorType === 'cluster_block_exception' && /SERVICE_UNAVAILABLE\//.test(reason))
    return { verdict: 'retry', reason };
  // Flood-stage block: 429 on current engines, 403 on older ones. It does not clear on its own.
  if (errorType === 'cluster_block_exception') return { verdict: 'fatal', reason };
  if (statusCode === 413) return { verdict: 'split', reason };
  if (statusCode === 403 && /throttl/i.test(reason)) return { verdict: 'retry', reason }; // AWS front end
  if (statusCode === 401 || statusCode === 403) return { verdict: 'auth', reason };
  if ([408, 429, 500, 502, 503, 504].includes(statusCode)) return { verdict: 'retry', reason };
  return { verdict: 'fatal', reason };
}

/** `HTTP 403 security_exception: no permissions ...`, `HTTP 413 Request size exceeded ...`, `HTTP 502 <text>`. */
function describeResponse(statusCode: number, body: unknown): string {
  const record = asRecord(body);
  const error = record?.error;
  if (asRecord(error)) return `HTTP ${statusCode} ${describeError(asRecord(error), statusCode)}`;
  if (typeof error === 'string') return `HTTP ${statusCode} ${error}`; // 406's plain-string error
  for (const key of ['Message', 'message']) {
    if (typeof record?.[key] === 'string') return `HTTP ${statusCode} ${record[key] as string}`;
  }
  if (body === undefined) return `HTTP ${statusCode} (empty body)`;
  return `HTTP ${statusCode} ${preview(body)}`;
}

function describeError(error: Record<string, unknown> | undefined, status: number): string {
  if (!error) return `status ${status}`;
  const own = `${String(error.type ?? 'error')}: ${String(error.reason ?? '')}`.trim();
  const cause = asRecord(error.caused_by);
  return cause ? `${own} (caused by ${String(cause.type)}: ${String(cause.reason)})` : own;
}

function errorTypeOf(body: unknown): string | undefined {
  const type = asRecord(asRecord(body)?.error)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The transport hands over text when the server did not label its JSON; read it anyway. */
function parseIfJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  const text = body.trim();
  if (!text.startsWith('{')) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return body;
  }
}

function firstValue(item: unknown): Record<string, unknown> | undefined {
  const record = asRecord(item);
  if (!record) return undefined;
  const first = Object.values(record)[0];
  return asRecord(first);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
