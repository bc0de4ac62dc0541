/**
 * Many files at once: every runner (this thread, worker threads) holds up to `filesPerRunner` files
 * in flight, pulling the next file from one shared queue as soon as one finishes. Several files per
 * thread keep its CPU busy while one file waits for S3 or a bulk response; several threads use the
 * machine's other cores. Each file still goes through the one pipeline (indexFile.ts) with its own
 * counts, so outcomes are exactly what a sequential run gives, in completion order.
 */
import type { ClusterHealth } from '../http/health.js';
import type { FileOutcome } from '../types.js';
import { emptyOutcome } from './indexFile.js';
import type { FileRunner, FileTarget } from './runner.js';

export { DEFAULT_FILES_PER_THREAD, DEFAULT_THREADS } from './threads.js';

export interface ParallelOptions {
  runners: FileRunner[];
  /** Files each runner indexes at the same time (≥ 1). */
  filesPerRunner: number;
  onOutcome: (outcome: FileOutcome, target: FileTarget) => void;
  /** The run's health (src/http/health.ts): once it stops, no file is started any more. */
  health?: ClusterHealth;
}

/** How a run ended when it did not index every file. */
export interface ParallelResult {
  /** Files never started because the run stopped early (left for a re-run). */
  notAttempted: number;
  /** Why the run stopped early, when it did. */
  stopReason?: string;
}

/**
 * Indexes every target. A runner that fails (its worker thread died, or indexing threw) is retired:
 * the file it failed on is reported with the error, a file it took but had not started goes to
 * another runner, and the run carries on with the rest. It stops when the listing fails or no runner
 * is left (files in flight finish, then that error is thrown), and when the run's health stops (the
 * cluster failed several files in a row): files in flight end as their senders give up, and the files
 * never started are counted, not indexed.
 */
export async function indexInParallel(
  targets: AsyncIterable<FileTarget> | Iterable<FileTarget>,
  options: ParallelOptions,
): Promise<ParallelResult> {
  const queue = sharedQueue(targets);
  const retired = new Map<FileRunner, Error>();
  const handedBack: FileTarget[] = []; // taken by a runner retired before it started them
  let stop: unknown;

  const take = async (): Promise<FileTarget | undefined> => {
    const returned = handedBack.pop();
    if (returned) return returned;
    const next = await queue.next();
    return next.done ? undefined : next.value;
  };
  const lane = async (runner: FileRunner) => {
    while (stop === undefined && !retired.has(runner) && !options.health?.stopped) {
      const target = await take();
      if (target === undefined) return;
      if (retired.has(runner) || options.health?.stopped) {
        handedBack.push(target);
        return;
      }
      let outcome: FileOutcome;
      try {
        outcome = await runner.index(target);
      } catch (error) {
        if (!retired.has(runner)) retired.set(runner, asError(error));
        outcome = failedOutcome(target, error);
      }
      options.onOutcome(outcome, target);
    }
  };
  const runLanes = async (runners: FileRunner[]) => {
    const lanes = runners.flatMap((runner) =>
      Array.from({ length: Math.max(1, options.filesPerRunner) }, () =>
        lane(runner).catch((error: unknown) => {
          stop ??= error;
        }),
      ),
    );
    await Promise.all(lanes);
  };

  await runLanes(options.runners);
  // Files handed back after the other lanes had already run out of work.
  while (stop === undefined && handedBack.length > 0 && !options.health?.stopped) {
    const alive = options.runners.filter((runner) => !retired.has(runner));
    if (alive.length === 0) break;
    await runLanes(alive);
  }
  if (stop !== undefined) throw stop;
  const stopReason = options.health?.stopReason;
  if (stopReason !== undefined) {
    // What the re-run will have to do: the files handed back and the rest of the listing.
    let notAttempted = handedBack.length;
    while (!(await queue.next()).done) notAttempted++;
    return { notAttempted, stopReason };
  }
  if (retired.size === options.runners.length && (handedBack.length > 0 || !(await queue.next()).done)) {
    const [first] = retired.values();
    throw new Error(
      `every indexing thread failed, files are left unindexed (first failure: ${first!.message})`,
    );
  }
  return { notAttempted: 0 };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The outcome of a file its runner failed on: nothing counted, the error named. */
function failedOutcome(target: FileTarget, error: unknown): FileOutcome {
  const outcome =
    target.kind === 's3' ? emptyOutcome(target.ref.key, target.ref.bucket) : emptyOutcome(target.path);
  return { ...outcome, error: asError(error).message };
}

/** One iterator for all lanes: calls are served one at a time, in order (no target taken twice). */
function sharedQueue(targets: AsyncIterable<FileTarget> | Iterable<FileTarget>): {
  next(): Promise<IteratorResult<FileTarget>>;
} {
  const iterator =
    Symbol.asyncIterator in targets
      ? targets[Symbol.asyncIterator]()
      : (targets as Iterable<FileTarget>)[Symbol.iterator]();
  let tail: Promise<unknown> = Promise.resolve();
  return {
    next() {
      const result = tail.then(() => iterator.next());
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
