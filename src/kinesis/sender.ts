/**
 * The Kinesis sender: records in, exactly one outcome per record out (put, or dead-lettered because
 * Kinesis can never take it), or a KinesisFailure counting the records left undelivered.
 *
 * The same discipline as the bulk sender (src/bulk/sender.ts): calls are cut at PutRecords' limits; at most
 * `concurrency` calls (with their retries) are in flight, and `offer()` makes the record loop wait while
 * they all are, so memory stays near (concurrency + 1) × 5 MiB whatever the file size; PutRecords answers
 * per record, and only the records that failed with a retryable code are sent again, after a backoff
 * drawn from the project's retry policy and never past the caller's remaining time; every call has a
 * deadline. A call that fails as a whole (network, throttled or 5xx call) is sent again whole: whether
 * Kinesis stored part of it cannot be known, so those records may arrive twice (at-least-once).
 */
import { backoffDelay, type RetryPolicy } from '../http/retry.js';
import {
  KINESIS_RECORD_MAX_BYTES,
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_RECORDS,
  RETRIED_RECORD_ERRORS,
} from './limits.js';
import { KinesisCallError, type KinesisTransport, type PutRecordResult } from './transport.js';

export interface KinesisRecord {
  /** Position of the record in its file, for outcomes and dead letters. */
  recordIndex: number;
  /** The record's JSON exactly as the file holds it. Copied: the caller may reuse its buffer. */
  data: Uint8Array;
  partitionKey: string;
}

export type KinesisOutcome = { kind: 'put' } | { kind: 'dead-letter'; reason: string };

export interface KinesisRetryInfo {
  /** `records`: some records of an accepted call failed; `call`: the whole call failed. */
  kind: 'records' | 'call';
  reason: string;
  attempt: number;
  delayMs: number;
  records: number;
}

export interface KinesisSenderOptions {
  transport: KinesisTransport;
  concurrency: number;
  requestTimeoutMs: number;
  remainingTimeMs: () => number;
  retry: RetryPolicy;
  /** No call starts, and no backoff sleeps, once less than this is left. Default requestTimeoutMs + 2 s. */
  safetyMarginMs?: number;
  random?: () => number;
  /** Lower limits than PutRecords' (tests); never above them. */
  maxRecordsPerCall?: number;
  maxBytesPerCall?: number;
  onOutcome: (recordIndex: number, outcome: KinesisOutcome) => void;
  onRetry?: (info: KinesisRetryInfo) => void;
  /** Throttling answers seen: records refused with ProvisionedThroughputExceededException, or throttled calls. */
  onThrottle?: (count: number) => void;
}

export type KinesisFailureKind = 'fatal' | 'out-of-time' | 'retries-exhausted';

/** The sender gave up: `undelivered` records have no outcome, so the file must be retried. */
export class KinesisFailure extends Error {
  override readonly name = 'KinesisFailure';
  constructor(
    readonly kind: KinesisFailureKind,
    message: string,
    readonly undelivered: number,
  ) {
    super(message);
  }
}

interface Entry {
  recordIndex: number;
  data: Uint8Array;
  partitionKey: string;
  /** data plus the partition key's UTF-8 bytes: what PutRecords' limits count. */
  bytes: number;
  /** Failed attempts so far. */
  attempts: number;
}

