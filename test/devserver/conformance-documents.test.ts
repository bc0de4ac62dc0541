/**
 * Document writes as OpenSearch 2.x answers them, each case taken from OpenSearch's REST conformance
 * suite (rest-api-spec/src/main/resources/rest-api-spec/test/…) or its source, named in the test.
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

/** `{"inner":{"inner":...{"leaf":"x"}...}}` as text (JSON.stringify would overflow the stack first). */
function deepObject(levels: number): string {
  return '{"inner":'.repeat(levels) + '{"leaf":"x"}' + '}'.repeat(levels);
}

describe('dev server conformance: document writes', () => {
  const server = useServer();

  it('bulk item with "_id": "" → that item 400 illegal_argument_exception, the others created (bulk/10_basic.yml "Empty _id")', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        { index: { _index: 'empty-id', _id: '' } },
        { f: 1 },
        { index: { _index: 'empty-id', _id: 'id' } },
        { f: 2 },
        { index: { _index: 'empty-id' } },
        { f: 3 },
        { create: { _index: 'empty-id' } },
        { f: 4 },
      ),
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.body.errors, true);
    assert.equal(answer.body.items[0].index.status, 400);
    assert.equal(answer.body.items[0].index.error.type, 'illegal_argument_exception');
    assert.equal(answer.body.items[0].index.error.reason, 'if _id is specified it must not be empty');
    assert.equal(answer.body.items[1].index.result, 'created');
    assert.equal(answer.body.items[2].index.result, 'created');
    assert.equal(answer.body.items[3].create.result, 'created');
    assert.equal((await call(server(), 'GET', '/empty-id/_count')).body.count, 3);
  });

  it('PUT /{index}/_doc/{id} with an id over 512 bytes → 400 action_request_validation_exception (index/10_with_id.yml; IndexRequest.validate)', async () => {
    const id = 'a'.repeat(513);
    const answer = await call(server(), 'PUT', `/long-id/_doc/${id}`, { foo: 'bar' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'action_request_validation_exception');
    assert.equal(
      answer.body.error.reason,
      `Validation Failed: 1: id [${id}] is too long, must be no longer than 512 bytes but was: 513;`,
    );
    assert.equal((await call(server(), 'HEAD', '/long-id')).status, 404, 'nothing was created');
    const bulk = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'long-id', _id: id } }, { foo: 'bar' }),
    );
    assert.equal(bulk.status, 400);
    assert.equal(bulk.body.error.type, 'action_request_validation_exception');
  });

  it('a document nested deeper than index.mapping.depth.limit is that item’s 400 parse error; the items around it are applied (DocumentParser depth check, OpenSearch 2.7+)', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        { create: { _index: 'deep', _id: 'a' } },
        { n: 1 },
        { create: { _index: 'deep', _id: 'b' } },
        deepObject(5000),
        { create: { _index: 'deep', _id: 'c' } },
        { n: 3 },
      ),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.items.map((item: { create: { status: number } }) => item.create.status),
      [201, 400, 201],
    );
    const error = answer.body.items[1].create.error;
    assert.equal(error.type, 'mapper_parsing_exception');
    assert.equal(error.reason, 'failed to parse');
    assert.equal(error.caused_by.type, 'parse_exception');
    assert.equal(
      error.caused_by.reason,
      'The depth of the field has exceeded the allowed limit of [20]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.',
    );
    assert.equal((await call(server(), 'GET', '/deep/_count')).body.count, 2);
  });

  it('under dynamic:false a deep unmapped object is skipped, not an error (DocumentParser skips unmapped objects without walking them)', async () => {
    await call(server(), 'PUT', '/deep-false', {
      mappings: { dynamic: false, properties: { k: { type: 'keyword' } } },
    });
    const answer = await call(
      server(),
      'PUT',
      '/deep-false/_doc/1?refresh=true',
      `{"k":"v","free":${deepObject(100_000)}}`,
    );
    assert.equal(answer.status, 201, answer.text.slice(0, 300));
    const found = await call(server(), 'POST', '/deep-false/_search', { query: { term: { k: 'v' } } });
    assert.equal(found.body.hits.total.value, 1);
  });

  it('nested arrays deeper than the limit → "The depth of the nested array field has exceeded the allowed limit" (ParseContext.checkFieldArrayDepthLimit)', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 25; i++) nested = [nested];
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      ndjson({ index: { _index: 'deep-array', _id: '1' } }, { a: nested }),
    );
    const error = answer.body.items[0].index.error;
    assert.equal(answer.body.items[0].index.status, 400);
    assert.equal(
      error.caused_by.reason,
      'The depth of the nested array field has exceeded the allowed limit of [20]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.',
    );
  });

  it('duplicate keys anywhere in a source fail the item with json_parse_exception "Duplicate field" (strict duplicate detection)', async () => {
    const answer = await call(
      server(),
      'POST',
      '/_bulk',
      `{"index":{"_index":"dups","_id":"1"}}\n{"a":1,"free":{"x":1,"x":2}}\n{"index":{"_index":"dups","_id":"2"}}\n{"a":1}\n`,
    );
    assert.equal(answer.body.items[0].index.status, 400);
    assert.equal(answer.body.items[0].index.error.caused_by.type, 'json_parse_exception');
    assert.equal(answer.body.items[0].index.error.caused_by.reason, "Duplicate field 'x'");
    assert.equal(answer.body.items[1].index.status, 201);
  });
});
