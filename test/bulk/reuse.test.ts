/**
 * The sender's memory reuse: a batch of consecutive documents is sent from their slab (no copy), other
 * request bodies go back to a pool once the cluster has answered for every document in them, and documents
 * go back to their slab once their outcome is reported. None may ever hand out bytes something else still
 * reads.
 */
import { strict as assert } from 'node:assert';
import { actionLineRoom, actionText } from '../../src/bulk/action.js';
import { BulkSender } from '../../src/bulk/sender.js';
import type { BulkTransport } from '../../src/bulk/transport.js';
import { documentFromText, SlabPool, SourceArena, sourceText } from '../../src/documents/memory.js';
import type { BulkDocument, DocumentOutcome } from '../../src/types.js';

const INDEX = 'cloudtrail-2024-01-01';

/** An arena as a file's run makes one: room in front of each document for its action line. */
function fileArena(pool = new SlabPool(), slabBytes = 1 << 20): SourceArena {
  return new SourceArena(pool, slabBytes, actionLineRoom('cloudtrail-'));
}

/** A document built into `arena`, as the builders make them. */
function encoded(arena: SourceArena, i: number, padding = 200): BulkDocument {
  const text = JSON.stringify({ n: i, pad: 'é'.repeat(padding) });
  const { buffer, offset } = arena.reserve(text.length * 3);
  return arena.commit(
    buffer.write(text, offset, 'utf8'),
    INDEX,
    `id-${String(i).padStart(4, '0')}`,
    i,
    undefined,
  );
}

/** The lines a body of `docs` must have (an action line padded with spaces parses as the same action). */
function expectedLines(docs: readonly BulkDocument[]): unknown[] {
  return docs.flatMap((d) => [JSON.parse(actionText(d.index, d.id)), JSON.parse(sourceText(d))]);
}

function bodyLines(text: string): unknown[] {
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
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
    const arena = fileArena();
    const docs = Array.from({ length: 40 }, (_, i) => encoded(arena, i));
    const s = sender(
      answeringTransport(true, (body) => bodies.push({ body, text: body.toString('utf8') })),
      outcomes,
    );
    for (const doc of docs) await s.add(doc);
    await s.close();
    assert.equal(outcomes.length, 40);
    assert.ok(bodies.length > 2);
    const slab = docs[0]!.bytes.buffer;
    for (const { body } of bodies) assert.ok(body.buffer === slab, 'a view of the documents’ slab');
    assert.deepEqual(bodyLines(bodies.map(({ text }) => text).join('')), expectedLines(docs));
    arena.close();
  });

  it('keeps each file’s documents together when files are built in turn (one arena each)', async () => {
    const pool = new SlabPool();
    const arenas = [fileArena(pool), fileArena(pool)];
    const docs: BulkDocument[][] = [[], []];
    for (let i = 0; i < 60; i++) {
      const file = Math.floor(i / 5) % 2; // five documents of one file, then five of the other
      docs[file]!.push(encoded(arenas[file]!, i));
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
      assert.ok(bodies[0]!.buffer === fileDocs[0]!.bytes.buffer, `file ${file} sent in place`);
      assert.deepEqual(bodyLines(bodies[0]!.toString('utf8')), expectedLines(fileDocs));
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
    // Documents with no room for their action line are always written out.
    for (let i = 0; i < 40; i++) {
      const source = JSON.stringify({ n: i, pad: 'é'.repeat(200) });
      await s.add(documentFromText({ index: INDEX, id: `id-${i}`, recordIndex: i }, source));
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
    const arena = fileArena();
    for (let i = 0; i < 40; i++) await s.add(encoded(arena, i));
    await s.close();
    assert.ok(bodies.length > 2);
    for (const { body, text } of bodies) assert.equal(body.toString('utf8'), text);
    assert.equal(new Set(bodies.map(({ body }) => body.buffer)).size, bodies.length);
    arena.close();
  });

  it('releases documents after the outcome: readable in onOutcome, refused afterwards', async () => {
    const arena = fileArena();
    const docs = Array.from({ length: 30 }, (_, i) => encoded(arena, i));
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
      onOutcome: (doc: BulkDocument) => read.push(sourceText(doc)),
    });
    for (const doc of docs) await s.add(doc);
    await s.close();
    assert.deepEqual(
      read.map((text) => (JSON.parse(text) as { n: number }).n),
      docs.map((_, i) => i),
    );
    assert.throws(() => docs[0]!.bytes, /released/);
    arena.close();
  });

  it('an arena commits only what it reserved, and files’ arenas never share a slab', () => {
    const pool = new SlabPool();
    const [a, b] = [fileArena(pool), fileArena(pool)];
    assert.throws(() => a.commit(1, INDEX, 'x', 0, undefined), /without a reservation/);
    const { buffer, offset } = a.reserve(8);
    assert.throws(() => a.commit(9, INDEX, 'x', 0, undefined), /room for 8/);
    const first = a.commit(buffer.write('{"n":1}', offset), INDEX, 'x', 0, undefined);
    const second = encoded(b, 2);
    const third = encoded(a, 3);
    assert.equal(sourceText(first), '{"n":1}', 'not overwritten by the next document of its arena');
    assert.ok(first.bytes.buffer !== second.bytes.buffer);
    assert.ok(first.bytes.buffer === third.bytes.buffer);
    assert.equal((JSON.parse(sourceText(third)) as { n: number }).n, 3);
    a.close();
    b.close();
  });

  it('a slab whose documents are all released is reused; one with a live document is not', () => {
    // Fill slabs with documents of ~60 KB (a 1 MiB slab holds ~15); keep one document of the first slab alive.
    const pool = new SlabPool();
    const arena = fileArena(pool, 1024 * 1024);
    const first = Array.from({ length: 40 }, (_, i) => encoded(arena, i, 30_000));
    const slabOf = (doc: BulkDocument) => doc.bytes.buffer;
    const slabs = [...new Set(first.map(slabOf))];
    assert.ok(slabs.length >= 3);
    const keep = first.find((doc) => slabOf(doc) === slabs[0])!;
    for (const doc of first) if (doc !== keep) doc.release();
    const before = sourceText(keep);
    const later = Array.from({ length: 40 }, (_, i) => encoded(arena, 100 + i, 30_000));
    const reused = new Set(later.map(slabOf));
    assert.ok(
      slabs.slice(1).some((slab) => reused.has(slab)),
      'an emptied slab is reused',
    );
    assert.ok(!reused.has(slabs[0]!), 'a slab with a live document is not');
    assert.equal(sourceText(keep), before);
    for (const doc of later) assert.equal((JSON.parse(sourceText(doc)) as { n: number }).n >= 100, true);
    arena.close();
  });
});
