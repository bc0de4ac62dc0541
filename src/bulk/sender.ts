/**
 * The bulk sender: documents in, exactly one outcome per document out (or a BulkFailure counting the ones
 * left undelivered). Batches are bounded by bytes and count; at most `concurrency` batches are being worked
 * on at once, and `add()` waits while they are all busy, which is the backpressure that bounds memory to about
 * (concurrency + 1) × maxBytes whatever the file size.
 *
 * A batch keeps its concurrency slot through its retries, splits and self-heal re-sends, so retries count
 * against the limit and a throttled cluster slows the producer down instead of piling up work.
 */
import { isTransient, NetworkError } from '../http/errors.js';
import type { ClusterHealth } from '../http/health.js';
import { backoffDelay, type RetryPolicy } from '../http/retry.js';
import type { BulkDocument, DocumentOutcome } from '../types.js';
import { BulkFraming, fits, nextBatchSize, type BatchLimits, type Entry } from './batch.js';
import { answeredCount, classifyItem, classifyResponse, resultOf } from './classify.js';
import { BulkFailure, type BulkFailureKind } from './failure.js';
import type { BulkTransport } from './transport.js';

export { BulkFailure } from './failure.js';

export interface RetryInfo {
  kind: 'request' | 'items';
  status?: number;
  reason: string;
  /** Transient failures so far of the most-tried document being retried (1 = first retry). */
  attempt: number;
  delayMs: number;
  items: number;
}

export interface BulkSenderOptions {
  transport: BulkTransport;
  maxBytes: number;
  maxDocs: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Lambda's context.getRemainingTimeInMillis; `() => Infinity` for the CLI. */
  remainingTimeMs: () => number;
  /** No request starts, and no backoff sleeps, past the point where less than this is left. Default requestTimeoutMs + 2 s. */
  safetyMarginMs?: number;
  retry: RetryPolicy;
  random?: () => number;
  /** The run's shared state: the sender stops (kind `stopped`) once the run has given up on the cluster. */
  health?: ClusterHealth;
  /**
   * Self-heal: called on a mapping error with the document that failed; the rewrite is sent again. OpenSearch
   * names one offending field per error, so a document may need a few rounds (at most MAX_HEAL_ROUNDS).
   */
  heal?: (doc: BulkDocument, errorType: string, errorReason: string) => BulkDocument | undefined;
  /** Exactly once per document passed to add() (with that same object), unless it ends up undelivered. */
  onOutcome: (doc: BulkDocument, outcome: DocumentOutcome) => void;
  onRetry?: (info: RetryInfo) => void;
  /**
   * Once a document's outcome is reported, the document is released (its memory is reused):
   * `onOutcome` may read `doc.bytes` while it runs, not later.
   */
  releaseSources?: boolean;
}

/** Self-heal rewrites per document before it is dead-lettered: one per conflicting field of a foreign index. */
export const MAX_HEAL_ROUNDS = 3;

/** Why an entry is waiting for another attempt (set when the transient failure is seen). */
interface PendingRetry {
  kind: 'request' | 'items';
  status?: number;
  reason: string;
}

const BEHIND_RETRY = new WeakMap<Entry, PendingRetry>();

/** What `add()` returns when the document joined the batch at once: no promise per document. */
const ADDED: Promise<void> = Promise.resolve();
const ignore = (): void => undefined;

// The outcomes without a reason, shared (frozen): no object per document reported.
const INDEXED: DocumentOutcome = Object.freeze({ kind: 'indexed' });
const HEALED: DocumentOutcome = Object.freeze({ kind: 'healed' });
const DUPLICATE: DocumentOutcome = Object.freeze({ kind: 'duplicate' });

export class BulkSender {
  private readonly options: BulkSenderOptions;
  private readonly marginMs: number;
  private readonly random: () => number;
  /** Lowered after a 413, so later batches do not hit the same limit again. */
  private maxBytes: number;

  private current: Entry[] = [];
  private currentBytes = 0;
  private readonly running = new Set<Promise<void>>();
  private accepted = 0;
  private reported = 0;
  private failure: BulkFailure | undefined;
  private readonly stopped: Promise<void>;
  private signalStop: () => void = () => undefined;
  /** Set while an add() waits (for a free slot); later adds queue behind it, so batches fill in call order. */
  private pending: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly reuseBodies: boolean;
  private readonly framing = new BulkFraming();

