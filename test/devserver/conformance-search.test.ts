/**
 * Search as OpenSearch 2.x answers it: metadata fields, total-hit tracking and flat_object sub-fields.
 * Each case names the OpenSearch REST conformance test (rest-api-spec/…/test/search/<file>.yml) it
 * follows.
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server conformance: search', () => {
  const server = useServer();

  async function total(index: string, body: unknown, query = ''): Promise<number> {
    const answer = await call(
      server(),
      'POST',
      `/${index}/_search?rest_total_hits_as_int=true${query}`,
      body,
    );
    assert.equal(answer.status, 200, answer.text);
    return answer.body.hits.total;
  }

  describe('metadata fields (search/160_exists_query.yml)', () => {
    before(async () => {
      await call(server(), 'PUT', '/meta', {
        mappings: { dynamic: false, properties: { keyword: { type: 'keyword' } } },
      });
      await call(server(), 'PUT', '/meta/_doc/1', { keyword: 'foo' });
      await call(server(), 'PUT', '/meta/_doc/2', { keyword: 'foo' });
      await call(server(), 'PUT', '/meta/_doc/3?routing=route_me', { keyword: 'foo' });
      await call(server(), 'PUT', '/meta/_doc/4', {});
      await call(server(), 'POST', '/meta/_refresh');
    });

    it('exists on _id, _index, _seq_no and _version matches every document; on _routing only the routed one', async () => {
      for (const field of ['_id', '_index', '_seq_no', '_version']) {
        assert.equal(await total('meta', { query: { exists: { field } } }), 4, field);
      }
      assert.equal(await total('meta', { query: { exists: { field: '_routing' } } }), 1);
    });

    it('term and terms on _id find the documents', async () => {
      assert.equal(await total('meta', { query: { term: { _id: '2' } } }), 1);
      assert.equal(await total('meta', { query: { terms: { _id: ['1', '3', 'nope'] } } }), 2);
      assert.equal(await total('meta', { query: { term: { _index: 'meta' } } }), 4);
    });

    it('exists on _source → 400 query_shard_exception "The _source field is not searchable"', async () => {
      const answer = await call(server(), 'POST', '/meta/_search', {
        query: { exists: { field: '_source' } },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'search_phase_execution_exception');
      assert.equal(answer.body.error.root_cause[0].type, 'query_shard_exception');
      assert.equal(answer.body.error.root_cause[0].reason, 'The _source field is not searchable');
    });
  });

  describe('total hits (search/220_total_hits_object.yml)', () => {
    before(async () => {
      const docs = ['bar', 'baz', 'bar', 'bar'].flatMap((foo, i) => [
        { index: { _index: 'totals', _id: String(i) } },
        { foo },
      ]);
      await call(server(), 'POST', '/_bulk?refresh=true', ndjson(...docs));
    });

    it('track_total_hits: -2 → 400 "[track_total_hits] parameter must be positive or equals to -1, got -2"', async () => {
      const answer = await call(
        server(),
        'POST',
        '/totals/_search?rest_total_hits_as_int=true&track_total_hits=-2',
        {
          query: { match: { foo: 'bar' } },
        },
      );
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'illegal_argument_exception');
      assert.equal(
        answer.body.error.reason,
        '[track_total_hits] parameter must be positive or equals to -1, got -2',
      );
    });

    it('track_total_hits: 100 with rest_total_hits_as_int → 400 "cannot be used if the tracking of total hits is not accurate"', async () => {
      const answer = await call(
        server(),
        'POST',
        '/totals/_search?rest_total_hits_as_int=true&track_total_hits=100',
        {
          query: { match: { foo: 'bar' } },
        },
      );
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'illegal_argument_exception');
      assert.equal(
        answer.body.error.reason,
        '[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got 100',
      );
    });

    it('track_total_hits: false with rest_total_hits_as_int → hits.total is -1; a number caps with relation gte', async () => {
      assert.equal(
        await total('totals', { query: { match: { foo: 'bar' } } }, '&track_total_hits=false'),
        -1,
      );
      assert.equal(await total('totals', { query: { match: { foo: 'bar' } } }), 3);
      const capped = await call(server(), 'POST', '/totals/_search?track_total_hits=2', {
        query: { match: { foo: 'bar' } },
      });
      assert.deepEqual(capped.body.hits.total, { value: 2, relation: 'gte' });
    });
  });

  describe('flat_object sub-fields (index/90_flat_object.yml, index/100_partial_flat_object.yml)', () => {
    before(async () => {
      await call(server(), 'PUT', '/flat', {
        mappings: {
          properties: {
            issue: { properties: { number: { type: 'integer' }, labels: { type: 'flat_object' } } },
          },
        },
      });
      await call(
        server(),
        'POST',
        '/_bulk?refresh=true',
        [
          '{"index":{"_index":"flat","_id":"1"}}',
          '{"issue":{"number":123,"labels":{"version":"2.2","backport":["2.0","1.9"],"category":{"type":"API","level":"bug"},"createdDate":"2023-01-01","comment":[["Doe","Shipped"],["John","Approved"]],"views":288,"priority":5.00}}}',
          '{"index":{"_index":"flat","_id":"2"}}',
          '{"issue":{"number":456,"labels":{"author":"Liu","version":"2.1","backport":["2.0","1.3"],"category":{"type":"API","level":"enhancement"},"createdDate":"2023-02-01","comment":[["Mike","LGTM"],["John","Approved"]],"views":3333,"priority":1.50}}}',
          '{"index":{"_index":"flat","_id":"3"}}',
          '{"issue":{"number":999,"labels":[{"version":"1.1","backport":["1.0","0.9"],"category":{"type":"Module","level":"feature"}}]}}',
          '{"index":{"_index":"flat","_id":"4"}}',
          '{"issue":{"number":999,"labels":null}}',
          '',
        ].join('\n'),
      );
    });

    async function ids(query: unknown): Promise<string[]> {
      const answer = await call(server(), 'POST', '/flat/_search', { query });
      assert.equal(answer.status, 200, answer.text);
      return answer.body.hits.hits.map((hit: { _id: string }) => hit._id);
    }

    it('term, terms, match, prefix, range and exists on dotted sub-paths', async () => {
      assert.deepEqual(await ids({ term: { 'issue.labels.category.type': 'API' } }), ['1', '2']);
      assert.deepEqual(await ids({ term: { 'issue.labels.backport': '1.9' } }), ['1']);
      assert.deepEqual(await ids({ term: { 'issue.labels.comment': 'LGTM' } }), ['2']);
      assert.deepEqual(await ids({ term: { 'issue.labels.category.type': 'Module' } }), ['3']);
      assert.deepEqual(await ids({ terms: { 'issue.labels.comment': ['John', 'Mike'] } }), ['1', '2']);
      assert.deepEqual(await ids({ match: { 'issue.labels.version': '2.1' } }), ['2']);
      assert.deepEqual(await ids({ prefix: { 'issue.labels.comment': { value: 'Mi' } } }), ['2']);
      assert.deepEqual(await ids({ range: { 'issue.labels.version': { gte: '2.1', lte: '3.0' } } }), [
        '1',
        '2',
      ]);
      assert.deepEqual(await ids({ range: { 'issue.labels.views': { gte: 3000, lte: 4000 } } }), ['2']);
      assert.deepEqual(await ids({ range: { 'issue.labels.priority': { gte: 4.1234, lte: 5.1234 } } }), [
        '1',
      ]);
      assert.deepEqual(await ids({ exists: { field: 'issue.labels.priority' } }), ['1', '2']);
      assert.deepEqual(await ids({ exists: { field: 'issue.labels.author' } }), ['2']);
      assert.deepEqual(await ids({ exists: { field: 'issue.labels.category.type' } }), ['1', '2', '3']);
    });

    it('the same queries on the field itself match any leaf', async () => {
      assert.deepEqual(await ids({ term: { 'issue.labels': 'API' } }), ['1', '2']);
      assert.deepEqual(await ids({ terms: { 'issue.labels': ['John', 'Mike'] } }), ['1', '2']);
      assert.deepEqual(await ids({ match: { 'issue.labels': '2.1' } }), ['2']);
      assert.deepEqual(await ids({ prefix: { 'issue.labels': { value: 'Mi' } } }), ['2']);
      assert.deepEqual(await ids({ exists: { field: 'issue.labels' } }), ['1', '2', '3']);
    });

    it('multi_match, query_string and simple_query_string work on flat_object fields and sub-paths', async () => {
      assert.deepEqual(
        await ids({
          multi_match: { query: '2.0', fields: ['issue.labels.version', 'issue.labels.backport'] },
        }),
        ['1', '2'],
      );
      assert.deepEqual(await ids({ query_string: { fields: ['issue.labels'], query: 'Doe OR Mike' } }), [
        '1',
        '2',
      ]);
      assert.deepEqual(
        await ids({ query_string: { fields: ['issue.labels.comment'], query: 'Doe OR Mike' } }),
        ['1', '2'],
      );
      assert.deepEqual(await ids({ simple_query_string: { query: 'Doe', fields: ['issue.labels'] } }), ['1']);
      assert.deepEqual(
        await ids({ simple_query_string: { query: 'Doe', fields: ['issue.labels.comment'] } }),
        ['1'],
      );
    });
  });
});
