/**
 * A caller that keeps the run's health informed: every request first waits out the run-wide pause
 * (within the caller's time), and every answer or failure is noted, both in the run's health (throttling
 * extends the pause) and in a per-file watch whose last word becomes the file's verdict for the
 * circuit breaker.
 */
import { describeAnswer, troubleOf, troubleOfAnswer, type ClusterTrouble } from './errors.js';
import type { ClusterHealth, FileVerdict } from './health.js';
import type { HttpCaller } from './request.js';
import { FINISHING_RESERVE_MS, type TimeBudget } from './retry.js';

/** What the requests made for one file last said about the cluster. */
export class RequestWatch {
  private lastTrouble: ClusterTrouble | undefined;
  private lastDetail = '';
  private requests = 0;

  note(trouble: ClusterTrouble | undefined, detail: string): void {
    this.requests++;
    this.lastTrouble = trouble;
    this.lastDetail = detail;
  }

  /** The file's verdict: a failed file is blamed on the cluster only if its last request was. */
  verdict(fileFailed: boolean): FileVerdict {
    if (!fileFailed) return 'delivered';
    if (this.requests === 0) return 'no-request';
    return this.lastTrouble ?? 'answered';
  }

  /** The last request's failure, for the breaker's message. */
  get detail(): string {
    return this.lastDetail;
  }
}

export function watchedCaller(
  caller: HttpCaller,
  watchers: { health?: ClusterHealth; watch?: RequestWatch; budget: TimeBudget },
): HttpCaller {
  const { health, watch, budget } = watchers;
  return {
    async request(request, limits) {
      const pausedMs = health?.pausedForMs() ?? 0;
      if (health && pausedMs > 0) {
        // Waiting is capped so that the request still fits in the time left.
        const timeoutMs = limits?.timeoutMs ?? budget.requestTimeoutMs;
        const room = budget.remainingTimeMs() - timeoutMs - FINISHING_RESERVE_MS;
        const waitMs = Math.min(pausedMs, room);
        if (waitMs > 0) await health.sleep(waitMs);
      }
      try {
        const response = await caller.request(request, limits);
        const trouble = troubleOfAnswer(response.statusCode, response.body);
        health?.noteAnswer(trouble);
        watch?.note(trouble, trouble ? describeAnswer(response.statusCode, response.body) : '');
        return response;
      } catch (error) {
        const trouble = troubleOf(error);
        health?.noteAnswer(trouble);
        watch?.note(trouble, error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
  };
}
