/**
 * Worker-thread entry (see workerRunner.ts): builds an Indexer from the setup it was given, then
 * indexes each file posted to it and posts the outcome back. Several files may be in flight at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ClusterHealth } from '../http/health.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { createClient } from '../opensearch/client.js';
import { loadExtensions } from './extensions.js';
import { Indexer } from './indexer.js';
import { indexTarget } from './runner.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './workerRunner.js';

const setup = workerData as WorkerSetup;
// The AWS SDK is loaded only by a worker that reads from S3 (~14 MB per thread otherwise).
const s3 = setup.s3 ? (await import('../source/s3.js')).s3Client(setup.s3) : undefined;
const health = setup.health ? new ClusterHealth(setup.health) : undefined;
const indexer = new Indexer(
  createClient(setup.connection),
  { ...setup.options, cluster: setup.cluster },
  cliTelemetry(setup.logLevel),
  s3,
  await loadExtensions(setup.extensions),
);

parentPort!.on('message', (request: WorkerRequest) => {
  indexTarget(indexer, request.target, undefined, health).then(
    (outcome) => parentPort!.postMessage({ id: request.id, outcome } satisfies WorkerReply),
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply),
  );
});
