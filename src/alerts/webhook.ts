/**
 * Posting to a Slack incoming webhook: one request with an overall deadline and a bounded answer, the
 * webhook's rate limit kept (one message per interval, and a 429's Retry-After waited out when the
 * caller's time allows), and failures retried a few times. The URL is a secret: no message here
 * contains it (errors name "the Slack webhook" and its host only).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readBody } from '../http/body.js';
import { sleep, type TimeBudget } from '../http/retry.js';

export interface WebhookSettings {
  /** Slack allows about one message per second per webhook. */
  minIntervalMs: number;
  maxAttempts: number;
  requestTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  minIntervalMs: 1_000,
  maxAttempts: 3,
  requestTimeoutMs: 10_000,
};

const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 40 * 1024;
/** Longest Retry-After honoured; a longer one fails the message (it stays pending for a retry). */
const MAX_RETRY_AFTER_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class WebhookError extends Error {
  override readonly name = 'WebhookError';
}

export class SlackWebhook {
  private readonly url: URL;
  /** When the next message may go (monotonic clock). */
  private nextSendAt = 0;

  constructor(
    url: string,
    private readonly settings: WebhookSettings = DEFAULT_WEBHOOK_SETTINGS,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WebhookError('the Slack webhook URL in the secret is not a URL');
    }
    // Plain http only to this machine (tests, a local relay): the URL carries the webhook's secret.
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
      throw new WebhookError(`the Slack webhook URL must be https:// (host ${parsed.hostname})`);
    }
    this.url = parsed;
  }

  /** Posts `message`; rejects with a WebhookError saying why when it could not. */
  async post(message: unknown, budget: TimeBudget): Promise<void> {
    const body = Buffer.from(JSON.stringify(message));
    if (body.length > MAX_BODY_BYTES)
      throw new WebhookError(`Slack message of ${body.length} bytes is too large`);
    let why = '';
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt++) {
      await this.waitTurn(budget);
      const answer = await this.send(body, budget).catch((error: Error) => ({
        status: 0,
        retryAfterMs: 0,
        text: error.message,
      }));
      if (answer.status >= 200 && answer.status < 300) return;
      why =
        answer.status === 0
          ? answer.text
          : `HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`;
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) break; // a bad message or a revoked webhook
      const delayMs = answer.status === 429 ? answer.retryAfterMs : 500 * attempt;
      if (delayMs > MAX_RETRY_AFTER_MS) break;
      this.nextSendAt = Math.max(this.nextSendAt, performance.now() + delayMs);
    }
    throw new WebhookError(`the Slack webhook (${this.url.host}) did not take the message: ${why}`);
  }

  private async waitTurn(budget: TimeBudget): Promise<void> {
    const waitMs = this.nextSendAt - performance.now();
    if (waitMs > 0) {
      if (waitMs + this.settings.requestTimeoutMs > budget.remainingTimeMs()) {
        throw new WebhookError("no time left to wait for the Slack webhook's rate limit");
      }
      await sleep(waitMs);
    }
    this.nextSendAt = performance.now() + this.settings.minIntervalMs;
  }

  private send(
    body: Buffer,
    budget: TimeBudget,
  ): Promise<{ status: number; retryAfterMs: number; text: string }> {
    const timeoutMs = Math.min(
      this.settings.requestTimeoutMs,
      Math.max(100, budget.remainingTimeMs() - 1_000),
    );
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const call = request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        signal: AbortSignal.timeout(timeoutMs),
      });
      call.on('error', (error: Error & { code?: string }) =>
        reject(
          new WebhookError(
            error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (error.code ?? error.message),
          ),
        ),
      );
      call.on('response', (response: IncomingMessage) => {
        readBody(response, MAX_ANSWER_BYTES, 'the Slack webhook').then(
          (answer) =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfterMs: retryAfterMs(response.headers['retry-after']),
              text: answer.toString('utf8').trim(),
            }),
          (error: Error) => reject(new WebhookError(error.message)),
        );
      });
      call.end(body);
    });
  }
}

/** Retry-After in seconds (what Slack sends); 1 s when absent or unreadable. */
function retryAfterMs(header: string | undefined): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : 1_000;
}
