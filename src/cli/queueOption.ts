/** `--enqueue <queue-url>` (of `index` and `audit --requeue`): an SQS queue URL, checked before anything runs. */
import { InvalidArgumentError } from 'commander';

export function queueUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname.split('/').filter(Boolean).length < 2)
    throw new InvalidArgumentError(
      'Expected an SQS queue URL, https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE (the stack output QueueUrl).',
    );
  return value;
}
