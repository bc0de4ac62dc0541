/** Publishing an alert to an SNS topic (for email, chat integrations, paging). */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';
import { outOfTimeSignal, type TimeBudget } from '../http/retry.js';
import type { Alert } from './alert.js';

const SDK_TIMEOUT_MS = 10_000;
/** SNS takes at most 100 characters of subject. */
const MAX_SUBJECT_CHARS = 100;

export class SnsTopic {
  private readonly client: SNSClient;

  constructor(
    readonly topicArn: string,
    region: string | undefined,
  ) {
    this.client = new SNSClient({
      region,
      maxAttempts: 3,
      requestHandler: new BoundedAnswerHandler({ service: 'SNS', timeoutMs: SDK_TIMEOUT_MS }),
    });
  }

  async publishAlert(alert: Alert, budget?: TimeBudget): Promise<void> {
    const subject = `[${alert.severity}] ${alert.title}`.slice(0, MAX_SUBJECT_CHARS).replace(/[\r\n]/g, ' ');
    const lines = [
      `${alert.severity.toUpperCase()}: ${alert.title} (rule ${alert.ruleId})`,
      `Actor: ${alert.actor}`,
      `Event: ${alert.eventName} (${alert.eventSource})`,
      `Account / region: ${alert.accountId} / ${alert.region}`,
      `Source IP: ${alert.sourceIp}`,
      `Time: ${alert.eventTime}`,
      `eventID: ${alert.eventId}`,
      `Log file: ${alert.source} (record ${alert.recordIndex})`,
    ];
    await this.publish(subject, lines.join('\n'), { severity: alert.severity, rule: alert.ruleId }, budget);
  }

  /** `budget`: the SDK's attempts and backoff end before the caller's time does (a Lambda's). */
  async publish(
    subject: string,
    message: string,
    attributes: Record<string, string> = {},
    budget?: TimeBudget,
  ): Promise<void> {
    const abortSignal = budget && outOfTimeSignal(budget);
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
        abortSignal ? { abortSignal } : {},
      );
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new Error(
        `SNS topic ${this.topicArn} did not take the message: ${name}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
