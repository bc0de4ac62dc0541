import { strict as assert } from 'node:assert';
import { BULK_FILTER_PATH } from '../../src/bulk/transport.js';
import { applyFilterPath } from '../../devserver/filter-path.js';
import { call, ndjson } from './helpers.js';
import { useServer } from './helpers.js';

describe('dev server: filter_path (common REST parameter)', () => {
  const server = useServer();
  const mixed = () =>
    ndjson(
      { create: { _index: 'fp1', _id: 'a' } },
      { n: 1 },
      { create: { _index: 'fp1', _id: 'a' } },
      { n: 1 },
      { create: { _index: 'fp1', _id: 'b' } },
      '{"n":',
    );

  it("the sender's filter keeps took, errors and each item's _id and status, and error where there is one", async () => {
    const answer = await call(
      server(),
      'POST',
      `/_bulk?filter_path=${encodeURIComponent(BULK_FILTER_PATH)}`,
      mixed(),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body), ['took', 'errors', 'items']);
    assert.equal(answer.body.errors, true);
    const [created, duplicate, bad] = answer.body.items;
    assert.deepEqual(created, { create: { _id: 'a', status: 201 } });
    assert.equal(duplicate.create._id, 'a');
    assert.equal(duplicate.create.status, 409);
    assert.equal(duplicate.create.error.type, 'version_conflict_engine_exception');
    assert.deepEqual(Object.keys(duplicate.create), ['_id', 'status', 'error']);
    assert.equal(bad.create._id, 'b');
    assert.equal(bad.create.error.type, 'mapper_parsing_exception');
    assert.equal(answer.body.items.length, 3, 'every item keeps its position');
  });

  it('items.*.error keeps only the failed items; a filter that keeps nothing answers {}', async () => {
    const errors = await call(server(), 'POST', '/_bulk?filter_path=items.*.error', mixed());
    assert.deepEqual(
      errors.body.items.map((item: { create: { error: { type: string } } }) => item.create.error.type),
      ['version_conflict_engine_exception', 'version_conflict_engine_exception', 'mapper_parsing_exception'],
    );
    const clean = await call(
      server(),
      'POST',
      '/_bulk?filter_path=items.*.error',
      ndjson({ create: { _index: 'fp2', _id: 'c' } }, { n: 1 }),
    );
    assert.equal(clean.status, 200);
    assert.deepEqual(clean.body, {});
  });

  it('** matches any depth, * part of a name, and - excludes', async () => {
    const body = ndjson({ create: { _index: 'fp3', _id: 'd' } }, { n: 1 });
    const deep = await call(server(), 'POST', '/_bulk?filter_path=**.status', body);
    assert.deepEqual(deep.body, { items: [{ create: { status: 201 } }] });
    const excluded = await call(
      server(),
      'POST',
      '/_bulk?filter_path=-items,-took',
      ndjson({ create: { _index: 'fp3', _id: 'e' } }, { n: 1 }),
    );
    assert.deepEqual(excluded.body, { errors: false });
    const partial = await call(
      server(),
      'POST',
      '/_bulk?filter_path=err*,items.*._i*',
      ndjson({ create: { _index: 'fp3', _id: 'f' } }, { n: 1 }),
    );
    assert.deepEqual(partial.body, { errors: false, items: [{ create: { _index: 'fp3', _id: 'f' } }] });
  });

  it('error responses are not filtered', async () => {
    const answer = await call(server(), 'POST', '/_bulk?filter_path=took', '{"create":{}}\n{}');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
  });

  it('applies to other APIs too, and filters into a stored _source', async () => {
    await call(server(), 'PUT', '/fp4/_doc/1?refresh=true', { a: { b: 1, c: 2 }, d: 3 });
    const found = await call(server(), 'GET', '/fp4/_doc/1?filter_path=_source.a.b,found');
    assert.deepEqual(found.body, { found: true, _source: { a: { b: 1 } } });
    assert.deepEqual(applyFilterPath({ a: [1, { b: 2 }], c: 'x' }, 'a.b'), { a: [{ b: 2 }] });
  });

  it('a field named __proto__ is kept like any other, pretty-printed or not', async () => {
    // (Inside an object that is not indexed: the mapping walk does not take such a field yet.)
    await call(server(), 'PUT', '/fp5', {
      mappings: { properties: { o: { type: 'object', enabled: false } } },
    });
    const source = '{"o":{"__proto__":{"x":1},"y":2}}';
    const put = await call(server(), 'PUT', '/fp5/_doc/1', source, 'application/json');
    assert.equal(put.status, 201);
    const compact = await call(server(), 'GET', '/fp5/_doc/1?filter_path=_source.o.*');
    assert.equal(compact.text, `{"_source":${source}}`);
    const pretty = await call(server(), 'GET', '/fp5/_doc/1?filter_path=_source.o.*&pretty');
    assert.equal(pretty.text.replace(/\s+/g, ''), `{"_source":${source}}`);
  });
});
