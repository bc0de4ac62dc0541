/**
 * The sender's memory reuse: a batch of consecutive documents is sent from their slab (no copy), other
 * request bodies go back to a pool once the cluster has answered for every document in them, and document
 * sources go back to their slab once their outcome is reported. None may ever hand out bytes something
 * else still reads.
 */
import { strict as assert } from 'node:assert';
import { actionLine } from '../../src/bulk/batch.js';
import { BulkSender } from '../../src/bulk/sender.js';
import type { BulkTransport } from '../../src/bulk/transport.js';
import {
  commit,
  EncodedDocument,
  releaseSource,
  reserve,
  SourceArena,
  sourceBytesOf,
  useArena,
} from '../../src/documents/encoded.js';
import type { BulkDocument, DocumentOutcome } from '../../src/types.js';

/** A document whose source sits in a slab, as the builder makes them. */
function encoded(i: number, padding = 200): EncodedDocument {
  const text = JSON.stringify({ n: i, pad: 'é'.repeat(padding) });
  const { buffer, offset } = reserve(text.length * 3);
  const bytes = commit(buffer, offset, buffer.write(text, offset, 'utf8'));
  // Ids of one length, as event ids are: each document's action line fits the room the previous one left.
  return new EncodedDocument('cloudtrail-2024-01-01', `id-${String(i).padStart(4, '0')}`, bytes, i);
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

function sender(transport: BulkTransport, outcomes: DocumentOutcome[], extra = {}) {
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
  it('sends consecutive documents from their slab, without a copy, when the transport releases bodies', async () => {
    const bodies: { body: Buffer; text: string }[] = [];
    const outcomes: DocumentOutcome[] = [];
    const arena = new SourceArena(); // as a file's documents are built
    useArena(arena);
    const docs = Array.from({ length: 40 }, (_, i) => encoded(i));
    useArena(undefined);
    const s = sender(
      answeringTransport(true, (body) => bodies.push({ body, text: body.toString('utf8') })),
      outcomes,
    );
    for (const doc of docs) await s.add(doc);
    await s.close();
    assert.equal(outcomes.length, 40);
    assert.ok(bodies.length > 2);
    const slab = sourceBytesOf(docs[0]!)!.buffer;
    for (const { body } of bodies) assert.ok(body.buffer === slab, 'a view of the documents’ slab');
    const expected = docs.map((doc) => `${actionLine(doc)}\n${doc.source}\n`).join('');
    assert.equal(bodies.map(({ text }) => text).join(''), expected);
    arena.close();
  });

  it('keeps each file’s documents together when files are built in turn (one arena each)', async () => {
    const arenas = [new SourceArena(), new SourceArena()];
    const docs: EncodedDocument[][] = [[], []];
    try {
      for (let i = 0; i < 60; i++) {
        const file = Math.floor(i / 5) % 2; // five documents of one file, then five of the other
        useArena(arenas[file]);
        docs[file]!.push(encoded(i));
      }
    } finally {
      useArena(undefined);
    }
    for (const [file, fileDocs] of docs.entries()) {
      const bodies: Buffer[] = [];
      const outcomes: DocumentOutcome[] = [];
      const s = sender(
        answeringTransport(true, (body) => bodies.push(body)),
        outcomes,
        { maxBytes: 1 << 20 },
      );
      for (const doc of fileDocs) await s.add(doc);
      await s.close();
      assert.equal(bodies.length, 1);
      assert.ok(bodies[0]!.buffer === sourceBytesOf(fileDocs[0]!)!.buffer, `file ${file} sent in place`);
      assert.equal(
        bodies[0]!.toString('utf8'),
        fileDocs.map((doc) => `${actionLine(doc)}\n${doc.source}\n`).join(''),
      );
      arenas[file]!.close();
    }
  });

  it('reuses a written-out request body once its answer is in, when the transport releases bodies', async () => {
    const backings: ArrayBufferLike[] = [];
    const outcomes: DocumentOutcome[] = [];
    const s = sender(
      answeringTransport(true, (body) => backings.push(body.buffer)),
      outcomes,
    );
    // Documents held as text are always written out.
    for (let i = 0; i < 40; i++) {
      const source = JSON.stringify({ n: i, pad: 'é'.repeat(200) });
      await s.add({ index: 'cloudtrail-2024-01-01', id: `id-${i}`, source, recordIndex: i });
    }
    await s.close();
    assert.equal(outcomes.length, 40);
    assert.ok(backings.length > 2);
    assert.ok(new Set(backings).size < backings.length, 'a later request reuses an earlier body');
  });

  it('never reuses a body a transport may keep (bodies recorded by a test stay intact)', async () => {
    const bodies: { body: Buffer; text: string }[] = [];
    const outcomes: DocumentOutcome[] = [];
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

  it('a commit goes to the arena that reserved, even when another is in use by then', () => {
    const [a, b] = [new SourceArena(), new SourceArena()];
    try {
      useArena(a);
      const { buffer, offset } = reserve(64);
      useArena(b);
      const first = new EncodedDocument('i', 'x', commit(buffer, offset, buffer.write('{"n":1}', offset)), 0);
      useArena(a);
      const second = encoded(2);
      assert.equal(first.source, '{"n":1}', 'not overwritten by the next document of its arena');
      assert.equal((JSON.parse(second.source) as { n: number }).n, 2);
    } finally {
      useArena(undefined);
      a.close();
      b.close();
    }
  });

  it('a slab whose documents are all released is reused; one with a live document is not', () => {
    // Fill slabs with documents of ~60 KB (a 1 MiB slab holds ~15); keep one document of the first slab alive.
    const arena = new SourceArena(1024 * 1024);
    useArena(arena);
    try {
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
    } finally {
      useArena(undefined);
      arena.close();
    }
  });
});
