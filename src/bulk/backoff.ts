/**
 * Exponential backoff with "full jitter": a uniformly random delay between 0 and the exponential cap.
 * Jitter spreads the retries of concurrent batches (and concurrent Lambdas) so they do not hit a throttled
 * cluster in lockstep.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry): in [0, min(maxMs, baseMs * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Math.min before the power would overflow to Infinity only after ~1000 attempts; clamp anyway.
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(exponent, 52));
  const fraction = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(fraction * Math.max(0, cap));
}
