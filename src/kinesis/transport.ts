/**
 * One PutRecords call, as the Kinesis sender needs it: the records in, one result per record out, or a
 * KinesisCallError saying whether the whole call is worth another attempt. The AWS SDK implementation is
 * below; tests may put a local Kinesis-compatible server (or a proxy in front of one) behind it.
 */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamTarget } from '../config.js';

export interface PutRecordsEntry {
  data: Uint8Array;
  partitionKey: string;
}

/** Kinesis' answer for one record: stored (with its sequence number) or refused with an error code. */
export type PutRecordResult =
  { ok: true; sequenceNumber?: string } | { ok: false; errorCode: string; errorMessage: string };

export interface KinesisTransport {
  /** The stream as configured, for messages. */
  readonly target: string;
  putRecords(entries: PutRecordsEntry[], options: { timeoutMs: number }): Promise<PutRecordResult[]>;
}

/** A PutRecords call that failed as a whole: nothing in it is known to be stored. */
export class KinesisCallError extends Error {
  override readonly name = 'KinesisCallError';
  constructor(
    /** The service's error name (e.g. `ResourceNotFoundException`) or Node's network code. */
    readonly code: string,
    message: string,
    /** Worth another attempt after a backoff. */
    readonly transient: boolean,
    /** Kinesis (or KMS) said to slow down. */
    readonly throttled: boolean,
  ) {
    super(message);
  }
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
]);
const TRANSIENT_ERRORS = new Set([
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The SDK's (or the network's) error, classified. */
export function callErrorOf(error: unknown, stream: string): KinesisCallError {
  if (error instanceof KinesisCallError) return error;
  const details = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code =
    details.code && TRANSIENT_NETWORK_CODES.has(details.code) ? details.code : (details.name ?? 'Error');
  const status = details.$metadata?.httpStatusCode;
  const throttled = THROTTLING_ERRORS.has(code) || status === 429;
  const transient =
    throttled ||
    TRANSIENT_ERRORS.has(code) ||
    TRANSIENT_NETWORK_CODES.has(code) ||
    details.$fault === 'server' ||
    (status !== undefined && status >= 500);
  const message = `PutRecords to ${stream} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${details.message ?? String(error)}`;
  return new KinesisCallError(code, message, transient, throttled);
}

/** PutRecords through the AWS SDK client; the deadline covers the whole call, answer included. */
export function sdkKinesisTransport(client: KinesisClient, stream: KinesisStreamTarget): KinesisTransport {
  const address = stream.arn ? { StreamARN: stream.arn } : { StreamName: stream.name };
  return {
    target: stream.text,
    async putRecords(entries, { timeoutMs }) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        const command = new PutRecordsCommand({
          ...address,
          Records: entries.map((entry) => ({ Data: entry.data, PartitionKey: entry.partitionKey })),
        });
        const answer = await client.send(command, { abortSignal: controller.signal });
        const results = answer.Records ?? [];
        return results.map((result): PutRecordResult =>
          result.ErrorCode
            ? { ok: false, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? '' }
            : { ok: true, sequenceNumber: result.SequenceNumber },
        );
      } catch (error) {
        if (controller.signal.aborted) {
          throw new KinesisCallError(
            'TimeoutError',
            `PutRecords to ${stream.text} did not answer within ${timeoutMs} ms`,
            true,
            false,
          );
        }
        throw callErrorOf(error, stream.text);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
