/**
 * Sending alerts to the configured destinations (a Slack webhook, an SNS topic, or both) within a
 * per-invocation budget of messages: past it, alerts are not sent one by one; one summary message
 * says how many more matched and where to find them.
 */
import type { TimeBudget } from '../http/retry.js';
import { sampleAlert, type Alert } from './alert.js';
import { alertMessage, summaryMessage } from './slackMessage.js';
import type { SnsTopic } from './sns.js';
import type { DestinationName } from './store.js';
import type { SlackWebhook } from './webhook.js';

export interface Destinations {
  /** The webhook, made once per container from the secret (the promise is kept). */
  slack?: () => Promise<SlackWebhook>;
  sns?: SnsTopic;
}

export interface DeliveryResult {
  sentTo: DestinationName[];
  /** Why some destination did not take it (the others are in sentTo). */
  error?: string;
}

export class AlertDelivery {
  private sentThisInvocation = 0;
  private overflowThisInvocation = 0;

  constructor(
    private readonly destinations: Destinations,
    /** Messages per invocation before the rest are summarised. */
    readonly maxMessages: number,
    private readonly alertsIndex: string,
  ) {
    if (!destinations.slack && !destinations.sns)
      throw new Error('alerts need a Slack webhook or an SNS topic');
  }

  get names(): DestinationName[] {
    return [
      ...(this.destinations.slack ? ['slack' as const] : []),
      ...(this.destinations.sns ? ['sns' as const] : []),
    ];
  }

  /** A new invocation (Lambda) or run (CLI): the budget starts again. */
  startInvocation(): void {
    this.sentThisInvocation = 0;
    this.overflowThisInvocation = 0;
  }

  /** Takes one message of the budget; false (and the alert is counted for the summary) when none is left. */
  takeBudget(): boolean {
    if (this.sentThisInvocation < this.maxMessages) {
      this.sentThisInvocation++;
      return true;
    }
    this.overflowThisInvocation++;
    return false;
  }

  /** Sends `alert` to each destination not in `done`. */
  async deliver(alert: Alert, done: readonly DestinationName[], budget: TimeBudget): Promise<DeliveryResult> {
    const sentTo = [...done];
    const errors: string[] = [];
    for (const name of this.names) {
      if (sentTo.includes(name)) continue;
      try {
        if (name === 'slack') await (await this.destinations.slack!()).post(alertMessage(alert), budget);
        else await this.destinations.sns!.publishAlert(alert, budget);
        sentTo.push(name);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    return errors.length === 0 ? { sentTo } : { sentTo, error: errors.join('; ') };
  }

  /** Sends the invocation's summary when alerts went past the budget; the number summarised (0: none). */
  async sendSummary(budget: TimeBudget): Promise<number> {
    const more = this.overflowThisInvocation;
    if (more === 0) return 0;
    this.overflowThisInvocation = 0;
    const message = summaryMessage(more, this.maxMessages, this.alertsIndex);
    if (this.destinations.slack) await (await this.destinations.slack()).post(message, budget);
    await this.destinations.sns?.publish(`${more} more alert(s) matched`, message.text, {}, budget);
    return more;
  }

  /** `alerts send-test`: one sample message to every destination. */
  async sendTest(budget: TimeBudget): Promise<DestinationName[]> {
    const result = await this.deliver(sampleAlert(), [], budget);
    if (result.error) throw new Error(result.error);
    return result.sentTo;
  }
}
