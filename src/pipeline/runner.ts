/**
 * Where a file is indexed. A FileRunner indexes the files it is handed, one call per file (calls may
 * overlap); the runner in this thread wraps an Indexer, the one in a worker thread (workerRunner.ts)
 * posts the file to its worker. The scheduler (parallel.ts) does not care which is which.
 */
import type { ClusterHealth } from '../http/health.js';
import type { FileOutcome, ObjectRef } from '../types.js';
import type { Indexer } from './indexer.js';

/** A file to index: a local path or an S3 object. Plain data, so it can be posted to a worker. */
export type FileTarget = { kind: 'local'; path: string } | { kind: 's3'; ref: ObjectRef };

export interface FileRunner {
  /** Indexes one file. Rejects only when the runner itself is broken (e.g. its worker died). */
  index(target: FileTarget): Promise<FileOutcome>;
  /** Releases the runner (stops its worker); files in flight are not waited for. */
  close(): Promise<void>;
}

/** `s3://bucket/key` or the local path: how messages and summaries name a file. */
export function targetName(target: FileTarget): string {
  return target.kind === 's3' ? `s3://${target.ref.bucket}/${target.ref.key}` : target.path;
}

/** Runs `target` on `indexer`, in the calling thread, as part of the run whose health is `health`. */
export function indexTarget(
  indexer: Indexer,
  target: FileTarget,
  remainingTimeMs: () => number = () => Infinity,
  health?: ClusterHealth,
): Promise<FileOutcome> {
  return target.kind === 's3'
    ? indexer.indexS3Object(target.ref, remainingTimeMs, health)
    : indexer.indexLocalFile(target.path, remainingTimeMs, health);
}

/** The runner for this thread. */
export function inProcessRunner(indexer: Indexer, health?: ClusterHealth): FileRunner {
  return {
    index: (target) => indexTarget(indexer, target, undefined, health),
    close: () => Promise.resolve(),
  };
}
