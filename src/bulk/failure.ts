/** Why the bulk sender stopped with documents left undelivered. */
export type BulkFailureKind = 'auth' | 'out-of-time' | 'retries-exhausted' | 'stopped' | 'fatal';

export interface BulkFailureDetails {
  /** Documents accepted by `add()` that got no outcome (the file must be retried). */
  undelivered: number;
  /** HTTP status behind the failure, when there was one. */
  status?: number;
  /** The raw response body (or item error) behind the failure, for advice such as "map the Lambda role". */
  body?: unknown;
}

/**
 * - auth: 401/403 (or an item `security_exception`); retrying cannot help until access is fixed.
 * - out-of-time: not enough time left (Lambda) to send or retry safely.
 * - retries-exhausted: transient errors persisted through every attempt.
 * - stopped: the run gave up on the cluster (several files in a row failed because of it; see
 *   src/http/health.ts), so this file stops too rather than retrying on its own.
 * - fatal: the cluster refused the request itself (400, 404, blocked index).
 * In every case undelivered documents are not dead-lettered: the file should be retried as a whole.
 */
export class BulkFailure extends Error {
  override readonly name = 'BulkFailure';
  readonly undelivered: number;
  readonly status?: number;
  readonly body?: unknown;

  constructor(
    readonly kind: BulkFailureKind,
    /** The cause alone, without counts: e.g. "HTTP 403 security_exception: no permissions for ...". */
    readonly reason: string,
    details: BulkFailureDetails,
  ) {
    super(`bulk indexing failed (${kind}): ${reason}; ${details.undelivered} document(s) undelivered`);
    this.undelivered = details.undelivered;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
  }

  /** The same failure with a final undelivered count. */
  withUndelivered(undelivered: number): BulkFailure {
    return new BulkFailure(this.kind, this.reason, { undelivered, status: this.status, body: this.body });
  }
}
