/**
 * The Kinesis client: HTTP/1.1 (the SDK's default HTTP/2 handler is not needed for PutRecords, and local
 * Kinesis-compatible servers speak only HTTP/1.1), no SDK retries (the sender retries only the records
 * that failed, under the project's policy), a connect deadline, and a bound on the answer's size.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Transform, Readable, type TransformCallback } from 'node:stream';
import { MAX_ANSWER_BYTES } from './limits.js';

type HandleArguments = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** Fails an answer body once it passes `maxBytes`, so a broken or hostile endpoint cannot fill memory. */
class BoundedAnswerHandler extends NodeHttpHandler {
  constructor(
    connectTimeoutMs: number,
    private readonly maxBytes: number,
  ) {
    super({ connectionTimeout: connectTimeoutMs });
  }

  override async handle(request: HandleArguments[0], options: HandleArguments[1] = {}): Promise<Handled> {
    const handled = await super.handle(request, options);
    const body: unknown = handled.response.body;
    if (body instanceof Readable) handled.response.body = body.pipe(new ByteLimit(this.maxBytes));
    return handled;
  }
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(
        Object.assign(new Error(`Kinesis answer larger than ${this.maxBytes} bytes`), {
          code: 'ERESPONSETOOLARGE',
        }),
      );
    } else callback(null, chunk);
  }
}

export interface KinesisClientOptions {
  region?: string;
  /** A Kinesis-compatible endpoint instead of AWS's (KINESIS_ENDPOINT; tests and local runs). */
  endpoint?: string;
  requestTimeoutMs: number;
}

export function makeKinesisClient(options: KinesisClientOptions): KinesisClient {
  const local = options.endpoint !== undefined;
  return new KinesisClient({
    region: options.region ?? process.env.AWS_REGION ?? (local ? 'us-east-1' : undefined),
    ...(local ? { endpoint: options.endpoint } : {}),
    // A local server accepts any key; AWS needs the function's (or the CLI user's) credentials.
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 1,
    requestHandler: new BoundedAnswerHandler(options.requestTimeoutMs, MAX_ANSWER_BYTES),
  });
}
