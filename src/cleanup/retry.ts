/**
 * Retries a call on 429/5xx/network errors with exponential backoff and full jitter. The client's own
 * transport never retries 429, and a throttled cleanup should slow down rather than give up.
 */
import { isTransient } from './http-errors.js';

export interface RetryOptions {
  /** Total tries including the first (default 5). */
  attempts?: number;
  /** First backoff ceiling in ms; doubles each retry (default 500). */
  baseDelayMs?: number;
  /** Backoff ceiling in ms (default 10,000). */
  maxDelayMs?: number;
  /** Called before each wait, for logging. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || !isTransient(err)) throw err;
      const delayMs = Math.round(Math.random() * Math.min(max, base * 2 ** (attempt - 1)));
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
