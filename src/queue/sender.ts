/**
 * Sends S3 objects to the indexer's SQS queue, one notification message per object
 * (src/queue/notification.ts), SendMessageBatch by SendMessageBatch: at most 10 entries and
 * MAX_BATCH_BYTES of bodies per call, a few calls in flight. Entries SQS refuses for a reason of its own
 * (SenderFault false: throttling, an internal error) are sent again, only they, with backoff; entries
 * refused as malformed, and every entry of a call that failed after the SDK's retries, are counted as
 * failed with the reason. A call refused for the queue itself (no such queue, access denied) stops the
 * sending: every object after it is failed with that reason instead of being tried in vain.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { backoffDelay, sleep, type RetryPolicy } from '../http/retry.js';
import type { ObjectRef } from '../types.js';
import { makeQueueClient, type QueueClientOptions } from './client.js';
import { notificationBody } from './notification.js';

/** SendMessageBatch limits: 10 entries, and the bodies of a call together at most 256 KiB. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/** Calls in flight at once: enough to keep up with a listing, few enough not to be throttled. */
const CALLS_IN_FLIGHT = 4;
/** Rounds for entries refused by SQS for a reason of its own: about 6 s of backoff at most. */
const ENTRY_RETRY: RetryPolicy = { baseMs: 200, maxMs: 3_000, maxAttempts: 5 };

export interface EnqueueFailure {
  ref: ObjectRef;
  reason: string;
}

export interface EnqueueTotals {
  enqueued: number;
  failed: EnqueueFailure[];
}

interface Entry {
  ref: ObjectRef;
  body: string;
}

export class QueueSender {
  private readonly client: SQSClient;
  private pending: Entry[] = [];
  private pendingBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private stopReason: string | undefined;
  readonly totals: EnqueueTotals = { enqueued: 0, failed: [] };

  constructor(
    private readonly options: QueueClientOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.client = makeQueueClient(options);
  }

  /** Queues `ref` for sending; waits when CALLS_IN_FLIGHT calls are already out. */
  async add(ref: ObjectRef): Promise<void> {
    const body = notificationBody(ref);
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_BATCH_BYTES) {
      this.totals.failed.push({ ref, reason: `message of ${bytes} bytes is over SQS's ${MAX_BATCH_BYTES}` });
      return;
    }
    if (this.pendingBytes + bytes > MAX_BATCH_BYTES) await this.flush();
    this.pending.push({ ref, body });
    this.pendingBytes += bytes;
    if (this.pending.length >= MAX_BATCH_ENTRIES) await this.flush();
  }

  /** Sends what is left and waits for every call; the totals are then final. */
  async finish(): Promise<EnqueueTotals> {
    await this.flush();
    await Promise.all(this.inFlight);
    return this.totals;
  }

  close(): void {
    this.client.destroy();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    while (this.inFlight.size >= CALLS_IN_FLIGHT) await Promise.race(this.inFlight);
    const call = this.sendBatch(batch).finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  private async sendBatch(batch: Entry[]): Promise<void> {
    let left = batch;
    for (let round = 1; left.length > 0; round++) {
      if (this.stopReason !== undefined) return this.fail(left, `not sent: ${this.stopReason}`);
      let answer;
      try {
        answer = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: left.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
          }),
        );
      } catch (error) {
        const reason = callFailure(error);
        if (isQueueRefusal(error)) this.stopReason ??= reason;
        return this.fail(left, reason);
      }
      const answered = new Set<number>();
      for (const success of answer.Successful ?? []) {
        const index = entryIndex(success.Id, left.length);
        if (index === undefined || answered.has(index)) continue;
        answered.add(index);
        this.totals.enqueued++;
      }
      const retry: { entry: Entry; reason: string }[] = [];
      for (const failure of answer.Failed ?? []) {
        const index = entryIndex(failure.Id, left.length);
        if (index === undefined || answered.has(index)) continue;
        answered.add(index);
        const reason = `${failure.Code ?? 'refused'}: ${failure.Message ?? 'no message'}`;
        if (failure.SenderFault) this.fail([left[index]!], reason);
        else retry.push({ entry: left[index]!, reason });
      }
      // An entry the answer does not mention was neither sent nor refused: it is tried again.
      left.forEach((entry, index) => {
        if (!answered.has(index)) retry.push({ entry, reason: 'not in the SendMessageBatch answer' });
      });
      if (retry.length > 0 && round >= ENTRY_RETRY.maxAttempts) {
        for (const { entry, reason } of retry) this.fail([entry], `${reason} (after ${round} attempts)`);
        return;
      }
      left = retry.map(({ entry }) => entry);
      if (left.length > 0) await sleep(backoffDelay(round, ENTRY_RETRY, this.random));
    }
  }

  private fail(entries: Entry[], reason: string): void {
    for (const entry of entries) this.totals.failed.push({ ref: entry.ref, reason });
  }
}

/** The entry an answer's `Id` names (ids are the entries' positions in the call). */
function entryIndex(id: string | undefined, count: number): number | undefined {
  const index = Number(id);
  return id !== undefined && /^\d+$/.test(id) && index < count ? index : undefined;
}

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** The queue itself is wrong or closed to us: retrying the next batch would fail the same way. */
function isQueueRefusal(error: unknown): boolean {
  const sdk = error as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  return (
    sdk.$fault === 'client' && status !== undefined && status !== 429 && !/Throttl/i.test(sdk.name ?? '')
  );
}

function callFailure(error: unknown): string {
  const sdk = error as SdkError;
  const name = sdk.name && sdk.name !== 'Error' ? `${sdk.name}: ` : '';
  return `SendMessageBatch failed: ${name}${sdk.message ?? String(error)}`;
}