export class KinesisSender {
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly marginMs: number;
  private readonly random: () => number;
  private current: Entry[] = [];
  private currentBytes = 0;
  private readonly running = new Set<Promise<void>>();
  private accepted = 0;
  private reported = 0;
  private failure: { kind: KinesisFailureKind; reason: string } | undefined;
  private waiting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KinesisSenderOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError('KinesisSender: concurrency must be at least 1');
    if (!(options.retry.maxAttempts >= 1))
      throw new RangeError('KinesisSender: retry.maxAttempts must be at least 1');
    this.maxRecords = Math.min(PUT_RECORDS_MAX_RECORDS, options.maxRecordsPerCall ?? PUT_RECORDS_MAX_RECORDS);
    this.maxBytes = Math.min(PUT_RECORDS_MAX_BYTES, options.maxBytesPerCall ?? PUT_RECORDS_MAX_BYTES);
    this.marginMs = options.safetyMarginMs ?? options.requestTimeoutMs + 2000;
    this.random = options.random ?? Math.random;
  }

  /**
   * Takes a record: undefined when it was placed at once, else a promise that resolves once it is (a call
   * slot had to free up first). The record loop awaits that promise: this is the backpressure.
   */
  offer(record: KinesisRecord): Promise<void> | undefined {
    if (this.closing) throw new Error('KinesisSender.offer() called after close()');
    // The one record loop awaits each wait before its next offer, so records keep their order.
    if (this.waiting) throw new Error('KinesisSender.offer() called while a previous offer still waits');
    this.accepted += 1;
    const partitionKeyBytes = Buffer.byteLength(record.partitionKey);
    const bytes = record.data.length + partitionKeyBytes;
    if (bytes > KINESIS_RECORD_MAX_BYTES) {
      this.report(record.recordIndex, {
        kind: 'dead-letter',
        reason: `record ${record.recordIndex} is ${record.data.length} bytes with its ${partitionKeyBytes}-byte partition key, over Kinesis' ${KINESIS_RECORD_MAX_BYTES}-byte record limit`,
      });
      return undefined;
    }
    if (this.failure) return undefined; // counted undelivered at close()
    const entry: Entry = {
      recordIndex: record.recordIndex,
      data: Uint8Array.prototype.slice.call(record.data),
      partitionKey: record.partitionKey,
      bytes,
      attempts: 0,
    };
    if (this.current.length > 0 && this.currentBytes + bytes > this.maxBytes) {
      const dispatched = this.dispatch();
      this.place(entry);
      return this.track(dispatched);
    }
    this.place(entry);
    if (this.current.length >= this.maxRecords) return this.track(this.dispatch());
    return undefined;
  }

  /** Sends what is left and waits for every call; rejects with a KinesisFailure if any record is undelivered. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    while (this.waiting) await this.waiting;
    if (this.current.length > 0) await this.dispatch();
    while (this.running.size > 0) await Promise.all([...this.running]);
    const undelivered = this.accepted - this.reported;
    if (this.failure) throw new KinesisFailure(this.failure.kind, this.failure.reason, undelivered);
    if (undelivered > 0)
      throw new KinesisFailure('fatal', 'records left without an outcome (sender bug)', undelivered);
  }

  private track(dispatched: Promise<void> | undefined): Promise<void> | undefined {
    if (!dispatched) return undefined;
    const waiting: Promise<void> = dispatched.finally(() => {
      if (this.waiting === waiting) this.waiting = undefined;
    });
    this.waiting = waiting;
    return waiting;
  }

  private place(entry: Entry): void {
    this.current.push(entry);
    this.currentBytes += entry.bytes;
  }

  /** Hands the current batch to a new call job; waits only when every slot is busy. */
  private dispatch(): Promise<void> | undefined {
    const batch = this.current;
    this.current = [];
    this.currentBytes = 0;
    if (this.running.size < this.options.concurrency) {
      this.start(batch);
      return undefined;
    }
    return (async () => {
      while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
      this.start(batch);
    })();
  }

  private start(batch: Entry[]): void {
    const job: Promise<void> = this.deliver(batch)
      .catch((error: unknown) => this.fail('fatal', `Kinesis sender error: ${messageOf(error)}`))
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** One batch to the end: a call, then backoff and another call for what failed transiently. */
  private async deliver(batch: Entry[]): Promise<void> {
    let todo = batch;
    while (todo.length > 0 && !this.failure) {
      const remaining = this.options.remainingTimeMs();
      if (remaining < this.marginMs) {
        this.fail(
          'out-of-time',
          `${Math.round(remaining)} ms left, a PutRecords call needs ${this.marginMs} ms`,
        );
        return;
      }
      const { again, reason, kind } = await this.call(todo);
      if (again.length === 0) return;
      todo = again;
      if (!(await this.backoff(todo, kind, reason))) return;
    }
  }

  /** One PutRecords call; returns the records to send again and why. */
  private async call(
    entries: Entry[],
  ): Promise<{ again: Entry[]; reason: string; kind: 'records' | 'call' }> {
    let results: PutRecordResult[];
    try {
      results = await this.options.transport.putRecords(entries, {
        timeoutMs: this.options.requestTimeoutMs,
      });
    } catch (error) {
      if (!(error instanceof KinesisCallError)) throw error;
      if (error.throttled) this.options.onThrottle?.(1);
      if (!error.transient) {
        this.fail('fatal', error.message);
        return { again: [], reason: error.message, kind: 'call' };
      }
      return { again: this.failed(entries), reason: error.message, kind: 'call' };
    }
    if (results.length !== entries.length) {
      // Which result belongs to which record is unknowable: the whole call is sent again.
      const reason = `PutRecords answered ${results.length} results for ${entries.length} records`;
      return { again: this.failed(entries), reason, kind: 'call' };
    }
    const again: Entry[] = [];
    let reason = '';
    let throttled = 0;
    for (let position = 0; position < entries.length; position++) {
      const entry = entries[position] as Entry;
      const result = results[position] as PutRecordResult;
      if (result.ok) {
        this.report(entry.recordIndex, { kind: 'put' });
        continue;
      }
      if (result.errorCode === 'ProvisionedThroughputExceededException') throttled++;
      if (!RETRIED_RECORD_ERRORS.has(result.errorCode)) {
        this.fail(
          'fatal',
          `PutRecords refused record ${entry.recordIndex}: ${result.errorCode}: ${result.errorMessage}`,
        );
        continue;
      }
      reason ||= `${result.errorCode}: ${result.errorMessage}`;
      again.push(entry);
    }
    if (throttled > 0) this.options.onThrottle?.(throttled);
    return { again: this.failed(again), reason, kind: 'records' };
  }

  private failed(entries: Entry[]): Entry[] {
    for (const entry of entries) entry.attempts += 1;
    return entries;
  }

  /** Sleeps before the next attempt; false when the batch must stop (attempts or time used up). */
  private async backoff(todo: Entry[], kind: 'records' | 'call', reason: string): Promise<boolean> {
    const attempt = Math.max(...todo.map((entry) => entry.attempts));
    if (attempt >= this.options.retry.maxAttempts) {
      this.fail('retries-exhausted', `PutRecords still failing after ${attempt} attempts: ${reason}`);
      return false;
    }
    const delayMs = backoffDelay(attempt, this.options.retry, this.random);
    const remaining = this.options.remainingTimeMs();
    if (remaining - delayMs < this.marginMs) {
      this.fail('out-of-time', `${Math.round(remaining)} ms left, too little to retry after: ${reason}`);
      return false;
    }
    this.options.onRetry?.({ kind, reason, attempt, delayMs, records: todo.length });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return !this.failure;
  }

  private report(recordIndex: number, outcome: KinesisOutcome): void {
    this.reported += 1;
    this.options.onOutcome(recordIndex, outcome);
  }

  /** The first cause wins, except that a fatal one outranks running out of time or attempts. */
  private fail(kind: KinesisFailureKind, reason: string): void {
    if (this.failure && !(kind === 'fatal' && this.failure.kind !== 'fatal')) return;
    this.failure = { kind, reason };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
