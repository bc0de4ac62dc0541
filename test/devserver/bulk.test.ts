import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server: bulk (OPENSEARCH.md §2)', () => {
  const server = useServer();

  it('§2.1 body without trailing newline → 400 illegal_argument_exception with a literal \\n', async () => {
    const answer = await call(server(), 'POST', '/_bulk', '{"index":{"_index":"b1"}}\n{"a":1}');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
    assert.equal(answer.body.error.reason, 'The bulk request must be terminated by a newline [\\n]');
    assert.deepEqual(server().indexNames().includes('b1'), false);
  });

  it('§2.1 empty body → 400 parse_exception "request body is required"', async () => {
    const answer = await call(server(), 'POST', '/_bulk', '', 'application/x-ndjson');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'parse_exception');
    assert.equal(answer.body.error.reason, 'request body is required');
  });

  it('§2.1 only empty lines → 400 action_request_validation_exception "no requests added"', async () => {
    const answer = await call(server(), 'POST', '/_bulk', '\n\n');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'action_request_validation_exception');
    assert.equal(answer.body.error.reason, 'Validation Failed: 1: no requests added;');
  });

  it('§2.1 unknown action (2.x) → 400 "expected one of [create, delete, index, update]"', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'b2' } }, { a: 1 }, { baz: {} }, {}),
    );
    assert.equal(answer.status, 400);
    assert.equal(
      answer.body.error.reason,
      'Malformed action/metadata line [3], expected one of [create, delete, index, update] but found [baz]',
    );
    assert.equal(server().indexNames().includes('b2'), false, 'nothing runs before validation');
  });

  it('§2.1 action line that is not an object → 400 "expected START_OBJECT but found [START_ARRAY]"', async () => {
    const answer = await call(server(), 'POST', '/_bulk', ndjson('[1]'));
    assert.equal(
      answer.body.error.reason,
      'Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]',
    );
  });

  it('§2.1 unknown metadata key → 400 "contains an unknown parameter"', async () => {
    const answer = await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: 'b3', foo: 1 } }, {}));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.reason, 'Action/metadata line [1] contains an unknown parameter [foo]');
  });

  it('§2.1 array metadata value → 400 "expected a simple value for field [_id]"', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'b3', _id: ['x'] } }, {}),
    );
    assert.equal(
      answer.body.error.reason,
      'Malformed action/metadata line [1], expected a simple value for field [_id] but found [START_ARRAY]',
    );
  });

  it('§2.1 update with version → 400 "Update requests do not support versioning"', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ update: { _index: 'b3', _id: '1', version: 2 } }, { doc: {} }),
    );
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
    assert.equal(
      answer.body.error.reason,
      'Update requests do not support versioning. Please use if_seq_no and if_primary_term instead',
    );
  });

  it('§2.1 item without any index → 400 "Validation Failed: 1: index is missing;"', async () => {
    const answer = await call(server(), 'POST', '/_bulk', ndjson({ index: {} }, { a: 1 }));
    assert.equal(answer.body.error.type, 'action_request_validation_exception');
    assert.equal(answer.body.error.reason, 'Validation Failed: 1: index is missing;');
  });

  it('§2.1 invalid JSON in a source line fails that item only (400 mapper_parsing_exception)', async () => {
    const body = ndjson(
      { index: { _index: 'b4', _id: '1' } },
      '{"a":',
      { index: { _index: 'b4', _id: '2' } },
      { a: 1 },
    );
    const answer = await call(server(), 'POST', '/_bulk', body);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.errors, true);
    assert.equal(answer.body.items[0].index.status, 400);
    assert.equal(answer.body.items[0].index.error.type, 'mapper_parsing_exception');
    assert.equal(answer.body.items[0].index.error.reason, 'failed to parse');
    assert.equal(answer.body.items[1].index.status, 201);
  });

  it('§2.2/§2.3 per-item outcomes: created, updated, 409 create conflict, update noop, delete not_found', async () => {
    const body = ndjson(
      { index: { _index: 'b5', _id: 'x' } },
      { a: 1 },
      { index: { _index: 'b5', _id: 'x' } },
      { a: 2 },
      { create: { _index: 'b5', _id: 'x' } },
      { a: 3 },
      { update: { _index: 'b5', _id: 'x' } },
      { doc: { a: 2 } },
      { update: { _index: 'b5', _id: 'missing' } },
      { doc: { a: 1 } },
      { update: { _index: 'b5', _id: 'up' } },
      { doc: { a: 9 }, doc_as_upsert: true },
      { delete: { _index: 'b5', _id: 'nope' } },
      { delete: { _index: 'b5', _id: 'x' } },
    );
    const answer = await call(server(), 'POST', '/_bulk', body);
    const items = answer.body.items;
    assert.equal(answer.body.errors, true);
    assert.deepEqual(Object.keys(items[0]), ['index']);
    assert.equal(items[0].index._type, undefined, '2.x has no _type');
    assert.deepEqual(
      [items[0].index.status, items[0].index.result, items[0].index._version],
      [201, 'created', 1],
    );
    assert.deepEqual(
      [items[1].index.status, items[1].index.result, items[1].index._version],
      [200, 'updated', 2],
    );
    assert.equal(items[2].create.status, 409);
    assert.equal(items[2].create.error.type, 'version_conflict_engine_exception');
    assert.equal(
      items[2].create.error.reason,
      '[x]: version conflict, document already exists (current version [2])',
    );
    assert.equal(items[2].create.error.index, 'b5');
    assert.deepEqual([items[3].update.status, items[3].update.result], [200, 'noop']);
    assert.equal(items[4].update.status, 404);
    assert.equal(items[4].update.error.type, 'document_missing_exception');
    assert.equal(items[4].update.error.reason, '[missing]: document missing');
    assert.deepEqual([items[5].update.status, items[5].update.result], [201, 'created']);
    assert.deepEqual(
      [items[6].delete.status, items[6].delete.result, items[6].delete.error],
      [404, 'not_found', undefined],
    );
    assert.deepEqual([items[7].delete.status, items[7].delete.result], [200, 'deleted']);
    assert.equal(server().documentCount('b5'), 1);
  });

  it('§2.2 a not_found delete alone is not an error (errors:false)', async () => {
    await call(server(), 'PUT', '/b6');
    const answer = await call(server(), 'POST', '/b6/_bulk', ndjson({ delete: { _id: 'nope' } }));
    assert.equal(answer.body.errors, false);
    assert.equal(answer.body.items[0].delete.result, 'not_found');
  });

  it('§2.2 auto-generated ids are 20 URL-safe characters; refresh=true adds forced_refresh', async () => {
    const answer = await call(server(), 'PUT', '/b7/_bulk?refresh=true', ndjson({ index: {} }, { a: 1 }));
    const item = answer.body.items[0].index;
    assert.match(item._id, /^[A-Za-z0-9_-]{20}$/);
    assert.equal(item.forced_refresh, true);
    const count = await call(server(), 'GET', '/b7/_count');
    assert.equal(count.body.count, 1);
  });

  it('§2.3 update merges `doc` into the stored source', async () => {
    await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'b8', _id: '1' } }, { a: { b: 1, c: 2 } }),
    );
    await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ update: { _index: 'b8', _id: '1' } }, { doc: { a: { c: 3 } } }),
    );
    const doc = await call(server(), 'GET', '/b8/_doc/1');
    assert.deepEqual(doc.body._source, { a: { b: 1, c: 3 } });
    assert.equal(doc.body._version, 2);
  });

  it('§2.3 if_seq_no mismatch → 409 with the seqNo text', async () => {
    await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: 'b9', _id: '1' } }, { a: 1 }));
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'b9', _id: '1', if_seq_no: 5, if_primary_term: 1 } }, { a: 2 }),
    );
    assert.equal(answer.body.items[0].index.status, 409);
    assert.equal(
      answer.body.items[0].index.error.reason,
      '[1]: version conflict, required seqNo [5], primary term [1]. current document has seqNo [0] and primary term [1]',
    );
  });

  it('§2.3 invalid index name on auto-create → item 400 invalid_index_name_exception', async () => {
    const answer = await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: 'Bad' } }, { a: 1 }));
    assert.equal(answer.body.items[0].index.status, 400);
    assert.equal(answer.body.items[0].index.error.type, 'invalid_index_name_exception');
    assert.equal(answer.body.items[0].index.error.reason, 'Invalid index name [Bad], must be lowercase');
  });

  it('§2.1 `_source` round-trips byte for byte (1.0 stays 1.0, key order kept)', async () => {
    await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      '{"index":{"_index":"b10","_id":"1"}}\n{"z":1.0,"a":9007199254740993}\n',
    );
    const doc = await call(server(), 'GET', '/b10/_doc/1');
    assert.match(doc.text, /"_source":\{"z":1\.0,"a":9007199254740993\}/);
  });

  it('§1 Content-Type text/plain → 406 with a plain-string error', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'b11' } }, {}),
      'text/plain',
    );
    assert.equal(answer.status, 406);
    assert.deepEqual(answer.body, {
      error: 'Content-Type header [text/plain] is not supported',
      status: 406,
    });
  });

  it('§1 body without Content-Type → 406 "Content-Type header is missing" (code-read)', async () => {
    const response = await fetch(server().url + '/_bulk', {
      method: 'POST',
      body: new Blob([ndjson({ index: { _index: 'b12' } }, {})]),
    });
    assert.equal(response.status, 406);
    assert.deepEqual(await response.json(), { error: 'Content-Type header is missing', status: 406 });
  });

  it('§2.3 delete on a missing index → item 404 index_not_found_exception (no auto-create)', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ delete: { _index: 'never-made', _id: '1' } }),
    );
    assert.equal(answer.body.items[0].delete.status, 404);
    assert.equal(answer.body.items[0].delete.error.reason, 'no such index [never-made]');
    assert.equal(server().indexNames().includes('never-made'), false);
  });
});

describe('dev server: bulk in 1.x flavor (OPENSEARCH.md §8)', () => {
  const server = useServer({ flavor: 'opensearch-1' });

  it('§2.2 items carry _type "_doc" on OpenSearch 1.x', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'f1', _id: '1' } }, { a: 1 }),
    );
    assert.equal(answer.body.items[0].index._type, '_doc');
  });

  it('§8 early 1.x parser skips an unknown action silently (code-read)', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ baz: {} }, {}, { index: { _index: 'f1', _id: '2' } }, { a: 1 }),
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.body.items.length, 1);
  });
});
