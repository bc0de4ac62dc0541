/** How cleanup and ISM talk to the cluster: every request retried with the one policy, within the time left. */
import type { Client } from '@opensearch-project/opensearch';
import { RetryingCaller, type CallSettings } from '../http/calls.js';
import { clientHttp } from '../http/request.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, type RetryPolicy } from '../http/retry.js';

export interface CleanupConnection {
  /** Backoff for transient failures (default: the one retry policy); tests shorten it. */
  retry?: RetryPolicy;
  /** Deadline of each request: connect plus the whole answer (default 30 s). */
  requestTimeoutMs?: number;
  /** Time left before the caller must stop (the Lambda's); default no limit. */
  remainingTimeMs?: () => number;
}

export function cleanupCalls(
  client: Client,
  connection: CleanupConnection,
  onRetry?: CallSettings['onRetry'],
): RetryingCaller {
  const requestTimeoutMs = connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return new RetryingCaller(clientHttp(client, { timeoutMs: requestTimeoutMs }), {
    policy: connection.retry ?? DEFAULT_RETRY,
    budget: { requestTimeoutMs, remainingTimeMs: connection.remainingTimeMs ?? (() => Infinity) },
    onRetry,
  });
}
