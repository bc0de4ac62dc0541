/**
 * The AWS SDK's HTTP handler for S3 with deadlines of the same kind as the cluster's: each attempt must
 * have its answer's headers within the request timeout, and its body must keep coming. The SDK's own
 * timeouts only watch for an idle socket, which a server trickling a byte every few seconds never is.
 *
 * A body cannot have a fixed deadline: a CloudTrail object is streamed while it is indexed, and reading
 * pauses whenever the cluster is slow. So only the time the reader spends waiting for bytes is counted,
 * and it may not exceed the request timeout plus the time the bytes received so far would take at
 * MIN_BYTES_PER_SECOND. A stalled or trickling answer fails with a TimeoutError, which the SDK retries
 * while the body has not been handed over (ListObjects, PutObject) and which fails the file's stream
 * otherwise (the file is then retried as a whole).
 *
 * Every answer but an object's body (ListObjects pages, PutObject and DeleteObject answers) is read
 * whole by the SDK, so it is also bounded in size. An object's body is streamed: the indexer bounds what
 * it inflates, and code that holds a whole object reads it with `readAtMost`.
 */
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AnswerLimit, limitAnswer, timeoutError } from './awsAnswer.js';

/** Slower than this, on average, an S3 answer counts as stalled (real ones are a thousand times faster). */
export const MIN_BYTES_PER_SECOND = 64 * 1024;

/** A ListObjectsV2 page (1,000 keys of up to 1,024 bytes each, with their metadata) fits many times over. */
export const MAX_S3_ANSWER_BYTES = 16 * 1024 * 1024;

type HandleArguments = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

export class DeadlineHttpHandler extends NodeHttpHandler {
  constructor(private readonly timeoutMs: number) {
    // No socket idle timeout: a body the pipeline stops reading (while the cluster backs off) is idle
    // without being stalled; the StallGuard below tells the two apart.
    super({ connectionTimeout: timeoutMs });
  }

  override async handle(request: HandleArguments[0], options: HandleArguments[1] = {}): Promise<Handled> {
    const controller = new AbortController();
    const outer = options.abortSignal as AbortSignal | undefined;
    if (outer?.aborted) controller.abort();
    outer?.addEventListener?.('abort', () => controller.abort());
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const handled = await super.handle(request, { ...options, abortSignal: controller.signal });
      const body: unknown = handled.response.body;
      if (body instanceof Readable) {
        const bounded = isObjectBody(request)
          ? body
          : limitAnswer(body, new AnswerLimit('S3', MAX_S3_ANSWER_BYTES));
        handled.response.body = new StallGuard(bounded, this.timeoutMs);
      }
      return handled;
    } catch (error) {
      if (timedOut) throw timeoutError(`S3 did not answer within ${this.timeoutMs} ms`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** GetObject: the SDK names the operation in the query (`?x-id=GetObject`). */
function isObjectBody(request: HandleArguments[0]): boolean {
  return request.query?.['x-id'] === 'GetObject';
}

/** Passes the body through, failing it once its reader has waited longer than the bytes justify. */
class StallGuard extends Readable {
  private waitingSince: number | undefined;
  private waitedMs = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: Readable,
    private readonly timeoutMs: number,
  ) {
    super();
    source.pause();
    source.on('data', (chunk: Buffer) => {
      this.stopClock();
      this.bytes += chunk.length;
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => {
      this.stopClock();
      this.push(null);
    });
    source.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    if (this.waitingSince === undefined) {
      this.waitingSince = Date.now();
      const allowedMs = this.timeoutMs + (this.bytes * 1000) / MIN_BYTES_PER_SECOND - this.waitedMs;
      this.timer = setTimeout(
        () =>
          this.destroy(
            timeoutError(
              `S3 answer stalled: ${this.bytes} bytes after waiting ${Math.round(this.waitedMs + allowedMs)} ms`,
            ),
          ),
        Math.max(0, allowedMs),
      );
    }
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.source.destroy();
    callback(error);
  }

  private stopClock(): void {
    if (this.waitingSince === undefined) return;
    this.waitedMs += Date.now() - this.waitingSince;
    this.waitingSince = undefined;
    clearTimeout(this.timer);
  }
}
