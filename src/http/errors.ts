/**
 * The two ways a request to the cluster fails, as typed errors every caller inspects (never by reading
 * numbers back out of message text), and the one decision on which failures are worth retrying.
 *
 * - HttpError: the cluster (or something in front of it) answered with a status the caller did not accept.
 * - NetworkError: no usable answer came back: refused, reset, timed out, or an answer too large to read.
 */
import { isPlainObject } from '../util/objects.js';

/** Longest server text kept in a message or an error's body: enough for any OpenSearch reason. */
const MAX_DESCRIBED_CHARS = 500;
/** Largest body an HttpError keeps (as serialised JSON or text): advice needs the reason, not megabytes. */
const MAX_KEPT_BODY_CHARS = 64 * 1024;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** The parsed JSON answer (or its text), at most MAX_KEPT_BODY_CHARS of it. */
  readonly body: unknown;
  /** OpenSearch's `error.type` (e.g. `security_exception`), when the body has one. */
  readonly errorType: string | undefined;

  constructor(
    readonly status: number,
    body: unknown,
    /** What was asked, e.g. `PUT /_index_template/cloudtrail`. */
    readonly request: string,
  ) {
    super(`${request} failed with ${describeAnswer(status, body)}`);
    this.body = boundedBody(body);
    this.errorType = errorTypeOf(body);
  }
}

/**
 * Whether an answer's body can have come from the cluster: OpenSearch and Elasticsearch answer every
 * status with a JSON object (HEAD with nothing). A web page or plain text means a web server, Dashboards
 * or a proxy answered in the cluster's place, so its 404 says nothing about an index or an API.
 */
export function isClusterShapedBody(body: unknown): boolean {
  if (typeof body !== 'string') return true;
  return body.trim() === '' || parseJsonObject(body) !== undefined;
}

/**
 * A request that got no usable answer. `code` is Node's (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND,
 * ...), ETLS for a TLS handshake that cannot succeed by retrying, or ERESPONSETOOLARGE for an answer
 * over the size bound (compressed or not).
 */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Statuses that clear on their own. 408 is among them: a server (or the AWS load balancer in front of a
 * domain) answers it when it gave up waiting for the request, so nothing was processed; every request
 * this product repeats is idempotent (bulk `create` with an _id, PUT of a template, DELETE by name), so a
 * 408 is retried like a 5xx.
 */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures that the same request would meet again: a TLS mismatch, an answer over the bound. */
const PERMANENT_NETWORK_CODES = new Set(['ETLS', 'ERESPONSETOOLARGE']);

/** Worth another attempt after a backoff: transient statuses and network failures that can clear. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HttpError) return isTransientAnswer(error.status, error.body);
  if (error instanceof NetworkError) return !PERMANENT_NETWORK_CODES.has(error.code);
  return false;
}

/**
 * Whether an answer with this status and body clears on its own. Two bodies override the status: a
 * `cluster_block_exception` is transient only for a SERVICE_UNAVAILABLE block (no elected cluster-manager,
 * state not recovered: seconds), never for a flood-stage or read-only block (429 or 403 alike), which
 * waits for an operator; and AWS's front end throttles with a 403 whose message says so.
 */
export function isTransientAnswer(status: number, body: unknown): boolean {
  if (errorTypeOf(body) === 'cluster_block_exception') return /SERVICE_UNAVAILABLE\//.test(reasonOf(body));
  if (status === 403) return /throttl/i.test(describeBody(body));
  return TRANSIENT_STATUSES.has(status);
}

/** What a failure says about the cluster as a whole, for the run's circuit breaker (see health.ts). */
export type ClusterTrouble = 'unreachable' | 'auth' | 'throttled';

export function troubleOf(error: unknown): ClusterTrouble | undefined {
  if (error instanceof NetworkError) return error.code === 'ERESPONSETOOLARGE' ? undefined : 'unreachable';
  if (error instanceof HttpError) return troubleOfAnswer(error.status, error.body);
  return undefined;
}

/** 429 (and AWS's throttling 403) say "slow down"; other transient answers (5xx, 408) "not serving". */
export function troubleOfAnswer(status: number, body: unknown): ClusterTrouble | undefined {
  if (isTransientAnswer(status, body)) return status === 429 || status === 403 ? 'throttled' : 'unreachable';
  if (status === 401 || status === 403) return 'auth';
  return undefined;
}

/** One line for logs and outcomes: `HTTP 429 rejected_execution_exception: ...`, or what the network said. */
export function describeFailure(error: unknown): string {
  if (error instanceof HttpError) return describeAnswer(error.status, error.body);
  return error instanceof Error ? error.message : String(error);
}

/** `HTTP 429 rejected_execution_exception: ...`, `HTTP 502 <html>...`, `HTTP 413 (empty body)`. */
export function describeAnswer(status: number, body: unknown): string {
  return `HTTP ${status} ${describeBody(body)}`;
}

/** The server's reason in the shapes OpenSearch, Elasticsearch and AWS answer with, shortened. */
export function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '(empty body)';
  const parsed = typeof body === 'string' ? parseJsonObject(body) : body;
  if (isPlainObject(parsed)) {
    const error = parsed.error;
    if (isPlainObject(error)) return shorten(describeOpenSearchError(error));
    if (typeof error === 'string') return shorten(error); // 406's plain-string error
    for (const key of ['Message', 'message']) {
      if (typeof parsed[key] === 'string') return shorten(parsed[key]);
    }
  }
  return shorten(typeof body === 'string' ? body.trim() : String(JSON.stringify(body)));
}

/** `type: reason (caused by type: reason)`. */
export function describeOpenSearchError(error: Record<string, unknown>): string {
  const own = `${String(error.type ?? 'error')}: ${String(error.reason ?? '')}`.trim();
  const cause = error.caused_by;
  return isPlainObject(cause) ? `${own} (caused by ${String(cause.type)}: ${String(cause.reason)})` : own;
}

/** OpenSearch's `error.type`, when the body (parsed or JSON text) has one. */
export function errorTypeOf(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? parseJsonObject(body) : body;
  const error = isPlainObject(parsed) ? parsed.error : undefined;
  return isPlainObject(error) && typeof error.type === 'string' ? error.type : undefined;
}

function reasonOf(body: unknown): string {
  const parsed = typeof body === 'string' ? parseJsonObject(body) : body;
  const error = isPlainObject(parsed) ? parsed.error : undefined;
  return isPlainObject(error) && typeof error.reason === 'string' ? error.reason : '';
}

/** The JSON object in `text` (OpenSearch answers labelled as text), or undefined. */
export function parseJsonObject(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** At most MAX_DESCRIBED_CHARS of a reason, marked with `…` where cut. */
export function shorten(text: string): string {
  return text.length > MAX_DESCRIBED_CHARS ? `${text.slice(0, MAX_DESCRIBED_CHARS)}…` : text;
}

function boundedBody(body: unknown): unknown {
  if (typeof body === 'string') {
    return body.length > MAX_KEPT_BODY_CHARS ? `${body.slice(0, MAX_KEPT_BODY_CHARS)}…` : body;
  }
  if (body === undefined || body === null) return undefined;
  const text = JSON.stringify(body);
  return text !== undefined && text.length > MAX_KEPT_BODY_CHARS
    ? `${text.slice(0, MAX_KEPT_BODY_CHARS)}…`
    : body;
}
