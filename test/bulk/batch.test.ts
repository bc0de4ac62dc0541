import { strict as assert } from 'node:assert';
import { actionLine, bodyBytes, bodyOf, pack, toEntry } from '../../src/bulk/batch.js';
import {
  commit,
  EncodedDocument,
  reserve,
  SourceArena,
  sourceBytesOf,
  useArena,
} from '../../src/documents/encoded.js';
import type { BulkDocument } from '../../src/types.js';

function doc(id: string, source: string): BulkDocument {
  return { index: 'cloudtrail-2024-01-02', id, source, recordIndex: 0 };
}

describe('bulk framing and packing', () => {
  it('writes a create action with JSON-escaped index and id', () => {
    assert.equal(
      actionLine({ index: 'idx', id: 'a"b\\c', source: '{}', recordIndex: 0 }),
      '{"create":{"_index":"idx","_id":"a\\"b\\\\c"}}',
    );
    const body = bodyOf([toEntry(doc('a', '{"x":1}')), toEntry(doc('b', '{"y":2}'))]);
    assert.equal(
      body,
      '{"create":{"_index":"cloudtrail-2024-01-02","_id":"a"}}\n{"x":1}\n' +
        '{"create":{"_index":"cloudtrail-2024-01-02","_id":"b"}}\n{"y":2}\n',
    );
  });

  it('frames documents held as bytes exactly as their text, whatever their index and id', () => {
    const encoded = (index: string, id: string, source: string) => {
      const { buffer, offset } = reserve(Buffer.byteLength(source, 'utf8'));
      const bytes = commit(buffer, offset, buffer.write(source, offset, 'utf8'));
      return new EncodedDocument(index, id, bytes, 0);
    };
    const docs = [
      encoded('cloudtrail-2024-01-02', 'a', '{"x":1}'),
      encoded('cloudtrail-2024-01-02', '', '{"e":"日本"}'),
      encoded('cloudtrail-2024-01-03', 'é"q\\', '{"y":2}'),
      encoded('idx-ü', 'b', '{"z":3}'),
      encoded('cloudtrail-2024-01-02', 'c', '{}'),
    ];
    const entries = docs.map((d) => toEntry(d));
    const text = docs.map((d) => `${actionLine(d)}\n${d.source}\n`).join('');
    assert.equal(bodyOf(entries), text);
    const body = bodyBytes(entries);
    assert.equal(body.toString('utf8'), text);
    assert.equal(body.length, Buffer.byteLength(text, 'utf8'));
    assert.equal(
      entries.reduce((sum, entry) => sum + entry.bytes, 0),
      body.length,
    );
  });

  it('writes out a body whose documents are not one run, run by run; sends one run as it lies', () => {
    const arenas = [new SourceArena(), new SourceArena()];
    const docs: EncodedDocument[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        useArena(arenas[Math.floor(i / 3) % 2]); // three documents in one arena, three in the other
        const source = JSON.stringify({ n: i, m: 'ü'.repeat(i) });
        const { buffer, offset } = reserve(source.length * 3);
        const bytes = commit(buffer, offset, buffer.write(source, offset, 'utf8'));
        docs.push(new EncodedDocument('cloudtrail-2024-01-02', `id-${i % 10}`, bytes, i));
      }
    } finally {
      useArena(undefined);
    }
    const text = (some: readonly BulkDocument[]) =>
      some.map((d) => `${actionLine(d)}\n${d.source}\n`).join('');
    const mixed = [...docs, doc('plain', '{"p":1}'), docs[0]!];
    for (const pooled of [false, true]) {
      const body = bodyBytes(
        mixed.map((d) => toEntry(d)),
        pooled,
      );
      assert.equal(body.toString('utf8'), text(mixed));
    }
    const run = docs.slice(6, 9); // one arena's documents, built one after another
    const view = bodyBytes(
      run.map((d) => toEntry(d)),
      true,
    );
    assert.equal(view.toString('utf8'), text(run));
    assert.ok(view.buffer === sourceBytesOf(run[0]!)!.buffer, 'a view of their slab');
    for (const arena of arenas) arena.close();
  });

  it('counts UTF-8 bytes, not characters', () => {
    const entry = toEntry(doc('é', '{"m":"日本"}'));
    assert.equal(entry.bytes, Buffer.byteLength(entry.ndjson, 'utf8'));
    assert.ok(entry.bytes > entry.ndjson.length);
  });

  it('never builds a body above maxBytes or maxDocs; an oversized document goes alone', () => {
    const sources = Array.from({ length: 200 }, (_, i) => `{"n":"${'ü'.repeat(i % 37)}"}`);
    sources.splice(50, 0, `{"big":"${'x'.repeat(900)}"}`);
    const entries = sources.map((source, i) => toEntry(doc(`id-${i}`, source)));
    const limits = { maxBytes: 600, maxDocs: 7 };
    const batches = pack(entries, limits);
    assert.deepEqual(batches.flat(), entries, 'every entry once, in order');
    for (const batch of batches) {
      const bytes = Buffer.byteLength(bodyOf(batch), 'utf8');
      assert.ok(batch.length <= 7);
      assert.ok(bytes <= 600 || batch.length === 1, `batch of ${batch.length} docs is ${bytes} bytes`);
    }
    assert.ok(batches.some((batch) => batch.length === 1 && batch[0]?.bytes && batch[0].bytes > 600));
  });
});
