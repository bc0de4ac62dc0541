/**
 * Many files at once: every runner (this thread, worker threads) holds up to `filesPerRunner` files
 * in flight, pulling the next file from one shared queue as soon as one finishes. Several files per
 * thread keep its CPU busy while one file waits for S3 or a bulk response; several threads use the
 * machine's other cores. Each file still goes through the one pipeline (indexFile.ts) with its own
 * counts, so outcomes are exactly what a sequential run gives, in completion order.
 */
import { availableParallelism } from 'node:os';
import type { FileOutcome } from '../types.js';
import type { FileRunner, FileTarget } from './runner.js';

/** Threads a backfill uses unless told: one per core, up to 4 (each adds ~60-100 MB of memory). */
export const DEFAULT_THREADS = Math.min(availableParallelism(), 4);
/** Files each thread indexes at once: one is being parsed while another waits on S3 or a bulk answer. */
export const DEFAULT_FILES_PER_THREAD = 2;

export interface ParallelOptions {
  runners: FileRunner[];
  /** Files each runner indexes at the same time (≥ 1). */
  filesPerRunner: number;
  onOutcome: (outcome: FileOutcome, target: FileTarget) => void;
}

/**
 * Indexes every target. A failure of the target listing or of a runner stops new files from being
 * taken; files in flight finish, then the first such error is thrown.
 */
export async function indexInParallel(
  targets: AsyncIterable<FileTarget> | Iterable<FileTarget>,
  options: ParallelOptions,
): Promise<void> {
  const queue = sharedQueue(targets);
  let stopped = false;
  const lane = async (runner: FileRunner) => {
    while (!stopped) {
      const next = await queue.next();
      if (next.done) return;
      options.onOutcome(await runner.index(next.value), next.value);
    }
  };
  const lanes = options.runners.flatMap((runner) =>
    Array.from({ length: Math.max(1, options.filesPerRunner) }, () =>
      lane(runner).catch((error: unknown) => {
        stopped = true;
        throw error;
      }),
    ),
  );
  const results = await Promise.allSettled(lanes);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
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
