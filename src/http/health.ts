/**
 * What one run (a backfill, or one Lambda invocation) knows about the cluster, shared by every file,
 * request and worker thread of the run through one SharedArrayBuffer, so the run gives up, or slows
 * down, as a whole rather than file after file:
 *
 * - A circuit breaker over files: when several files in a row fail because the cluster is unreachable,
 *   refuses our credentials or throttles every attempt, the run stops. Files in flight stop at their
 *   next request or backoff; files not started are left for a re-run (and reported as such).
 * - A run-wide pause after throttling: each 429 anywhere extends a pause that every request of the run
 *   waits out before it is sent, growing with the run's consecutive throttles, so lanes and threads back
 *   off together instead of each hammering the cluster on its own schedule.
 */
import type { ClusterTrouble } from './errors.js';
import { backoffDelay, type RetryPolicy } from './retry.js';

/** How a finished file leaves the breaker: delivered or answered (the cluster works), or a trouble. */
export type FileVerdict = 'delivered' | 'answered' | ClusterTrouble | 'no-request';

/** Files failing in a row for the cluster's sake before a run stops. */
export const DEFAULT_TRIP_AFTER_FILES = 3;

/** The run stopped taking work because of the cluster; `reason` says why and what to do. */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
}

// Int32 slots, then the pause deadline (a BigInt64 slot), then the stop reason's UTF-8 bytes.
const STATE = 0; // 0 running, 2 being stopped (reason being written), 1 stopped
const FILE_STREAK = 1;
const THROTTLE_STREAK = 2;
const REASON_BYTES = 3;
const INT_SLOTS = 4;
const PAUSE_OFFSET = 16;
const REASON_OFFSET = 24;
const REASON_CAPACITY = 1000;
/** How often a sleeper looks whether the run stopped (threads cannot wake each other's timers). */
const STOP_POLL_MS = 200;

const TROUBLE_WORDS: Record<ClusterTrouble, string> = {
  unreachable: 'the cluster did not answer',
  auth: 'the cluster refused our credentials',
  throttled: 'the cluster throttled every attempt',
};

export interface ClusterHealthOptions {
  /** Default DEFAULT_TRIP_AFTER_FILES. */
  tripAfterFiles?: number;
  /** Growth of the run-wide pause with consecutive throttles (default: the retry policy's backoff). */
  pause?: Pick<RetryPolicy, 'baseMs' | 'maxMs'>;
  random?: () => number;
}

export class ClusterHealth {
  private readonly ints: Int32Array;
  private readonly pauseUntil: BigInt64Array;
  private readonly reason: Uint8Array;
  private readonly tripAfterFiles: number;
  private readonly pause: Pick<RetryPolicy, 'baseMs' | 'maxMs'>;
  private readonly random: () => number;

  /** A fresh state for a new run. */
  static create(options: ClusterHealthOptions = {}): ClusterHealth {
    return new ClusterHealth(new SharedArrayBuffer(REASON_OFFSET + REASON_CAPACITY), options);
  }

  /** The same run's state in another thread (pass `shared` through workerData). */
  constructor(
    readonly shared: SharedArrayBuffer,
    options: ClusterHealthOptions = {},
  ) {
    this.ints = new Int32Array(shared, 0, INT_SLOTS);
    this.pauseUntil = new BigInt64Array(shared, PAUSE_OFFSET, 1);
    this.reason = new Uint8Array(shared, REASON_OFFSET, REASON_CAPACITY);
    this.tripAfterFiles = options.tripAfterFiles ?? DEFAULT_TRIP_AFTER_FILES;
    this.pause = options.pause ?? { baseMs: 200, maxMs: 20_000 };
    this.random = options.random ?? Math.random;
    if (!(this.tripAfterFiles >= 1)) throw new RangeError('tripAfterFiles must be at least 1');
  }

  get stopped(): boolean {
    return Atomics.load(this.ints, STATE) !== 0;
  }

  /** Why the run stopped (undefined while it runs). */
  get stopReason(): string | undefined {
    const state = Atomics.load(this.ints, STATE);
    if (state === 0) return undefined;
    if (state !== 1) return 'the run was stopped because of the cluster';
    const length = Atomics.load(this.ints, REASON_BYTES);
    return Buffer.from(this.reason.slice(0, length)).toString('utf8');
  }

  throwIfStopped(): void {
    const reason = this.stopReason;
    if (reason !== undefined) throw new RunStoppedError(reason);
  }

  /**
   * A file finished. Files that failed because of the cluster lengthen the streak, a file the cluster
   * answered ends it, and `detail` (the last failure) goes into the reason if this file trips the breaker.
   */
  noteFile(verdict: FileVerdict, detail = ''): void {
    if (verdict === 'no-request') return;
    if (verdict === 'delivered' || verdict === 'answered') {
      Atomics.store(this.ints, FILE_STREAK, 0);
      return;
    }
    const streak = Atomics.add(this.ints, FILE_STREAK, 1) + 1;
    if (streak >= this.tripAfterFiles) {
      this.stop(
        `${TROUBLE_WORDS[verdict]} for ${streak} files in a row${detail ? ` (last: ${detail})` : ''}: ` +
          'the run stopped early, files not started are left for a re-run',
      );
    }
  }

  /** Stops the run (first reason wins). */
  stop(reason: string): void {
    if (Atomics.compareExchange(this.ints, STATE, 0, 2) !== 0) return;
    const bytes = Buffer.from(reason, 'utf8').subarray(0, REASON_CAPACITY);
    this.reason.set(bytes);
    Atomics.store(this.ints, REASON_BYTES, bytes.length);
    Atomics.store(this.ints, STATE, 1);
  }

  /** A request got an answer: throttled ones extend the run-wide pause, any other ends the streak. */
  noteAnswer(trouble: ClusterTrouble | undefined): void {
    if (trouble !== 'throttled') {
      if (trouble === undefined) Atomics.store(this.ints, THROTTLE_STREAK, 0);
      return;
    }
    const streak = Atomics.add(this.ints, THROTTLE_STREAK, 1) + 1;
    const until = BigInt(Date.now() + backoffDelay(streak, this.pause, this.random));
    for (;;) {
      const current = Atomics.load(this.pauseUntil, 0);
      if (current >= until || Atomics.compareExchange(this.pauseUntil, 0, current, until) === current) return;
    }
  }

  /** Milliseconds of run-wide pause left (0 when none). */
  pausedForMs(): number {
    return Math.max(0, Number(Atomics.load(this.pauseUntil, 0)) - Date.now());
  }

  /** Sleeps `ms`, ending early once the run stops (or `ended()` says the sleeper is no longer needed). */
  async sleep(ms: number, ended: () => boolean = () => false): Promise<void> {
    const end = Date.now() + ms;
    for (let left = ms; left > 0 && !this.stopped && !ended(); left = end - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, STOP_POLL_MS)));
    }
  }
}
