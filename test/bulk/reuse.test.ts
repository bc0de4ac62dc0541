/**
 * The sender's memory reuse: request bodies go back to a pool once the cluster has answered for every
 * document in them, and document sources go back to their slab once their outcome is reported. Neither may
 * ever hand out bytes something else still reads.
 */
import { strict as assert } from 'node:assert';
import { Client } from '@opensearch-project/opensearch';
import { BulkSender } from '../../src/bulk/sender.js';
import { BULK_FILTER_PATH, clientTransport, type BulkTransport } from '../../src/bulk/transport.js';
import {
  commit,
  EncodedDocument,
  releaseSource,
  reserve,
  sourceBytesOf,
} from '../../src/documents/encoded.js';
import type { BulkDocument, ItemOutcome } from '../../src/types.js';
import { FakeBulkServer } from './fake-bulk-server.js';

/** A document whose source sits in a slab, as the builder makes them. */
function encoded(i: number, padding = 200): EncodedDocument {
  const text = JSON.stringify({ n: i, pad: 'é'.repeat(padding) });
  const { buffer, offset } = reserve(text.length * 3);
  const bytes = commit(buffer, offset, buffer.write(text, offset, 'utf8'));
  return new EncodedDocument('cloudtrail-2024-01-01', `id-${i}`, bytes, i);
}

/** Answers every item created, keeping only what the test says about the bodies it saw. */
function answeringTransport(releasesBody: boolean, seen: (body: Buffer) => void): BulkTransport {
  return {
    releasesBody,
    async send(ndjson) {
      const body = Buffer.isBuffer(ndjson) ? ndjson : Buffer.from(ndjson);
      seen(body);
      const lines = body.toString('utf8').split('\n');
      const items = [];
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const { create } = JSON.parse(lines[i]!) as { create: { _id: string } };
        items.push({ create: { _id: create._id, status: 201 } });
      }
      return { statusCode: 200, body: { took: 1, errors: false, items } };
    },
  };
}

function sender(transport: BulkTransport, outcomes: ItemOutcome[], extra = {}) {
  return new BulkSender({
    transport,
    maxBytes: 4096,
    maxDocs: 1000,
    concurrency: 1,
    requestTimeoutMs: 1000,
    remainingTimeMs: () => Infinity,
    retry: { baseMs: 1, maxMs: 2, maxAttempts: 2 },
    onOutcome: (_doc, outcome) => outcomes.push(outcome),
    ...extra,
  });
}

describe('bulk sender: memory reuse', () => {
  it('reuses a request body once its answer is in, when the transport releases bodies', async () => {
    const backings: ArrayBufferLike[] = [];
    const outcomes: ItemOutcome[] = [];
    const s = sender(
      answeringTransport(true, (body) => backings.push(body.buffer)),
      outcomes,
    );
    for (let i = 0; i < 40; i++) await s.add(encoded(i));
    await s.close();
    assert.equal(outcomes.length, 40);
    assert.ok(backings.length > 2);
    assert.ok(new Set(backings).size < backings.length, 'a later request reuses an earlier body');
  });

  it('never reuses a body a transport may keep (bodies recorded by a test stay intact)', async () => {
    const bodies: { body: Buffer; text: string }[] = [];
    const outcomes: ItemOutcome[] = [];
    const s = sender(
      answeringTransport(false, (body) => bodies.push({ body, text: body.toString('utf8') })),
      outcomes,
    );
    for (let i = 0; i < 40; i++) await s.add(encoded(i));
    await s.close();
    assert.ok(bodies.length > 2);
    for (const { body, text } of bodies) assert.equal(body.toString('utf8'), text);
    assert.equal(new Set(bodies.map(({ body }) => body.buffer)).size, bodies.length);
  });

  it('releases sources after the outcome: readable in onOutcome, refused afterwards', async () => {
    const docs = Array.from({ length: 30 }, (_, i) => encoded(i));
    const read: string[] = [];
    const s = new BulkSender({
      transport: answeringTransport(true, () => undefined),
      maxBytes: 4096,
      maxDocs: 1000,
      concurrency: 1,
      requestTimeoutMs: 1000,
      remainingTimeMs: () => Infinity,
      retry: { baseMs: 1, maxMs: 2, maxAttempts: 2 },
      releaseSources: true,
      onOutcome: (doc: BulkDocument) => read.push(doc.source),
    });
    for (const doc of docs) await s.add(doc);
    await s.close();
    assert.deepEqual(
      read.map((text) => (JSON.parse(text) as { n: number }).n),
      docs.map((_, i) => i),
    );
    assert.throws(() => docs[0]!.source, /released/);
  });

  it('a slab whose documents are all released is reused; one with a live document is not', () => {
    // Fill slabs with documents of ~60 KB (a 1 MiB slab holds ~15); keep one document of the first slab alive.
    const first = Array.from({ length: 40 }, (_, i) => encoded(i, 30_000));
    const slabOf = (doc: EncodedDocument) => sourceBytesOf(doc)!.buffer;
    const slabs = [...new Set(first.map(slabOf))];
    assert.ok(slabs.length >= 3);
    const keep = first.find((doc) => slabOf(doc) === slabs[0])!;
    for (const doc of first) if (doc !== keep) releaseSource(doc);
    const before = keep.source;
    const later = Array.from({ length: 40 }, (_, i) => encoded(100 + i, 30_000));
    const reused = new Set(later.map(slabOf));
    assert.ok(
      slabs.slice(1).some((slab) => reused.has(slab)),
      'an emptied slab is reused',
    );
    assert.ok(!reused.has(slabs[0]!), 'a slab with a live document is not');
    assert.equal(keep.source, before);
    for (const doc of later) assert.equal((JSON.parse(doc.source) as { n: number }).n >= 100, true);
  });
});

describe('clientTransport: filter_path', () => {
  let server: FakeBulkServer;
  before(async () => {
    server = new FakeBulkServer({});
    await server.start();
  });
  after(async () => server.stop());

  it('asks for took, errors and each item’s _id, status and error', async () => {
    const client = new Client({ node: server.url });
    try {
      await clientTransport(client).send('{"create":{"_index":"a","_id":"1"}}\n{}\n', { timeoutMs: 2000 });
      const query = new URL(server.lastRaw!.url, 'http://x').searchParams;
      assert.equal(query.get('filter_path'), BULK_FILTER_PATH);
    } finally {
      await client.close();
    }
  });
});
