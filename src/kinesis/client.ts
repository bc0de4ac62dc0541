/**
 * The Kinesis client: HTTP/1.1 (the SDK's default HTTP/2 handler is not needed for PutRecords, and local
 * Kinesis-compatible servers speak only HTTP/1.1), no SDK retries (the sender retries only the records
 * that failed, under the project's policy), a deadline on each attempt's whole answer, and a bound on
 * its size.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';
import { MAX_ANSWER_BYTES } from './limits.js';

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
    // The attempt's whole answer within the request timeout, and never more than MAX_ANSWER_BYTES of it.
    requestHandler: new BoundedAnswerHandler({
      service: 'Kinesis',
      timeoutMs: options.requestTimeoutMs,
      maxAnswerBytes: MAX_ANSWER_BYTES,
    }),
  });
}
