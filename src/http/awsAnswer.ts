/**
 * Bounds on what the AWS SDK clients read (SQS, Kinesis, SNS, Secrets Manager, SSM, CloudTrail, Lambda,
 * and S3's small answers): each attempt has one deadline for connecting and reading the whole answer, and
 * the answer may not grow past a size bound. The SDK's own `requestTimeout` only warns, and its socket
 * timeout watches for an idle socket, which a server trickling a byte every few seconds never is; its
 * deserialisers read an answer whole into memory, however large.
 *
 * A body is limited through `pipeline`, not `pipe`, so a connection reset or an attempt aborted while the
 * body is read fails the SDK's reader instead of leaving it waiting for an end that never comes.
 */
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** An AWS API answer the product reads (a SendMessageBatch, PutRecords or ListPublicKeys page) is a few KB. */
export const MAX_AWS_ANSWER_BYTES = 1024 * 1024;

/** Named as the SDK's retry strategy expects of a transient timeout. */
export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

/** An answer over its bound: the same request would get it again, so it is not retried. */
export function answerTooLarge(service: string, maxBytes: number): Error {
  return Object.assign(new Error(`${service} answer larger than ${maxBytes} bytes`), {
    name: 'ResponseTooLarge',
    code: 'ERESPONSETOOLARGE',
  });
}

/** Passes an answer through until it is larger than `maxBytes`, or its attempt's `deadline` fires. */
export class AnswerLimit extends Transform {
  private received = 0;
  private readonly onDeadline = () =>
    this.destroy(timeoutError(`${this.service} answer not complete before the deadline`));

  constructor(
    private readonly service: string,
    private readonly maxBytes: number,
    private readonly deadline?: AbortSignal,
  ) {
    super();
    if (deadline?.aborted) queueMicrotask(this.onDeadline);
    else deadline?.addEventListener('abort', this.onDeadline, { once: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) done(answerTooLarge(this.service, this.maxBytes));
    else done(null, chunk);
  }

  /** The whole answer arrived in time: the deadline no longer applies to what is left unread. */
  override _flush(done: TransformCallback): void {
    this.deadline?.removeEventListener('abort', this.onDeadline);
    done();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.deadline?.removeEventListener('abort', this.onDeadline);
    callback(error);
  }
}

/** `body` as read through `limit`: an error on either side (reset, deadline, size) fails both. */
export function limitAnswer(body: Readable, limit: AnswerLimit): Readable {
  pipeline(body, limit, () => {
    // The error, if any, is the limit's own: its reader (the SDK) sees it there.
  });
  return limit;
}

export interface BoundedAnswerOptions {
  /** Names the service in messages, e.g. `SQS`. */
  service: string;
  /** One attempt: connecting, the answer's headers and its whole body. */
  timeoutMs: number;
  /** Default MAX_AWS_ANSWER_BYTES. */
  maxAnswerBytes?: number;
}

type HandleArguments = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/**
 * The SDK's HTTP handler for an AWS API whose answers are read whole: each attempt is aborted at its
 * deadline, body included, and fails once its answer passes the size bound. A caller's abort signal (the
 * Lambda's remaining time) still ends the attempt sooner.
 */
export class BoundedAnswerHandler extends NodeHttpHandler {
  private readonly service: string;
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;

  constructor(options: BoundedAnswerOptions) {
    super({ connectionTimeout: options.timeoutMs });
    this.service = options.service;
    this.timeoutMs = options.timeoutMs;
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_AWS_ANSWER_BYTES;
  }

  override async handle(request: HandleArguments[0], options: HandleArguments[1] = {}): Promise<Handled> {
    const outer = options.abortSignal as AbortSignal | undefined;
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    try {
      const handled = await super.handle(request, { ...options, abortSignal: signal });
      const body: unknown = handled.response.body;
      if (body instanceof Readable) {
        handled.response.body = limitAnswer(body, new AnswerLimit(this.service, this.maxAnswerBytes, signal));
      }
      return handled;
    } catch (error) {
      if (deadline.aborted && !outer?.aborted)
        throw timeoutError(`${this.service} did not answer within ${this.timeoutMs} ms`);
      throw error;
    }
  }
}

/**
 * A whole object body, read only up to `maxBytes` (for the S3 objects the product holds in memory: digests
 * and dead-letter files); rejects once the body passes it, without reading the rest.
 */
export async function readAtMost(body: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    length += bytes.length;
    if (length > maxBytes) {
      body.destroy();
      throw Object.assign(new Error(`${what}: more than ${maxBytes} bytes`), { code: 'ERESPONSETOOLARGE' });
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length);
}
