/**
 * `_source` includes/excludes in a mapping, as OpenSearch documents them (docs.opensearch.org,
 * "Source metadata field", "Including or excluding fields"): the listed fields are pruned from the
 * stored `_source` after the document is indexed and before it is stored, so they are still searchable
 * but get and search hits no longer return them.
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server: _source includes/excludes in the mapping', () => {
  const server = useServer();

  // The documentation's own example: includes `*.count` and `meta.*`, excludes `meta.description`, `meta.other.*`.
  const mappings = {
    _source: { includes: ['*.count', 'meta.*'], excludes: ['meta.description', 'meta.other.*'] },
    properties: {
      requests: { properties: { count: { type: 'long' }, foo: { type: 'keyword' } } },
      meta: {
        properties: {
          name: { type: 'keyword' },
          description: { type: 'text' },
          other: { properties: { foo: { type: 'keyword' }, baz: { type: 'keyword' } } },
        },
      },
    },
  };
  const doc = {
    requests: { count: 10, foo: 'bar' },
    meta: { name: 'Some metric', description: 'Some metric description', other: { foo: 'one', baz: 'two' } },
  };
  const stored = { requests: { count: 10 }, meta: { name: 'Some metric' } };

  before(async () => {
    assert.equal((await call(server(), 'PUT', '/logs', { mappings })).status, 200);
    const answer = await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson({ index: { _index: 'logs', _id: '1' } }, doc),
    );
    assert.equal(answer.body.errors, false);
  });

  it('stores the source pruned: get and search hits return only what includes keep and excludes leave', async () => {
    assert.deepEqual((await call(server(), 'GET', '/logs/_doc/1')).body._source, stored);
    assert.deepEqual((await call(server(), 'GET', '/logs/_source/1')).body, stored);
    const hits = (await call(server(), 'POST', '/logs/_search', { query: { match_all: {} } })).body.hits.hits;
    assert.deepEqual(
      hits.map((hit: { _source: unknown }) => hit._source),
      [stored],
    );
  });

  it('keeps the pruned fields searchable', async () => {
    for (const query of [
      { term: { 'meta.other.foo': 'one' } },
      { match: { 'meta.description': 'description' } },
      { term: { 'requests.foo': 'bar' } },
      { exists: { field: 'meta.other.baz' } },
    ]) {
      const answer = await call(server(), 'POST', '/logs/_search', { query });
      assert.equal(answer.body.hits.total.value, 1, JSON.stringify(query));
    }
    const missing = await call(server(), 'POST', '/logs/_search', {
      query: { term: { 'meta.other.foo': 'two' } },
    });
    assert.equal(missing.body.hits.total.value, 0);
  });

  it('reports the _source setting in the mapping, as given', async () => {
    const answer = await call(server(), 'GET', '/logs/_mapping');
    assert.deepEqual(answer.body.logs.mappings._source, mappings._source);
  });
});
