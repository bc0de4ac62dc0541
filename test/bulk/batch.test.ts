import { strict as assert } from 'node:assert';
import { actionLineRoom, actionText } from '../../src/bulk/action.js';
import { BulkFraming, pack, type Entry } from '../../src/bulk/batch.js';
import { documentFromText, SlabPool, SourceArena, sourceText } from '../../src/documents/memory.js';
import type { BulkDocument } from '../../src/types.js';

function doc(id: string, source: string, index = 'cloudtrail-2024-01-02'): BulkDocument {
  return documentFromText({ index, id, recordIndex: 0 }, source);
}

/** A document built into `arena`, as the builders make them. */
function arenaDocument(arena: SourceArena, index: string, id: string, source: string, recordIndex = 0) {
  const { buffer, offset } = arena.reserve(Buffer.byteLength(source, 'utf8'));
  return arena.commit(buffer.write(source, offset, 'utf8'), index, id, recordIndex, undefined);
}

/** What the body of `docs` must read: each action line (padding aside), its source. */
function expectedLines(docs: readonly BulkDocument[]): unknown[] {
  return docs.flatMap((d) => [JSON.parse(actionText(d.index, d.id)), JSON.parse(sourceText(d))]);
}

/** A body's lines, parsed (an action line padded with spaces parses as the same action). */
function bodyLines(body: Buffer): unknown[] {
  const text = body.toString('utf8');
  assert.ok(text.endsWith('\n'), 'the body ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

describe('bulk framing and packing', () => {
  it('writes a create action with JSON-escaped index and id', () => {
    assert.equal(actionText('idx', 'a"b\\c'), '{"create":{"_index":"idx","_id":"a\\"b\\\\c"}}');
    const framing = new BulkFraming();
    const body = framing.body([framing.entry(doc('a', '{"x":1}')), framing.entry(doc('b', '{"y":2}'))]);
    assert.equal(
      body.toString('utf8'),
      '{"create":{"_index":"cloudtrail-2024-01-02","_id":"a"}}\n{"x":1}\n' +
        '{"create":{"_index":"cloudtrail-2024-01-02","_id":"b"}}\n{"y":2}\n',
    );
  });

  it('frames documents held in an arena as their text, whatever their index and id', () => {
    const room = actionLineRoom('cloudtrail-');
    const arena = new SourceArena(new SlabPool(), 1 << 20, room);
    const uuid = '0b1f4c8e-8f7a-4c21-9f55-1d2c3b4a5e6f';
    const docs = [
      arenaDocument(arena, 'cloudtrail-2024-01-02', uuid, '{"x":1}'), // fills the room exactly
      arenaDocument(arena, 'cloudtrail-2024-01-02', 'h-abc', '{"e":"日本"}'), // padded
      arenaDocument(arena, 'cloudtrail-2024-01-02', '', '{}'),
      arenaDocument(arena, 'cloudtrail-2024-01-03', 'é"q\\', '{"y":2}'),
      arenaDocument(arena, 'idx-ü', 'b', '{"z":3}'),
      arenaDocument(arena, 'cloudtrail-2024-01-02', 'x'.repeat(100), '{"long":"id"}'), // no room: written out
    ];
    const framing = new BulkFraming();
    const entries = docs.map((d) => framing.entry(d));
    assert.deepEqual(
      entries.map((entry) => entry.start >= 0),
      [true, true, true, true, true, false],
    );
    assert.equal(entries[0]!.actionBytes, Buffer.byteLength(actionText(docs[0]!.index, uuid)) + 1);
    for (const pooled of [false, true]) {
      const body = framing.body(entries, pooled);
      assert.deepEqual(bodyLines(body), expectedLines(docs));
      assert.equal(
        entries.reduce((sum, entry) => sum + entry.bytes, 0),
        body.length,
      );
    }
    arena.close();
  });

  it('writes out a body whose documents are not one run, run by run; sends one run as it lies', () => {
    const room = actionLineRoom('cloudtrail-');
    const pool = new SlabPool();
    const arenas = [new SourceArena(pool, 1 << 20, room), new SourceArena(pool, 1 << 20, room)];
    const docs: BulkDocument[] = [];
    for (let i = 0; i < 12; i++) {
      const arena = arenas[Math.floor(i / 3) % 2]!; // three documents in one arena, three in the other
      const source = JSON.stringify({ n: i, m: 'ü'.repeat(i) });
      docs.push(arenaDocument(arena, 'cloudtrail-2024-01-02', `id-${i % 10}`, source, i));
    }
    const framing = new BulkFraming();
    const entries = new Map<BulkDocument, Entry>(docs.map((d) => [d, framing.entry(d)]));
    const plain = doc('plain', '{"p":1}');
    const mixed = [...docs, plain, docs[0]!];
    const entryOf = (d: BulkDocument) => entries.get(d) ?? framing.entry(d);
    for (const pooled of [false, true]) {
      const body = framing.body(mixed.map(entryOf), pooled);
      assert.deepEqual(bodyLines(body), expectedLines(mixed));
    }
    const run = docs.slice(6, 9); // one arena's documents, built one after another
    const view = framing.body(run.map(entryOf), true);
    assert.deepEqual(bodyLines(view), expectedLines(run));
    assert.ok(view.buffer === run[0]!.bytes.buffer, 'a view of their slab');
    for (const arena of arenas) arena.close();
  });

  it('counts UTF-8 bytes, not characters', () => {
    const framing = new BulkFraming();
    const entry = framing.entry(doc('é', '{"m":"日本"}'));
    const body = framing.body([entry]);
    assert.equal(entry.bytes, body.length);
    assert.ok(entry.bytes > body.toString('utf8').length);
  });

  it('never builds a body above maxBytes or maxDocs; an oversized document goes alone', () => {
    const framing = new BulkFraming();
    const sources = Array.from({ length: 200 }, (_, i) => `{"n":"${'ü'.repeat(i % 37)}"}`);
    sources.splice(50, 0, `{"big":"${'x'.repeat(900)}"}`);
    const entries = sources.map((source, i) => framing.entry(doc(`id-${i}`, source)));
    const limits = { maxBytes: 600, maxDocs: 7 };
    const batches = pack(entries, limits);
    assert.deepEqual(batches.flat(), entries, 'every entry once, in order');
    for (const batch of batches) {
      const bytes = framing.body(batch).length;
      assert.ok(batch.length <= 7);
      assert.ok(bytes <= 600 || batch.length === 1, `batch of ${batch.length} docs is ${bytes} bytes`);
    }
    assert.ok(batches.some((batch) => batch.length === 1 && batch[0]!.bytes > 600));
  });
});
