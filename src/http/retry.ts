/**
 * The retry policy every request of the product follows: exponential backoff with full jitter, a bounded
 * number of attempts, and never past the caller's remaining time (a Lambda's, or Infinity for the CLI).
 * The bulk sender applies the same pieces per batch (it retries some items of a request, not whole
 * calls); everything else goes through withRetry.
 */
import { isTransient } from './errors.js';
import type { ClusterHealth } from './health.js';

export interface RetryPolicy {
  /** First backoff ceiling; doubles with every retry. */
  baseMs: number;
  /** Largest backoff ceiling. */
  maxMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
}

/** About 25 s of backoff on average before the 8th attempt (up to 45 s): a cluster's hiccup, not an outage. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ baseMs: 200, maxMs: 20_000, maxAttempts: 8 });

/**
 * How long requests may take: each attempt has a deadline (connect plus the whole answer), within
 * what is left of the caller's time.
 */
export interface TimeBudget {
  requestTimeoutMs: number;
  /** Lambda's context.getRemainingTimeInMillis; `() => Infinity` for the CLI. */
  remainingTimeMs: () => number;
}

/**
 * Deadline of a request unless configured (REQUEST_TIMEOUT_MS, --request-timeout), connect plus the whole
 * answer: long enough for a 5 MiB bulk request on a busy cluster; a stalled one is abandoned and retried.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Kept free at the end of the caller's time for what must still happen after a request gives up: the
 * file's dead letters and its log line, the invocation's answer to SQS.
 */
export const FINISHING_RESERVE_MS = 1_000;
/** An attempt shorter than this could not even connect: better to say there is no time left. */
const SHORTEST_ATTEMPT_MS = 100;

/** Not enough of the caller's time is left to start (or wait for) another attempt. */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
}

/**
 * "Full jitter": a uniformly random delay in [0, min(maxMs, baseMs · 2^(attempt−1))] before retry number
 * `attempt` (1 = the first retry). Jitter spreads the retries of concurrent batches, files and Lambdas so
 * they do not hit a throttled cluster in lockstep.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  random: () => number,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 52));
  const fraction = Math.min(Math.max(random(), 0), 1);
  return Math.round(fraction * Math.max(0, cap));
}

/** The deadline of the next attempt: the request timeout, cut to what is left; throws when too little is. */
export function attemptTimeoutMs(budget: TimeBudget, what: string): number {
  const left = budget.remainingTimeMs() - FINISHING_RESERVE_MS;
  const timeoutMs = Math.min(budget.requestTimeoutMs, left);
  if (timeoutMs < SHORTEST_ATTEMPT_MS) {
    throw new OutOfTimeError(`${what}: ${Math.max(0, Math.round(left))} ms left, too little for a request`);
  }
  return timeoutMs;
}

/**
 * For calls whose attempts are made by someone else (the AWS SDK's S3 client): aborts them when the
 * caller's time is up, less what finishing needs; undefined for the CLI's unlimited time.
 */
export function outOfTimeSignal(budget: Pick<TimeBudget, 'remainingTimeMs'>): AbortSignal | undefined {
  const leftMs = budget.remainingTimeMs() - FINISHING_RESERVE_MS;
  return Number.isFinite(leftMs) ? AbortSignal.timeout(Math.max(1, leftMs)) : undefined;
}

/** True when a wait of `delayMs` still leaves room for an attempt after it. */
export function canWait(budget: TimeBudget, delayMs: number): boolean {
  return budget.remainingTimeMs() - delayMs - FINISHING_RESERVE_MS >= SHORTEST_ATTEMPT_MS;
}

export interface RetryAttempt {
  /** The attempt that failed (1 = the first). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  policy: RetryPolicy;
  budget: TimeBudget;
  /** Names the call in messages, e.g. `GET /`. */
  what: string;
  random?: () => number;
  /** Run-wide state: stop retrying once the run has given up on the cluster. */
  health?: ClusterHealth;
  onRetry?: (info: RetryAttempt) => void;
}

/**
 * Calls `attempt(timeoutMs)` until it succeeds, fails with something that is not transient, runs out of
 * attempts, or the time left would not allow another one; the last error is thrown as it is.
 */
export async function withRetry<T>(
  attempt: (timeoutMs: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const random = options.random ?? Math.random;
  for (let number = 1; ; number++) {
    options.health?.throwIfStopped();
    const timeoutMs = attemptTimeoutMs(options.budget, options.what);
    try {
      return await attempt(timeoutMs);
    } catch (error) {
      if (!isTransient(error) || number >= options.policy.maxAttempts) throw error;
      const delayMs = backoffDelay(number, options.policy, random);
      if (!canWait(options.budget, delayMs)) throw error;
      options.onRetry?.({ attempt: number, delayMs, error });
      await (options.health ? options.health.sleep(delayMs) : sleep(delayMs));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
