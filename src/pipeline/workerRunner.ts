/**
 * A FileRunner backed by a worker thread with its own Indexer (its own OpenSearch connection, S3
 * client and pipeline state). Parsing and building documents is CPU-bound JavaScript, so a second
 * core only helps from a second thread. The worker is told the cluster the main thread already
 * prepared (template installed), so it sends nothing but bulk requests.
 */
import { Worker } from 'node:worker_threads';
import type { ClusterHealth } from '../http/health.js';
import type { LogLevel } from '../observability/telemetry.js';
import type { ConnectionOptions } from '../opensearch/client.js';
import type { ClusterInfo } from '../opensearch/cluster.js';
import type { FileOutcome } from '../types.js';
import type { ExtensionSpec } from './extensions.js';
import type { Indexer, IndexerOptions } from './indexer.js';
import { inProcessRunner, targetName, type FileRunner, type FileTarget } from './runner.js';

/** Everything a worker needs to build its Indexer: plain data, copied to the worker. */
export interface WorkerSetup {
  connection: Omit<ConnectionOptions, 'credentials'>;
  options: IndexerOptions;
  cluster: ClusterInfo;
  s3?: { region?: string; endpoint?: string; requestTimeoutMs?: number };
  logLevel: LogLevel;
  /** The run's ClusterHealth memory (shared, not copied): every thread stops and pauses together. */
  health?: SharedArrayBuffer;
  /** Per-file extensions, made again in each thread from their modules and settings. */
  extensions?: ExtensionSpec[];
}

export type WorkerRequest = { id: number; target: FileTarget };
export type WorkerReply = { id: number; outcome?: FileOutcome; error?: string };

// A worker's young generation is where nearly every allocation of the pipeline dies; V8's default
// lets it grow to 32 MB per thread. 16 MB is as fast and holds less; 8 MB promotes live batches
// to the old generation, which then grows (measured: RSS climbed 166 → 240 MB over a 200k run).
const WORKER_YOUNG_GENERATION_MB = 16;

const WORKER_SCRIPT = new URL('./fileWorker.js', import.meta.url);

export async function startWorkerRunner(setup: WorkerSetup): Promise<FileRunner> {
  const worker = new Worker(WORKER_SCRIPT, {
    workerData: setup,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  const pending = new Map<
    number,
    { target: FileTarget; resolve: (outcome: FileOutcome) => void; reject: (error: Error) => void }
  >();
  let broken: Error | undefined;
  let nextId = 0;

  const fail = (error: Error) => {
    broken ??= error;
    for (const request of pending.values()) request.reject(broken);
    pending.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const request = pending.get(reply.id);
    if (!request) return;
    pending.delete(reply.id);
    if (reply.outcome) request.resolve(reply.outcome);
    else
      request.reject(new Error(`${targetName(request.target)}: ${reply.error ?? 'worker gave no outcome'}`));
  });
  worker.on('error', (error) =>
    fail(new Error(`indexer worker thread failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) => fail(new Error(`indexer worker thread exited (code ${code})`)));
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });

  return {
    index(target) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<FileOutcome>((resolve, reject) => {
        pending.set(id, { target, resolve, reject });
        worker.postMessage({ id, target } satisfies WorkerRequest);
      });
    },
    async close() {
      broken ??= new Error('indexer worker thread closed');
      await worker.terminate();
    },
  };
}

/**
 * `threads` runners: this thread's `indexer` plus `threads - 1` workers built from `setup`. The
 * indexer is prepared first (cluster detected, template installed) so the workers need not be.
 */
export async function startRunners(
  indexer: Indexer,
  threads: number,
  setup: Omit<WorkerSetup, 'cluster' | 'health'>,
  health?: ClusterHealth,
): Promise<FileRunner[]> {
  const runners = [inProcessRunner(indexer, health)];
  if (threads <= 1) return runners;
  const cluster = await indexer.prepare(undefined, health);
  const workers = await Promise.all(
    Array.from({ length: threads - 1 }, () =>
      startWorkerRunner({ ...setup, cluster, health: health?.shared }),
    ),
  );
  return [...runners, ...workers];
}
