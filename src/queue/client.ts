/**
 * The SQS client for sending: every attempt has a deadline for its whole answer, the answer's size is
 * bounded, and the region is read from the queue URL when none is given (a queue URL names its region,
 * and signing for another one fails).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Transform, Readable, type TransformCallback } from 'node:stream';

/** A SendMessageBatch answer is a few KB; anything near this is not SQS. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface QueueClientOptions {
  queueUrl: string;
  region?: string;
  requestTimeoutMs: number;
}

type HandleArguments = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** One attempt: headers and body within `timeoutMs`, the body no larger than MAX_ANSWER_BYTES. */
class QueueHttpHandler extends NodeHttpHandler {
  constructor(private readonly timeoutMs: number) {
    super({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs });
  }

  override async handle(request: HandleArguments[0], options: HandleArguments[1] = {}): Promise<Handled> {
    const outer = options.abortSignal as AbortSignal | undefined;
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    try {
      const handled = await super.handle(request, { ...options, abortSignal: signal });
      const body: unknown = handled.response.body;
      if (body instanceof Readable) handled.response.body = body.pipe(new AnswerLimit(signal));
      return handled;
    } catch (error) {
      if (deadline.aborted && !outer?.aborted)
        throw Object.assign(new Error(`SQS did not answer within ${this.timeoutMs} ms`), {
          name: 'TimeoutError',
          code: 'ETIMEDOUT',
        });
      throw error;
    }
  }
}

/** Passes the answer through until it is too large or the attempt's deadline passes. */
class AnswerLimit extends Transform {
  private received = 0;
  constructor(private readonly signal: AbortSignal) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.signal.aborted) done(new Error('SQS answer not complete before the deadline'));
    else if (this.received > MAX_ANSWER_BYTES)
      done(new Error(`SQS answer larger than ${MAX_ANSWER_BYTES} bytes`));
    else done(null, chunk);
  }
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
    requestHandler: new QueueHttpHandler(options.requestTimeoutMs),
  });
}
