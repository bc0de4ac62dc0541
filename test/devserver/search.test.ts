import { strict as assert } from 'node:assert';
import { call, seed, useServer } from './helpers.js';

describe('dev server: search and count (OPENSEARCH.md §6.3)', () => {
  const server = useServer();
  const day = 86_400_000;
  const now = Date.now();

  before(async () => {
    await call(server(), 'PUT', '/s1', {
      mappings: {
        properties: {
          eventName: { type: 'keyword' },
          message: { type: 'text' },
          eventTime: { type: 'date' },
          bytes: { type: 'long' },
          ok: { type: 'boolean' },
          sourceIPAddress: { type: 'ip' },
          rp: { type: 'object', enabled: false },
        },
      },
    });
    await seed(server(), 's1', [
      {
        eventName: 'GetObject',
        message: 'Read the S3 object',
        eventTime: new Date(now - 1 * day).toISOString(),
        bytes: 10,
        ok: true,
        sourceIPAddress: '10.1.2.3',
        rp: { bucket: 'a' },
      },
      {
        eventName: 'PutObject',
        message: 'Wrote an object',
        eventTime: new Date(now - 3 * day).toISOString(),
        bytes: 300,
        ok: false,
        sourceIPAddress: '192.168.0.9',
      },
      {
        eventName: 'GetObject',
        message: 'read again',
        eventTime: new Date(now - 30 * day).toISOString(),
        bytes: 20,
        ok: true,
        sourceIPAddress: '2001:db8::1',
      },
      { eventName: 'DeleteBucket', eventTime: new Date(now - 60 * day).toISOString() },
    ]);
  });

  async function ids(query: unknown, extra: Record<string, unknown> = {}): Promise<string[]> {
    const answer = await call(server(), 'POST', '/s1/_search', { query, ...extra });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.hits.hits.map((h: { _id: string }) => h._id).sort();
  }

  it('§6.3 response shape: took, timed_out, _shards, hits.total {value, relation}, max_score, hits', async () => {
    const answer = await call(server(), 'GET', '/s1/_search');
    assert.deepEqual(Object.keys(answer.body), ['took', 'timed_out', '_shards', 'hits']);
    assert.deepEqual(answer.body._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
    assert.deepEqual(answer.body.hits.total, { value: 4, relation: 'eq' });
    assert.equal(answer.body.hits.max_score, 1);
    assert.deepEqual(Object.keys(answer.body.hits.hits[0]), ['_index', '_id', '_score', '_source']);
  });

  it('term on keyword is exact; terms; ids', async () => {
    assert.deepEqual(await ids({ term: { eventName: 'GetObject' } }), ['d0', 'd2']);
    assert.deepEqual(await ids({ term: { eventName: 'getobject' } }), []);
    assert.deepEqual(await ids({ terms: { eventName: ['PutObject', 'DeleteBucket'] } }), ['d1', 'd3']);
    assert.deepEqual(await ids({ ids: { values: ['d3', 'zz'] } }), ['d3']);
  });

  it('match analyses text fields (lowercase, word split); exact on keyword', async () => {
    assert.deepEqual(await ids({ match: { message: 'READ object' } }), ['d0', 'd1', 'd2']);
    assert.deepEqual(await ids({ match: { message: { query: 'read object', operator: 'and' } } }), ['d0']);
    assert.deepEqual(await ids({ match: { eventName: 'PutObject' } }), ['d1']);
  });

  it('range on date with date math now-7d/d, on long, on keyword, on ip', async () => {
    assert.deepEqual(await ids({ range: { eventTime: { gte: 'now-7d/d' } } }), ['d0', 'd1']);
    assert.deepEqual(await ids({ range: { eventTime: { lt: 'now-7d/d', gt: 'now-45d' } } }), ['d2']);
    assert.deepEqual(await ids({ range: { bytes: { gt: 10, lte: 300 } } }), ['d1', 'd2']);
    assert.deepEqual(await ids({ range: { eventName: { gte: 'G', lt: 'Q' } } }), ['d0', 'd1', 'd2']);
    assert.deepEqual(await ids({ range: { sourceIPAddress: { gte: '10.0.0.0', lte: '10.255.255.255' } } }), [
      'd0',
    ]);
  });

  it('term on ip with a CIDR value; IPv6 literal', async () => {
    assert.deepEqual(await ids({ term: { sourceIPAddress: '10.0.0.0/8' } }), ['d0']);
    assert.deepEqual(await ids({ term: { sourceIPAddress: '192.168.0.0/16' } }), ['d1']);
    assert.deepEqual(await ids({ term: { sourceIPAddress: '2001:db8:0:0::1' } }), ['d2']);
  });

  it('boolean term; exists; prefix; wildcard', async () => {
    assert.deepEqual(await ids({ term: { ok: 'true' } }), ['d0', 'd2']);
    assert.deepEqual(await ids({ exists: { field: 'bytes' } }), ['d0', 'd1', 'd2']);
    assert.deepEqual(await ids({ prefix: { eventName: 'Get' } }), ['d0', 'd2']);
    assert.deepEqual(await ids({ wildcard: { eventName: '*Obj?ct' } }), ['d0', 'd1', 'd2']);
  });

  it('fields under enabled:false never match', async () => {
    assert.deepEqual(await ids({ term: { 'rp.bucket': 'a' } }), []);
    assert.deepEqual(await ids({ exists: { field: 'rp' } }), []);
  });

  it('bool: filter, must, must_not, should with minimum_should_match', async () => {
    const query = {
      bool: {
        filter: [{ range: { eventTime: { gte: 'now-45d' } } }],
        must_not: [{ term: { eventName: 'PutObject' } }],
        should: [{ term: { ok: true } }, { match: { message: 'again' } }],
        minimum_should_match: 2,
      },
    };
    assert.deepEqual(await ids(query), ['d2']);
  });

  it('sort on keyword, date (values as epoch millis), long, boolean; size/from paging', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', {
      sort: [{ eventTime: 'desc' }],
      size: 2,
      from: 1,
    });
    assert.deepEqual(
      answer.body.hits.hits.map((h: { _id: string }) => h._id),
      ['d1', 'd2'],
    );
    assert.equal(answer.body.hits.hits[0]._score, null);
    assert.equal(answer.body.hits.max_score, null);
    assert.equal(typeof answer.body.hits.hits[0].sort[0], 'number');
    const byName = await call(server(), 'POST', '/s1/_search', {
      sort: ['eventName', { bytes: { order: 'desc' } }],
    });
    assert.deepEqual(
      byName.body.hits.hits.map((h: { _id: string }) => h._id),
      ['d3', 'd2', 'd0', 'd1'],
    );
    const byBool = await call(server(), 'POST', '/s1/_search', { sort: [{ ok: 'asc' }], size: 1 });
    assert.deepEqual(byBool.body.hits.hits[0].sort, [0]);
  });

  it('§6.3 sort on a text field → 400 (fielddata disabled)', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', { sort: ['message'] });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'search_phase_execution_exception');
    assert.equal(answer.body.error.root_cause[0].type, 'illegal_argument_exception');
    assert.ok(
      answer.body.error.root_cause[0].reason.startsWith('Text fields are not optimised for operations'),
    );
  });

  it('§6.3 sort on an unmapped field → 400 "No mapping found for [f] in order to sort on"; unmapped_type avoids it', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', { sort: ['nope'] });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.root_cause[0].reason, 'No mapping found for [nope] in order to sort on');
    const ok = await call(server(), 'POST', '/s1/_search', {
      sort: [{ nope: { unmapped_type: 'keyword' } }],
    });
    assert.equal(ok.status, 200);
  });

  it('§6.3 missing concrete index → 404; wildcard with no match → 200 with 0 hits', async () => {
    const missing = await call(server(), 'POST', '/nope/_search', {});
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.type, 'index_not_found_exception');
    assert.equal(missing.body.error.reason, 'no such index [nope]');
    const none = await call(server(), 'POST', '/nope-*/_search', {});
    assert.equal(none.status, 200);
    assert.equal(none.body.hits.total.value, 0);
  });

  it('§6.3 track_total_hits caps at 10000 by default (relation gte) and false omits the total', async () => {
    const lines =
      Array.from({ length: 10001 }, (_, i) => `{"index":{"_index":"s2","_id":"${i}"}}\n{"n":${i}}`).join(
        '\n',
      ) + '\n';
    await call(server(), 'POST', '/_bulk?refresh=true', lines);
    const capped = await call(server(), 'POST', '/s2/_search', { size: 0 });
    assert.deepEqual(capped.body.hits.total, { value: 10000, relation: 'gte' });
    const exact = await call(server(), 'POST', '/s2/_search', { size: 0, track_total_hits: true });
    assert.deepEqual(exact.body.hits.total, { value: 10001, relation: 'eq' });
    const none = await call(server(), 'POST', '/s2/_search', { size: 0, track_total_hits: false });
    assert.equal(none.body.hits.total, undefined);
  });

  it('_count with and without a query; multi-index comma list and wildcard', async () => {
    const all = await call(server(), 'GET', '/s1/_count');
    assert.deepEqual(all.body, { count: 4, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });
    const some = await call(server(), 'POST', '/s1/_count', { query: { term: { eventName: 'GetObject' } } });
    assert.equal(some.body.count, 2);
    const multi = await call(server(), 'POST', '/s1,s2/_count', {});
    assert.equal(multi.body.count, 10005);
    const wildcard = await call(server(), 'POST', '/s*/_search', { size: 0 });
    assert.equal(wildcard.body._shards.total, 2);
  });

  it('terms aggregation on a keyword field; on a text field → 400', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', {
      size: 0,
      aggs: { names: { terms: { field: 'eventName', size: 2 } } },
    });
    assert.deepEqual(answer.body.aggregations.names, {
      doc_count_error_upper_bound: 0,
      sum_other_doc_count: 1,
      buckets: [
        { key: 'GetObject', doc_count: 2 },
        { key: 'DeleteBucket', doc_count: 1 },
      ],
    });
    const text = await call(server(), 'POST', '/s1/_search', {
      aggs: { m: { terms: { field: 'message' } } },
    });
    assert.equal(text.status, 400);
  });

  it('term with a non-numeric value on a long field → 400 query_shard_exception', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', { query: { term: { bytes: 'abc' } } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.root_cause[0].type, 'query_shard_exception');
    assert.equal(answer.body.error.root_cause[0].reason, 'failed to create query: For input string: "abc"');
  });

  it('documents are searchable only after a refresh (refresh_interval -1 = never by itself)', async () => {
    await call(server(), 'PUT', '/s3', { settings: { refresh_interval: '-1' } });
    await call(server(), 'POST', '/_bulk', '{"index":{"_index":"s3","_id":"1"}}\n{"a":1}\n');
    assert.equal((await call(server(), 'GET', '/s3/_count')).body.count, 0);
    assert.equal((await call(server(), 'GET', '/s3/_doc/1')).body.found, true, 'GET is realtime');
    await call(server(), 'POST', '/s3/_refresh');
    assert.equal((await call(server(), 'GET', '/s3/_count')).body.count, 1);
  });

  it('_source filtering with includes', async () => {
    const answer = await call(server(), 'POST', '/s1/_search', {
      query: { ids: { values: ['d0'] } },
      _source: ['eventName'],
    });
    assert.deepEqual(answer.body.hits.hits[0]._source, { eventName: 'GetObject' });
  });
});
