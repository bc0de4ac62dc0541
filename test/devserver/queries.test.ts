/**
 * The queries OpenSearch Dashboards and the coming activity queries send: query_string as DQL compiles
 * wildcard values to, multi_match (free text), range with date math, search_after paging with sort,
 * post_filter and friends. Expectations follow OpenSearch's query DSL documentation and its REST
 * conformance tests (search/90_search_after.yml, search/50_multi_match.yml).
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server: queries for activity searches and Dashboards', () => {
  const server = useServer();
  const day = 86_400_000;
  const now = Date.now();

  before(async () => {
    await call(server(), 'PUT', '/q', {
      mappings: {
        properties: {
          eventName: { type: 'keyword' },
          errorCode: { type: 'keyword' },
          errorMessage: { type: 'text', fields: { keyword: { type: 'keyword' } } },
          '@timestamp': { type: 'date' },
          count: { type: 'long' },
          sourceIPAddress: { type: 'ip' },
        },
      },
    });
    const docs = [
      {
        eventName: 'GetObject',
        errorMessage: 'Access Denied for object',
        errorCode: 'AccessDenied',
        count: 5,
        sourceIPAddress: '10.0.0.1',
      },
      {
        eventName: 'PutObject',
        errorMessage: 'Slow down please',
        errorCode: 'SlowDown',
        count: 7,
        sourceIPAddress: '10.0.0.2',
      },
      {
        eventName: 'RunInstances',
        errorCode: 'Client.UnauthorizedOperation',
        count: 1,
        sourceIPAddress: '192.0.2.1',
      },
      { eventName: 'DescribeInstances', count: 3, sourceIPAddress: '192.0.2.9' },
      { eventName: 'GetObject', count: 9 },
    ];
    await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        ...docs.flatMap((doc, i) => [
          { index: { _index: 'q', _id: `d${i}` } },
          { ...doc, '@timestamp': new Date(now - i * 3 * day).toISOString() },
        ]),
      ),
    );
  });

  async function ids(body: Record<string, unknown>): Promise<string[]> {
    const answer = await call(server(), 'POST', '/q/_search', { size: 100, ...body });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.hits.hits.map((hit: { _id: string }) => hit._id).sort();
  }

  describe('query_string (query_string docs; what DQL sends for wildcards)', () => {
    it('a wildcard on a keyword field is case-sensitive; on a text field it is lower-cased like the analyzer', async () => {
      assert.deepEqual(
        await ids({ query: { query_string: { fields: ['errorCode'], query: '*UnauthorizedOperation' } } }),
        ['d2'],
      );
      assert.deepEqual(
        await ids({ query: { query_string: { fields: ['errorCode'], query: '*unauthorizedoperation' } } }),
        [],
      );
      assert.deepEqual(await ids({ query: { query_string: { fields: ['errorMessage'], query: 'Acc*' } } }), [
        'd0',
      ]);
    });

    it('field:value, AND/OR/NOT, grouping, phrases, ranges, _exists_ and field:*', async () => {
      assert.deepEqual(
        await ids({ query: { query_string: { query: 'eventName:GetObject AND NOT count:9' } } }),
        ['d0'],
      );
      assert.deepEqual(
        await ids({ query: { query_string: { query: 'eventName:(PutObject OR RunInstances)' } } }),
        ['d1', 'd2'],
      );
      assert.deepEqual(await ids({ query: { query_string: { query: 'errorMessage:"access denied"' } } }), [
        'd0',
      ]);
      assert.deepEqual(await ids({ query: { query_string: { query: 'count:[3 TO 7]' } } }), [
        'd0',
        'd1',
        'd3',
      ]);
      assert.deepEqual(await ids({ query: { query_string: { query: 'count:>=7' } } }), ['d1', 'd4']);
      assert.deepEqual(await ids({ query: { query_string: { query: '_exists_:errorMessage' } } }), [
        'd0',
        'd1',
      ]);
      assert.deepEqual(await ids({ query: { query_string: { query: 'errorCode:*' } } }), ['d0', 'd1', 'd2']);
      assert.deepEqual(
        await ids({ query: { query_string: { query: '+eventName:GetObject -_exists_:errorCode' } } }),
        ['d4'],
      );
    });

    it('terms without a field search every field (index.query.default_field *), leniently', async () => {
      assert.deepEqual(await ids({ query: { query_string: { query: 'slow' } } }), ['d1']);
      assert.deepEqual(await ids({ query: { query_string: { query: 'DescribeInstances' } } }), ['d3']);
    });

    it('default_operator AND; fuzzy terms are refused rather than answered exactly', async () => {
      assert.deepEqual(
        await ids({
          query: {
            query_string: { default_field: 'errorMessage', query: 'access object', default_operator: 'AND' },
          },
        }),
        ['d0'],
      );
      const fuzzy = await call(server(), 'POST', '/q/_search', {
        query: { query_string: { query: 'slwo~' } },
      });
      assert.equal(fuzzy.status, 400);
      assert.match(fuzzy.body.error.reason, /does not implement fuzzy terms/);
    });
  });

  it('multi_match best_fields and phrase, lenient on numeric fields (search/50_multi_match.yml; what DQL sends for free text)', async () => {
    assert.deepEqual(
      await ids({
        query: { multi_match: { query: 'denied', fields: ['errorMessage', 'eventName'], lenient: true } },
      }),
      ['d0'],
    );
    assert.deepEqual(
      await ids({ query: { multi_match: { query: 'slow down', type: 'phrase', lenient: true } } }),
      ['d1'],
    );
    const strict = await call(server(), 'POST', '/q/_search', {
      query: { multi_match: { query: 'abc', fields: ['count'] } },
    });
    assert.equal(strict.status, 400, 'a value a numeric field cannot parse is an error unless lenient');
  });

  it('date math rounding: gte now-7d/d starts at that day’s midnight, lte now-9d/d ends at that day’s last millisecond', async () => {
    const midnight = Math.floor(Date.now() / day) * day;
    const firstOfDay = new Date(midnight - 7 * day + 1).toISOString();
    const lastOfDay = new Date(midnight - 8 * day - 1).toISOString();
    await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        { index: { _index: 'dm', _id: 'first' } },
        { '@timestamp': firstOfDay },
        { index: { _index: 'dm', _id: 'last' } },
        { '@timestamp': lastOfDay },
      ),
    );
    const found = async (range: unknown) =>
      (
        await call(server(), 'POST', '/dm/_search', { query: { range: { '@timestamp': range } } })
      ).body.hits.hits.map((hit: { _id: string }) => hit._id);
    assert.deepEqual(await found({ gte: 'now-7d/d' }), ['first']);
    assert.deepEqual(await found({ lte: 'now-9d/d' }), ['last']);
  });

  it('range on @timestamp with date math: now-7d/d rounds down to the day, lte rounds up (range query docs)', async () => {
    assert.deepEqual(await ids({ query: { range: { '@timestamp': { gte: 'now-7d/d' } } } }), [
      'd0',
      'd1',
      'd2',
    ]);
    assert.deepEqual(await ids({ query: { range: { '@timestamp': { lte: 'now-9d/d' } } } }), ['d3', 'd4']);
    assert.deepEqual(
      await ids({
        query: { range: { '@timestamp': { gte: 'now-4d', lt: 'now', format: 'strict_date_optional_time' } } },
      }),
      ['d0', 'd1'],
    );
  });

  describe('search_after with sort (search/90_search_after.yml)', () => {
    it('pages through every document in sort order, each page after the last sort values', async () => {
      const seen: string[] = [];
      let after: unknown[] | undefined;
      for (let page = 0; page < 5; page++) {
        const answer = await call(server(), 'POST', '/q/_search', {
          size: 2,
          sort: [{ count: 'desc' }, { eventName: 'asc' }],
          ...(after ? { search_after: after } : {}),
        });
        assert.equal(answer.status, 200, answer.text);
        const hits = answer.body.hits.hits as { _id: string; sort: unknown[] }[];
        if (hits.length === 0) break;
        seen.push(...hits.map((hit) => hit._id));
        after = hits[hits.length - 1]!.sort;
      }
      assert.deepEqual(seen, ['d4', 'd1', 'd0', 'd3', 'd2']);
    });

    it('a search_after of the wrong length and a non-zero from are refused with OpenSearch’s messages', async () => {
      const wrong = await call(server(), 'POST', '/q/_search', {
        sort: [{ count: 'asc' }],
        search_after: [1, 'a'],
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.root_cause[0].reason, 'search_after has 2 value(s) but sort has 1.');
      const from = await call(server(), 'POST', '/q/_search', {
        from: 1,
        sort: [{ count: 'asc' }],
        search_after: [1],
      });
      assert.equal(from.status, 400);
      assert.equal(
        from.body.error.reason,
        'Validation Failed: 1: `from` parameter must be set to 0 when `search_after` is used.;',
      );
    });
  });

  it('post_filter narrows the hits but not the aggregations; min_score drops low scores', async () => {
    const answer = await call(server(), 'POST', '/q/_search', {
      query: { match_all: {} },
      post_filter: { term: { eventName: 'GetObject' } },
      aggs: { names: { terms: { field: 'eventName' } } },
    });
    assert.equal(answer.body.hits.total.value, 2);
    assert.equal(answer.body.aggregations.names.buckets.length, 4);
    assert.deepEqual(
      await ids({
        query: { bool: { should: [{ term: { eventName: 'GetObject' } }, { term: { count: 9 } }] } },
        min_score: 2,
      }),
      ['d4'],
    );
  });

  it('docvalue_fields adds `fields` with dates in the requested format', async () => {
    const answer = await call(server(), 'POST', '/q/_search', {
      query: { ids: { values: ['d0'] } },
      docvalue_fields: [{ field: '@timestamp', format: 'epoch_millis' }, 'eventName'],
    });
    const fields = answer.body.hits.hits[0].fields;
    assert.deepEqual(fields.eventName, ['GetObject']);
    assert.equal(fields['@timestamp'].length, 1);
    assert.match(fields['@timestamp'][0], /^\d+$/);
  });

  it('search features this server does not implement are refused by name, not ignored', async () => {
    for (const key of ['highlight', 'collapse', 'suggest', 'rescore']) {
      const answer = await call(server(), 'POST', '/q/_search', { [key]: {} });
      assert.equal(answer.status, 400, key);
      assert.equal(answer.body.error.reason, `the dev server does not implement [${key}] in search requests`);
    }
    const fuzzy = await call(server(), 'POST', '/q/_search', { query: { fuzzy: { eventName: 'GetObjct' } } });
    assert.equal(fuzzy.body.error.reason, 'the dev server does not implement the [fuzzy] query');
    const unknown = await call(server(), 'POST', '/q/_search', { query: { nonsense: {} } });
    assert.equal(unknown.body.error.reason, 'unknown query [nonsense]');
  });
});