  constructor(options: BulkSenderOptions) {
    for (const key of ['maxBytes', 'maxDocs', 'concurrency', 'requestTimeoutMs'] as const) {
      if (!(options[key] >= 1))
        throw new RangeError(`BulkSender: ${key} must be at least 1 (got ${options[key]})`);
    }
    if (!(options.retry.maxAttempts >= 1))
      throw new RangeError('BulkSender: retry.maxAttempts must be at least 1');
    this.options = options;
    this.marginMs = options.safetyMarginMs ?? options.requestTimeoutMs + 2000;
    this.random = options.random ?? Math.random;
    this.maxBytes = options.maxBytes;
    this.reuseBodies = options.transport.releasesBody === true;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
  }

  /**
   * Queues a document. Resolves once it sits in a batch, which may mean waiting for a free slot when the batch
   * it would join is full. Rejects with a BulkFailure once the sender has failed (call close() for the final
   * undelivered count).
   */
  add(doc: BulkDocument): Promise<void> {
    if (this.closing) return Promise.reject(new Error('BulkSender.add() called after close()'));
    let added: Promise<void>;
    if (this.pending) {
      // Serialised behind the add that waits, so concurrent callers still fill batches in call order.
      added = this.pending.then(() => this.addNow(doc));
    } else {
      try {
        const waiting = this.addNow(doc);
        if (!waiting) return ADDED;
        added = waiting;
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const settled: Promise<void> = added.then(ignore, ignore).then(() => {
      if (this.pending === settled) this.pending = undefined;
    });
    this.pending = settled;
    return added;
  }

  /**
   * add() for a tight loop: undefined when the document was placed at once (the common case, so the
   * caller need not await anything), else the promise add() returns.
   */
  offer(doc: BulkDocument): Promise<void> | undefined {
    const added = this.add(doc);
    return added === ADDED ? undefined : added;
  }

  /** Sends what is left and waits for everything; rejects with BulkFailure if any document is undelivered. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  /** Places the document; returns a promise only when it has to wait for a batch to be handed over. */
  private addNow(doc: BulkDocument): Promise<void> | undefined {
    this.accepted += 1; // from here on the document is either reported or counted undelivered
    if (this.failure) throw this.failure.withUndelivered(this.undelivered());
    const entry = this.framing.entry(doc);
    if (!fits(this.current.length, this.currentBytes, entry, this.limits()))
      return this.dispatch().then(() => this.place(entry));
    return this.place(entry);
  }

  private place(entry: Entry): Promise<void> | undefined {
    this.current.push(entry);
    this.currentBytes += entry.bytes;
    if (this.current.length >= this.options.maxDocs || this.currentBytes >= this.maxBytes)
      return this.dispatch();
    return undefined;
  }

  private async closeNow(): Promise<void> {
    while (this.pending) await this.pending;
    if (!this.failure && this.current.length > 0) await this.dispatch().catch(() => undefined);
    while (this.running.size > 0) await Promise.all([...this.running]);
    const undelivered = this.undelivered();
    if (this.failure) throw this.failure.withUndelivered(undelivered);
    if (undelivered > 0) {
      throw new BulkFailure('fatal', 'documents left without an outcome (sender bug)', { undelivered });
    }
  }

  /** Hands the current batch to a new job once a slot is free. */
  private async dispatch(): Promise<void> {
    const batch = this.current;
    this.current = [];
    this.currentBytes = 0;
    while (this.running.size >= this.options.concurrency && !this.failure) {
      await Promise.race([...this.running, this.stopped]);
    }
    if (this.failure) throw this.failure.withUndelivered(this.undelivered());
    const job: Promise<void> = this.deliver(batch)
      .catch((error: unknown) => {
        this.fail('fatal', `bulk sender error: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** Works one batch to the end: rounds of sending, then backoff before re-sending what was transient. */
  private async deliver(batch: Entry[]): Promise<void> {
    let todo = batch;
    while (todo.length > 0 && !this.failure) {
      todo = await this.sendAll(todo);
      if (!(await this.backoffBefore(todo))) return;
    }
  }

  /**
   * Sends entries in as many requests as the limits need, one after another; returns what to send again.
   * Each request is cut when it is sent, so a limit learned from a 413 applies at once.
   */
  private async sendAll(entries: Entry[]): Promise<Entry[]> {
    const again: Entry[] = [];
    for (let start = 0; start < entries.length && !this.failure;) {
      const size = nextBatchSize(entries, this.limits(), start);
      const chunk = size === entries.length ? entries : entries.slice(start, start + size);
      const retry = await this.sendChunk(chunk);
      for (const entry of retry) again.push(entry);
      start += size;
    }
    return again;
  }

  /** Sends one request; returns the entries to send again (transient failures and self-heal rewrites). */
  private async sendChunk(chunk: Entry[]): Promise<Entry[]> {
    if (this.failure) return [];
    const stopped = this.options.health?.stopReason;
    if (stopped !== undefined) {
      this.fail('stopped', stopped);
      return [];
    }
    const remaining = this.options.remainingTimeMs();
    if (remaining < this.marginMs) {
      this.fail('out-of-time', `${Math.round(remaining)} ms left, a bulk request needs ${this.marginMs} ms`);
      return [];
    }
    const body = this.framing.body(chunk, this.reuseBodies);
    let response;
    try {
      response = await this.options.transport.send(body, { timeoutMs: this.options.requestTimeoutMs });
    } catch (error) {
      // Anything but a network failure is a bug here, and must not be retried as if it were one.
      if (!(error instanceof NetworkError)) throw error;
      const reason = `network error ${error.code}: ${error.message}`;
      if (isTransient(error)) return this.toRetry(chunk, { kind: 'request', reason });
      // The same request would meet it again (a TLS mismatch, an answer over the size bound).
      this.fail('fatal', reason);
      return [];
    }
    const { statusCode } = response;
    const verdict = classifyResponse(response);
    switch (verdict.verdict) {
      case 'ok': {
        const items = verdict.items ?? [];
        const answered = answeredCount(items, chunk.length, (position) => (chunk[position] as Entry).doc.id);
        if (answered === chunk.length) {
          // The cluster answered for every document, so it read the whole body: the socket is done with it.
          if (this.reuseBodies) this.framing.releaseBody(body);
          return this.handleItems(chunk, items);
        }
        // A short (or partly foreign) answer: the leading items that match their document by position and
        // _id are taken as that document's outcome; the documents left without an answer are sent again,
        // which create + _id make safe (one stored meanwhile comes back as a 409 duplicate).
        const reason = `bulk answer does not match the request: ${mismatchOf(chunk, items, answered)}`;
        const again = this.handleItems(chunk.slice(0, answered), items.slice(0, answered));
        for (const entry of this.toRetry(chunk.slice(answered), {
          kind: 'request',
          status: statusCode,
          reason,
        }))
          again.push(entry);
        return again;
      }
      case 'retry':
        return this.toRetry(chunk, { kind: 'request', status: statusCode, reason: verdict.reason });
      case 'split':
        return this.split(chunk, body.length, verdict.reason);
      case 'auth':
        this.fail('auth', `bulk request refused: ${verdict.reason}`, statusCode, response.body);
        return [];
      case 'fatal':
        this.fail('fatal', `bulk request failed: ${verdict.reason}`, statusCode, response.body);
        return [];
    }
  }

  /** 413: re-send in requests at most half as big; a lone document over the limit can never be indexed. */
  private async split(chunk: Entry[], bodyBytes: number, reason: string): Promise<Entry[]> {
    const [only] = chunk;
    if (chunk.length === 1 && only) {
      this.report(only, {
        kind: 'dead-letter',
        reason: `document of ${only.bytes} bytes exceeds the cluster's request size limit (${reason})`,
      });
      return [];
    }
    // The cluster's limit is below this body: at most half of it from now on, for every batch of this sender.
    this.maxBytes = Math.max(1, Math.min(this.maxBytes, Math.floor(bodyBytes / 2)));
    return this.sendAll(chunk);
  }

  /** Reports each item's outcome; `items` has passed {@link protocolMismatch}. */
  private handleItems(chunk: Entry[], items: unknown[]): Entry[] {
    const again: Entry[] = [];
    const retrying: Entry[] = [];
    let retryNote: PendingRetry | undefined;
    for (let position = 0; position < chunk.length; position++) {
      const entry = chunk[position] as Entry;
      // Fast path, the common case: a 2xx item without an error is created (what classifyItem says too).
      const result = resultOf(items[position]);
      const status = result?.status;
      if (typeof status === 'number' && status >= 200 && status < 300 && result?.error === undefined) {
        this.report(entry, entry.heals > 0 ? HEALED : INDEXED);
        continue;
      }
      const item = classifyItem(items[position]);
      switch (item.verdict) {
        case 'created':
          this.report(entry, entry.heals > 0 ? HEALED : INDEXED);
          break;
        case 'duplicate':
          this.report(entry, DUPLICATE);
          break;
        case 'retry':
          retryNote ??= { kind: 'items', status: item.status, reason: item.reason ?? 'transient item error' };
          retrying.push(entry);
          break;
        case 'mapping-error': {
          const rewrite = this.healed(entry, item.errorType ?? '', item.errorReason ?? '');
          if (typeof rewrite !== 'string') again.push(rewrite);
          else {
            const reason = item.reason ?? 'mapping error';
            this.report(entry, { kind: 'dead-letter', reason: rewrite ? `${reason} (${rewrite})` : reason });
          }
          break;
        }
        case 'rejected':
          this.report(entry, { kind: 'dead-letter', reason: item.reason ?? 'rejected' });
          break;
        case 'halt':
          this.fail('fatal', `indexing halted: ${item.reason ?? ''}`, item.status, items[position]);
          break;
        case 'auth':
          this.fail('auth', `bulk item refused: ${item.reason ?? ''}`, item.status, items[position]);
          break;
      }
    }
    if (retryNote) again.push(...this.toRetry(retrying, retryNote));
    return again;
  }

  /** Consults the self-heal hook; returns the rewrite to send, or why there is none. */
  private healed(entry: Entry, errorType: string, errorReason: string): Entry | string {
    if (entry.heals >= MAX_HEAL_ROUNDS) return `still failing after ${MAX_HEAL_ROUNDS} self-heal rounds`;
    if (!this.options.heal) return '';
    try {
      const rewrite = this.options.heal(entry.doc, errorType, errorReason);
      return rewrite
        ? this.framing.entry(entry.original, rewrite, entry.heals + 1, entry.attempts)
        : 'self-heal found nothing to fix';
    } catch (error) {
      // A failing heal is no fix: the document is dead-lettered with both reasons.
      return `self-heal failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private toRetry(entries: Entry[], why: PendingRetry): Entry[] {
    for (const entry of entries) {
      entry.attempts += 1;
      BEHIND_RETRY.set(entry, why);
    }
    return entries;
  }

  /** Sleeps before the next round if it holds transient failures. False when the batch must stop. */
  private async backoffBefore(todo: Entry[]): Promise<boolean> {
    const retrying = todo.filter((entry) => BEHIND_RETRY.has(entry));
    if (retrying.length === 0) return true;
    const attempt = Math.max(...retrying.map((entry) => entry.attempts));
    const notes = retrying.map((entry) => BEHIND_RETRY.get(entry) as PendingRetry);
    for (const entry of retrying) BEHIND_RETRY.delete(entry);
    const latest = notes.find((note) => note.kind === 'request') ?? (notes[0] as PendingRetry);
    const { maxAttempts } = this.options.retry;
    if (attempt >= maxAttempts) {
      this.fail(
        'retries-exhausted',
        `still failing after ${attempt} attempts: ${latest.reason}`,
        latest.status,
      );
      return false;
    }
    const delayMs = backoffDelay(attempt, this.options.retry, this.random);
    const remaining = this.options.remainingTimeMs();
    if (remaining - delayMs < this.marginMs) {
      this.fail(
        'out-of-time',
        `${Math.round(remaining)} ms left, too little to retry after: ${latest.reason}`,
      );
      return false;
    }
    for (const kind of ['request', 'items'] as const) {
      const group = notes.filter((note) => note.kind === kind);
      const first = group[0];
      if (first) this.options.onRetry?.({ ...first, kind, attempt, delayMs, items: group.length });
    }
    await this.sleep(delayMs);
    const stopped = this.options.health?.stopReason;
    if (stopped !== undefined) this.fail('stopped', stopped);
    return !this.failure;
  }

  private report(entry: Entry, outcome: DocumentOutcome): void {
    this.reported += 1;
    this.options.onOutcome(entry.original, outcome);
    if (this.options.releaseSources) entry.original.release();
  }

  /** Records the failure (an auth or fatal cause outranks a transient one) and wakes every waiter. */
  private fail(kind: BulkFailureKind, reason: string, status?: number, body?: unknown): void {
    const existing = this.failure?.kind;
    const transient =
      existing === 'out-of-time' || existing === 'retries-exhausted' || existing === 'stopped';
    const outranks = (kind === 'auth' && existing !== 'auth') || (kind === 'fatal' && transient);
    if (existing && !outranks) return;
    this.failure = new BulkFailure(kind, reason, { undelivered: this.undelivered(), status, body });
    this.signalStop();
  }

  /** Sleeps, ending early when this sender fails or the run stops. */
  private sleep(ms: number): Promise<void> {
    const { health } = this.options;
    if (health) return health.sleep(ms, () => this.failure !== undefined);
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([elapsed, this.stopped]).finally(() => clearTimeout(timer));
  }

  private limits(): BatchLimits {
    return { maxBytes: this.maxBytes, maxDocs: this.options.maxDocs };
  }

  private undelivered(): number {
    return this.accepted - this.reported;
  }
}

function mismatchOf(chunk: Entry[], items: unknown[], answered: number): string {
  if (items.length !== chunk.length) return `${items.length} items for ${chunk.length} documents`;
  const found = resultOf(items[answered])?._id;
  const expected = (chunk[answered] as Entry).doc.id;
  return `item ${answered} has _id ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`;
}
