/**
 * The bulk bodies the pipeline sends for the bundled samples, pinned by their SHA-256: every action
 * line and every document, byte for byte, in the order they are sent. Cost work on the pipeline
 * (builder, framing, sender) must leave this unchanged; a deliberate change of the documents' content
 * updates the digest here with the reason in the commit.
 */
import { strict as assert } from 'node:assert';
import { createHash, type Hash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BulkTransport } from '../../src/bulk/transport.js';
import { DocumentMemory } from '../../src/documents/builder.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { indexFile } from '../../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../../src/pipeline/indexer.js';
import { openLocalFile } from '../../src/source/local.js';
import { SAMPLES_DIR } from '../helpers/samples.js';

/** What main's pipeline sent for the samples (1,195 documents in 176 bodies of 3,464,462 bytes). */
const EXPECTED_SHA256 = '6793867109495249ce408060759138790e8713be4929a985872bf7d1a889f1c6';

/** Answers every document created, and hashes each body as it is sent. */
function hashingTransport(hash: Hash, counts: { bodies: number; bytes: number }): BulkTransport {
  return {
    releasesBody: true,
    send(body) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      hash.update(bytes);
      counts.bodies++;
      counts.bytes += bytes.length;
      const items = bytes
        .toString('utf8')
        .split('\n')
        .filter((line) => line.startsWith('{"create":'))
        .map((line) => ({
          create: { _id: (JSON.parse(line) as { create: { _id: string } }).create._id, status: 201 },
        }));
      return Promise.resolve({ statusCode: 200, body: { took: 1, errors: false, items } });
    },
  };
}

describe('bulk bodies of the samples', () => {
  it("are byte for byte the pinned ones, files two at a time through one thread's document memory", async () => {
    const files = readdirSync(SAMPLES_DIR, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.json.gz') && name.includes('_CloudTrail_'))
      .map((name) => join(SAMPLES_DIR, name))
      .sort();
    const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };
    const memory = new DocumentMemory();
    const digests = new Map<string, Hash>();
    const counts = { bodies: 0, bytes: 0 };
    for (let i = 0; i < files.length; i += 2) {
      const pair = files.slice(i, i + 2).map((path) => {
        const name = relative(SAMPLES_DIR, path); // not the checkout's path: it is in every document
        const hash = createHash('sha256');
        digests.set(path, hash);
        return indexFile({ sourceName: name, key: name, stream: openLocalFile(path) }, settings, {
          transport: hashingTransport(hash, counts),
          deadLetter: { target: 'none', write: () => Promise.resolve() },
          telemetry: silentTelemetry(),
          remainingTimeMs: () => Infinity,
          documentMemory: memory,
        });
      });
      for (const outcome of await Promise.all(pair)) assert.equal(outcome.error, undefined, outcome.key);
    }
    const total = createHash('sha256');
    for (const path of files) total.update(digests.get(path)!.digest());
    assert.deepEqual(
      { ...counts, sha256: total.digest('hex') },
      { bodies: 176, bytes: 3464462, sha256: EXPECTED_SHA256 },
    );
  });
});
