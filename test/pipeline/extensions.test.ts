/**
 * Per-file extensions (src/pipeline/extensions.ts) through the Indexer against the dev server: what an
 * extension is shown (decompressed bytes, records with their documents, outcomes), that it can fail the
 * file without changing its counts, that its promises hold the record loop, and that a worker thread
 * makes the same extension from its module and settings.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../../src/pipeline/indexer.js';
import { startRunners } from '../../src/pipeline/workerRunner.js';
import { walkFiles } from '../../src/source/local.js';
import type { FileOutcome } from '../../src/types.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { createExtension } from './fixtures/countingExtension.js';

const FIXTURE = new URL('./fixtures/countingExtension.js', import.meta.url).href;

async function sampleFile(): Promise<string> {
  const paths: string[] = [];
  for await (const file of walkFiles([SAMPLES_DIR]))
    if (file.path.endsWith('.json.gz') && file.path.includes('_CloudTrail_')) paths.push(file.path);
  // The largest sample: several decoded chunks and bulk requests.
  return paths.sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
}

function sha256Prefix(path: string): number {
  return parseInt(
    createHash('sha256')
      .update(gunzipSync(readFileSync(path)))
      .digest('hex')
      .slice(0, 8),
    16,
  );
}

function assertCountsAddUp(outcome: FileOutcome): void {
  const { read, indexed, duplicates, deadLettered, undelivered } = outcome;
  assert.equal(indexed + duplicates + deadLettered + undelivered, read);
}

describe('pipeline extensions', function () {
  this.timeout(60_000);
  let server: DevServer;
  let path: string;
  let prefix = 0;
  const options = (): IndexerOptions => ({ ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: `ext${prefix++}-` });
  before(async () => {
    server = await startDevServer({ port: 0 });
    path = await sampleFile();
  });
  after(async () => {
    await server?.close();
  });

  it('sees the decompressed bytes, every record with its document, and every outcome; reports its counts', async () => {
    const client = createClient({ endpoint: server.url });
    const indexer = new Indexer(client, options(), silentTelemetry(), undefined, [createExtension()]);
    const first = await indexer.indexLocalFile(path);
    assert.equal(first.error, undefined);
    assert.ok(first.read > 100, `${first.read} records`);
    assert.deepEqual(first.extensions?.counting, {
      records: first.read,
      indexed: first.read,
      duplicate: 0,
      healed: 0,
      deadLetter: 0,
      sha256Prefix: sha256Prefix(path),
      read: first.read,
    });
    const again = await indexer.indexLocalFile(path);
    assert.equal(again.extensions?.counting?.duplicate, again.read, 'a replay shows duplicates');
    await client.close();
  });

  it('an extension that throws fails the file, naming itself; the records are still all delivered', async () => {
    const client = createClient({ endpoint: server.url });
    const extensions = [createExtension({ name: 'picky', failAtRecord: 3 }), createExtension()];
    const indexer = new Indexer(client, options(), silentTelemetry(), undefined, extensions);
    const outcome = await indexer.indexLocalFile(path);
    assert.equal(outcome.error, 'picky: refused record 3');
    assertCountsAddUp(outcome);
    assert.equal(outcome.indexed, outcome.read);
    assert.equal(outcome.extensions?.picky, undefined, 'a failed extension reports no counts');
    assert.equal(outcome.extensions?.counting?.records, outcome.read, 'the other extension saw everything');
    await client.close();
  });

  it("an observer's promise holds the record loop until it settles", async () => {
    const client = createClient({ endpoint: server.url });
    const indexer = new Indexer(client, options(), silentTelemetry(), undefined, [
      createExtension({ slow: true }),
    ]);
    const outcome = await indexer.indexLocalFile(path);
    // The fixture throws (failing the file) if a record arrives while the previous promise is pending.
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.extensions?.counting?.records, outcome.read);
    await client.close();
  });

  it('a worker thread makes the extension from its module and settings', async () => {
    const connection = { endpoint: server.url };
    const settings = options();
    const client = createClient(connection);
    const indexer = new Indexer(client, settings, silentTelemetry());
    const [, worker] = await startRunners(indexer, 2, {
      connection,
      options: settings,
      logLevel: 'ERROR',
      extensions: [{ module: FIXTURE, settings: { name: 'threaded' } }],
    });
    const outcome = await worker!.index({ kind: 'local', path });
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.extensions?.threaded?.records, outcome.read);
    assert.equal(outcome.extensions?.threaded?.sha256Prefix, sha256Prefix(path));
    await worker!.close();
    await client.close();
  });
});
