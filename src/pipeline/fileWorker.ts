/**
 * Worker-thread entry (see workerRunner.ts): builds an Indexer from the setup it was given, then
 * indexes each file posted to it and posts the outcome back. Several files may be in flight at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { cliTelemetry } from '../observability/telemetry.js';
import { createClient } from '../opensearch/client.js';
import { s3Client } from '../source/s3.js';
import { Indexer } from './indexer.js';
import { indexTarget } from './runner.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './workerRunner.js';

const setup = workerData as WorkerSetup;
const indexer = new Indexer(
  createClient(setup.connection),
  { ...setup.options, cluster: setup.cluster },
  cliTelemetry(setup.logLevel),
  setup.s3 ? s3Client(setup.s3) : undefined,
);

parentPort!.on('message', (request: WorkerRequest) => {
  indexTarget(indexer, request.target).then(
    (outcome) => parentPort!.postMessage({ id: request.id, outcome } satisfies WorkerReply),
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply),
  );
});
