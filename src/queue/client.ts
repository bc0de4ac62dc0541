/**
 * The SQS client for sending: every attempt has a deadline for its whole answer, the answer's size is
 * bounded, and the region is read from the queue URL when none is given (a queue URL names its region,
 * and signing for another one fails).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';

export interface QueueClientOptions {
  queueUrl: string;
  region?: string;
  requestTimeoutMs: number;
}

/** `https://sqs.eu-west-1.amazonaws.com/…` and the legacy `https://eu-west-1.queue.amazonaws.com/…`. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  const host = URL.canParse(queueUrl) ? new URL(queueUrl).hostname : '';
  return (/^sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host) ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host))?.[1];
}

export function makeQueueClient(options: QueueClientOptions): SQSClient {
  return new SQSClient({
    region: options.region ?? regionOfQueueUrl(options.queueUrl) ?? process.env.AWS_REGION ?? 'us-east-1',
    // Throttling and network errors of a whole call are retried by the SDK's standard strategy; entries
    // SQS refuses inside a successful answer are retried by the sender.
    maxAttempts: 6,
    // The queue URL's own origin: for AWS it is the regional endpoint; a local queue works the same way.
    endpoint: new URL(options.queueUrl).origin,
    // Each attempt: headers and body within the request timeout; a SendMessageBatch answer is a few KB,
    // so the default bound (MAX_AWS_ANSWER_BYTES) is far above any real one.
    requestHandler: new BoundedAnswerHandler({ service: 'SQS', timeoutMs: options.requestTimeoutMs }),
  });
}
