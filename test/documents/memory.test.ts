/**
 * Document memory is bounded by the settings, not by the file: each bulk request is sent from the slab
 * its documents were built in (never copied into a body of its own), and a file holds at most
 * BULK_CONCURRENCY + 2 slabs, however many records it has. Files of 600 and of 6,000 records go through
 * the real pipeline (generated CloudTrail, gzipped) to a transport that answers every item created.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BulkTransport } from '../../src/bulk/transport.js';
import { DocumentMemory } from '../../src/documents/builder.js';
import { slabBytesFor } from '../../src/documents/memory.js';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { indexFile, type PipelineSettings } from '../../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../../src/pipeline/indexer.js';
import { openLocalFile } from '../../src/source/local.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/cloudtrail', import.meta.url));

const SETTINGS: PipelineSettings = {
  ...DEFAULT_PIPELINE_SETTINGS,
  indexPrefix: 'cloudtrail-',
  // Small requests, so a file makes many of them and crosses many slabs.
  bulkMaxBytes: 256 * 1024,
  bulkMaxDocs: 5000,
  bulkConcurrency: 2,
};

/** What the transport saw: request bodies, and the memories (backing buffers) they were views of. */
interface Seen {
  requests: number;
  documents: number;
  backings: Set<ArrayBufferLike>;
  backingSizes: Set<number>;
}

/** Answers every item `created` after a turn of the event loop, as a cluster would. */
function createdTransport(seen: Seen): BulkTransport {
  return {
    releasesBody: true,
    async send(ndjson) {
      const body = Buffer.isBuffer(ndjson) ? ndjson : Buffer.from(ndjson);
      seen.requests++;
      seen.backings.add(body.buffer);
      seen.backingSizes.add(body.buffer.byteLength);
      const items = [];
      let at = 0;
      while (at < body.length) {
        const actionEnd = body.indexOf(0x0a, at);
        const action = JSON.parse(body.toString('utf8', at, actionEnd)) as { create: { _id: string } };
        items.push({ create: { _id: action.create._id, status: 201 } });
        at = body.indexOf(0x0a, actionEnd + 1) + 1;
      }
      seen.documents += items.length;
      await new Promise((resolve) => setImmediate(resolve));
      return { statusCode: 200, body: { took: 1, errors: false, items } };
    },
  };
}

async function indexGenerated(dir: string, perFile: number, memory: DocumentMemory): Promise<Seen> {
  const out = join(dir, String(perFile));
  const { files } = await generateCloudTrail({
    sourceDir: SAMPLES_DIR,
    outDir: out,
    records: 2 * perFile,
    perFile,
    seed: `memory-${perFile}`,
  });
  const seen: Seen = { requests: 0, documents: 0, backings: new Set(), backingSizes: new Set() };
  for (const path of files) {
    const outcome = await indexFile({ sourceName: path, key: path, stream: openLocalFile(path) }, SETTINGS, {
      transport: createdTransport(seen),
      deadLetter: { target: 'none', write: () => Promise.reject(new Error('no dead letters expected')) },
      telemetry: silentTelemetry(),
      remainingTimeMs: () => Infinity,
      documentMemory: memory,
    });
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.indexed, perFile, `${path}: every record indexed`);
  }
  assert.equal(seen.documents, 2 * perFile);
  return seen;
}

describe('document memory, bounded by the settings', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-doc-memory-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends every request from its slab, and holds at most BULK_CONCURRENCY + 2 slabs whatever the file size', async () => {
    const slabBytes = slabBytesFor(SETTINGS.bulkMaxBytes);
    const bound = SETTINGS.bulkConcurrency + 2;
    for (const perFile of [600, 6000]) {
      // One indexer's memory, files one after another: slabs are reused from file to file.
      const seen = await indexGenerated(dir, perFile, new DocumentMemory());
      assert.ok(seen.requests >= 4, `${perFile} records per file: ${seen.requests} requests`);
      assert.deepEqual(
        [...seen.backingSizes],
        [slabBytes],
        `${perFile} records per file: every body is a view of a ${slabBytes}-byte slab (none copied out)`,
      );
      assert.ok(
        seen.backings.size <= bound,
        `${perFile} records per file: ${seen.backings.size} slabs used, at most ${bound} allowed`,
      );
    }
  });
});
