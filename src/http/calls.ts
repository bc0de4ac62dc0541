/**
 * Whole calls for code that just needs an answer (cleanup, ISM, redrive, the dead-letter index): each
 * request is retried on transient failures with the one retry policy, within the caller's time, and
 * the answer comes back only if its status is accepted; anything else is an HttpError or NetworkError.
 */
import type { ClusterHealth } from './health.js';
import { accepted, requestName, type HttpCaller, type HttpRequest, type HttpResponse } from './request.js';
import { withRetry, type RetryAttempt, type RetryPolicy, type TimeBudget } from './retry.js';

export interface CallSettings {
  policy: RetryPolicy;
  budget: TimeBudget;
  health?: ClusterHealth;
  /** Told before each backoff (for a log line). */
  onRetry?: (info: RetryAttempt & { request: string }) => void;
}

export class RetryingCaller {
  constructor(
    readonly http: HttpCaller,
    readonly settings: CallSettings,
  ) {}

  /**
   * The answer when its status is 2xx or in `accept`; retried while the failure is transient.
   * `maxResponseBytes` overrides the caller's bound on the answer's size.
   */
  call(
    request: HttpRequest,
    accept: readonly number[] = [],
    maxResponseBytes?: number,
  ): Promise<HttpResponse> {
    const what = requestName(request);
    const { onRetry } = this.settings;
    const limits = maxResponseBytes === undefined ? {} : { maxResponseBytes };
    return withRetry(
      async (timeoutMs) =>
        accepted(await this.http.request(request, { ...limits, timeoutMs }), request, accept),
      {
        ...this.settings,
        what,
        onRetry: onRetry && ((info) => onRetry({ ...info, request: what })),
      },
    );
  }
}
