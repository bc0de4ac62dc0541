import { strict as assert } from 'node:assert';
import { actionLine, bodyOf, pack, toEntry } from '../../src/bulk/batch.js';
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
