/**
 * A worker-thread runner against the dev server over HTTP: the worker builds its own Indexer from the
 * setup it is sent, indexes what it is posted, and refuses work once closed.
 */
import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../../src/pipeline/indexer.js';
import { startRunners } from '../../src/pipeline/workerRunner.js';
import { walkFiles } from '../../src/source/local.js';
import { SAMPLES_DIR } from '../helpers/samples.js';

describe('worker-thread runner', function () {
  this.timeout(60_000);
  let server: DevServer;
  before(async () => {
    server = await startDevServer({ port: 0 });
  });
  after(async () => {
    await server?.close();
  });

  it('indexes a file in a worker thread exactly as this thread does, and refuses work after close', async () => {
    const connection = { endpoint: server.url };
    const options: IndexerOptions = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'wt-' };
    const client = createClient(connection);
    const indexer = new Indexer(client, options, silentTelemetry());
    const [here, worker] = await startRunners(indexer, 2, { connection, options, logLevel: 'ERROR' });
    let path = '';
    for await (const file of walkFiles([SAMPLES_DIR]))
      if (file.path.endsWith('.json.gz') && file.path.includes('_CloudTrail_')) path = file.path;

    const inWorker = await worker!.index({ kind: 'local', path });
    assert.equal(inWorker.error, undefined);
    assert.ok(inWorker.read > 0);
    assert.equal(inWorker.indexed, inWorker.read);
    // The same file again, from this thread: every record is already there.
    const here2 = await here!.index({ kind: 'local', path });
    assert.equal(here2.duplicates, inWorker.read);

    await worker!.close();
    await assert.rejects(worker!.index({ kind: 'local', path }), /worker thread closed/);
    await client.close();
  });
});
