/**
 * Aggregations as OpenSearch answers them: the response shapes and cases of OpenSearch's REST
 * conformance suite (rest-api-spec/…/test/search.aggregation/<file>.yml) and its aggregation docs.
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server: aggregations', () => {
  const server = useServer();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- aggregation results are checked field by field
  async function aggs(index: string, aggregations: unknown, query?: unknown): Promise<Record<string, any>> {
    const answer = await call(server(), 'POST', `/${index}/_search`, { size: 0, query, aggs: aggregations });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.aggregations;
  }

  before(async () => {
    await call(server(), 'PUT', '/agg', {
      mappings: {
        properties: {
          str: { type: 'keyword' },
          ip: { type: 'ip' },
          integer: { type: 'long' },
          number: { type: 'long' },
          date: { type: 'date' },
          flag: { type: 'boolean' },
          text: { type: 'text' },
        },
      },
    });
    await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        { index: { _index: 'agg', _id: '1' } },
        {
          str: 'abc',
          ip: '::1',
          integer: 1234,
          number: 1,
          date: '2016-05-03T10:00:00Z',
          flag: true,
          text: 'a b',
        },
        { index: { _index: 'agg', _id: '2' } },
        { str: 'abc', ip: '127.0.0.1', integer: 5678, number: 3, date: '2014-09-01T00:00:00Z', flag: false },
        { index: { _index: 'agg', _id: '3' } },
        { str: 'bcd', ip: '::1', integer: 1234, number: 1, date: '2016-05-03T23:30:00Z', flag: true },
        { index: { _index: 'agg', _id: '4' } },
        { other: 'no values in the mapped fields' },
      ),
    );
  });

  describe('terms (search.aggregation/20_terms.yml)', () => {
    it('buckets by doc_count then key, with keys typed by the field (keyword, ip, long, date, boolean)', async () => {
      const result = await aggs('agg', {
        s: { terms: { field: 'str' } },
        i: { terms: { field: 'ip' } },
        n: { terms: { field: 'integer' } },
        d: { terms: { field: 'date' } },
        b: { terms: { field: 'flag' } },
      });
      assert.deepEqual(result.s, {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: 0,
        buckets: [
          { key: 'abc', doc_count: 2 },
          { key: 'bcd', doc_count: 1 },
        ],
      });
      assert.deepEqual(result.i.buckets, [
        { key: '::1', doc_count: 2 },
        { key: '127.0.0.1', doc_count: 1 },
      ]);
      assert.deepEqual(result.n.buckets, [
        { key: 1234, doc_count: 2 },
        { key: 5678, doc_count: 1 },
      ]);
      assert.deepEqual(result.d.buckets[0], {
        key: 1409529600000,
        key_as_string: '2014-09-01T00:00:00.000Z',
        doc_count: 1,
      });
      assert.deepEqual(result.b.buckets, [
        { key: 1, key_as_string: 'true', doc_count: 2 },
        { key: 0, key_as_string: 'false', doc_count: 1 },
      ]);
    });

    it('include and exclude as value lists; a regex on an ip field → 400', async () => {
      const result = await aggs('agg', {
        inc: { terms: { field: 'ip', include: ['127.0.0.1'] } },
        exc: { terms: { field: 'ip', exclude: ['127.0.0.1'] } },
        regex: { terms: { field: 'str', include: 'b.*' } },
      });
      assert.deepEqual(result.inc.buckets, [{ key: '127.0.0.1', doc_count: 1 }]);
      assert.deepEqual(result.exc.buckets, [{ key: '::1', doc_count: 2 }]);
      assert.deepEqual(result.regex.buckets, [{ key: 'bcd', doc_count: 1 }]);
      const refused = await call(server(), 'POST', '/agg/_search', {
        size: 0,
        aggs: { ip_terms: { terms: { field: 'ip', exclude: '127.*' } } },
      });
      assert.equal(refused.status, 400);
      assert.match(
        refused.body.error.reason,
        /^Aggregation \[ip_terms\] cannot support regular expression style include\/exclude/,
      );
    });

    it('partitioned include splits terms as OpenSearch hashes them: abc in partition 1, bcd in 0; 1234 in 1, 5678 in 0', async () => {
      const partition = async (field: string, p: number) =>
        (
          await aggs('agg', { t: { terms: { field, include: { partition: p, num_partitions: 2 } } } })
        ).t.buckets.map((b: { key: unknown }) => b.key);
      assert.deepEqual(await partition('str', 0), ['bcd']);
      assert.deepEqual(await partition('str', 1), ['abc']);
      assert.deepEqual(await partition('integer', 0), [5678]);
      assert.deepEqual(await partition('integer', 1), [1234]);
    });

    it('missing gives documents without a value a bucket; on an unmapped field with value_type', async () => {
      const result = await aggs('agg', {
        m: { terms: { field: 'str', missing: 'none' } },
        u: { terms: { field: 'unmapped_string', value_type: 'string', missing: 'abc' } },
        d: { terms: { field: 'unmapped_date', value_type: 'date', missing: '2016-05-11' } },
      });
      assert.deepEqual(result.m.buckets, [
        { key: 'abc', doc_count: 2 },
        { key: 'bcd', doc_count: 1 },
        { key: 'none', doc_count: 1 },
      ]);
      assert.deepEqual(result.u.buckets, [{ key: 'abc', doc_count: 4 }]);
      assert.deepEqual(result.d.buckets, [
        { key: 1462924800000, key_as_string: '2016-05-11T00:00:00.000Z', doc_count: 4 },
      ]);
    });

    it('order by _key, size with sum_other_doc_count, order by a sub-aggregation, min_doc_count 0', async () => {
      const result = await aggs('agg', {
        byKey: { terms: { field: 'str', order: { _key: 'desc' } } },
        top1: { terms: { field: 'str', size: 1 } },
        bySub: {
          terms: { field: 'str', order: { max_number: 'desc' } },
          aggs: { max_number: { max: { field: 'number' } } },
        },
      });
      assert.deepEqual(
        result.byKey.buckets.map((b: { key: string }) => b.key),
        ['bcd', 'abc'],
      );
      assert.equal(result.top1.sum_other_doc_count, 1);
      assert.deepEqual(result.bySub.buckets[0], { key: 'abc', doc_count: 2, max_number: { value: 3 } });
      const zero = await aggs(
        'agg',
        { t: { terms: { field: 'str', min_doc_count: 0 } } },
        { term: { str: 'abc' } },
      );
      assert.deepEqual(zero.t.buckets, [
        { key: 'abc', doc_count: 2 },
        { key: 'bcd', doc_count: 0 },
      ]);
    });

    it('on a text field → 400 (fielddata disabled); without a field → "Required one of fields [field, script]"', async () => {
      const text = await call(server(), 'POST', '/agg/_search', {
        size: 0,
        aggs: { t: { terms: { field: 'text' } } },
      });
      assert.equal(text.status, 400);
      assert.equal(text.body.error.root_cause[0].type, 'illegal_argument_exception');
      const noField = await call(server(), 'POST', '/agg/_search', {
        size: 0,
        aggs: { t: { terms: { size: 1 } } },
      });
      assert.equal(noField.status, 400);
      assert.match(
        noField.body.error.reason,
        /^Required one of fields \[field, script\], but none were specified/,
      );
    });
  });

  describe('cardinality (search.aggregation/170_cardinality_metric.yml)', () => {
    it('counts distinct values; missing counts as a value; an unmapped field without missing is 0; meta is echoed', async () => {
      const result = await aggs('agg', {
        distinct_int: { cardinality: { field: 'integer', precision_threshold: 100 } },
        distinct_str: { cardinality: { field: 'str' } },
        with_missing: { cardinality: { field: 'missing_field', missing: 'foo' } },
        without_missing: { cardinality: { field: 'missing_field' } },
        with_meta: { meta: { foo: 'bar' }, cardinality: { field: 'integer' } },
      });
      assert.equal(result.distinct_int.value, 2);
      assert.equal(result.distinct_str.value, 2);
      assert.equal(result.with_missing.value, 1);
      assert.equal(result.without_missing.value, 0);
      assert.deepEqual(result.with_meta, { meta: { foo: 'bar' }, value: 2 });
    });

    it('precision_threshold: -1 → 400 with "[precisionThreshold] must be greater than or equal to 0. Found [-1] in [distinct_int]"', async () => {
      const answer = await call(server(), 'POST', '/agg/_search', {
        aggs: { distinct_int: { cardinality: { field: 'integer', precision_threshold: -1 } } },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'x_content_parse_exception');
      assert.equal(
        answer.body.error.caused_by.reason,
        '[precisionThreshold] must be greater than or equal to 0. Found [-1] in [distinct_int]',
      );
    });
  });

  describe('date_histogram (search.aggregation/360_date_histogram.yml, date histogram docs)', () => {
    before(async () => {
      const dates = [
        '2024-10-31T10:00:00Z',
        '2024-11-11T23:30:00Z',
        '2024-11-28T12:00:00Z',
        '2024-12-25T00:00:00Z',
        '2025-02-14T00:00:00Z',
      ];
      await call(server(), 'PUT', '/hist', { mappings: { properties: { date: { type: 'date' } } } });
      await call(
        server(),
        'POST',
        '/_bulk?refresh=true',
        ndjson(...dates.flatMap((date, i) => [{ index: { _index: 'hist', _id: String(i) } }, { date }])),
      );
    });

    it('calendar_interval month: keys at month starts, empty months filled (min_doc_count 0 by default)', async () => {
      const result = await aggs('hist', {
        m: { date_histogram: { field: 'date', calendar_interval: 'month' } },
      });
      assert.deepEqual(
        result.m.buckets.map((b: { key_as_string: string; doc_count: number }) => [
          b.key_as_string,
          b.doc_count,
        ]),
        [
          ['2024-10-01T00:00:00.000Z', 1],
          ['2024-11-01T00:00:00.000Z', 2],
          ['2024-12-01T00:00:00.000Z', 1],
          ['2025-01-01T00:00:00.000Z', 0],
          ['2025-02-01T00:00:00.000Z', 1],
        ],
      );
      assert.equal(result.m.buckets[0].key, Date.parse('2024-10-01T00:00:00Z'));
      const nonEmpty = await aggs('hist', {
        m: { date_histogram: { field: 'date', calendar_interval: '1M', min_doc_count: 1 } },
      });
      assert.equal(nonEmpty.m.buckets.length, 4);
    });

    it('fixed_interval and time_zone: days counted from the zone’s midnight, keys printed with the offset', async () => {
      const result = await aggs('hist', {
        d: { date_histogram: { field: 'date', fixed_interval: '1d', time_zone: '+01:00', min_doc_count: 1 } },
      });
      const second = result.d.buckets[1];
      assert.equal(second.key_as_string, '2024-11-12T00:00:00.000+01:00');
      assert.equal(second.key, Date.parse('2024-11-11T23:00:00Z'));
      const paris = await aggs('hist', {
        w: {
          date_histogram: {
            field: 'date',
            calendar_interval: 'week',
            time_zone: 'Europe/Paris',
            min_doc_count: 1,
          },
        },
      });
      assert.equal(paris.w.buckets[0].key_as_string, '2024-10-28T00:00:00.000+01:00');
    });

    it('extended_bounds adds empty buckets around the data; format shapes key_as_string', async () => {
      const result = await aggs(
        'hist',
        {
          y: {
            date_histogram: {
              field: 'date',
              calendar_interval: 'year',
              format: 'yyyy',
              extended_bounds: { min: '2022-01-01', max: '2026-01-01' },
            },
          },
        },
        { range: { date: { lt: '2025-01-01' } } },
      );
      assert.deepEqual(
        result.y.buckets.map((b: { key_as_string: string; doc_count: number }) => [
          b.key_as_string,
          b.doc_count,
        ]),
        [
          ['2022', 0],
          ['2023', 0],
          ['2024', 4],
          ['2025', 0],
          ['2026', 0],
        ],
      );
    });

    it('an interval that is not a calendar unit → 400 "The supplied interval [2d] could not be parsed as a calendar interval."', async () => {
      const answer = await call(server(), 'POST', '/hist/_search', {
        size: 0,
        aggs: { x: { date_histogram: { field: 'date', calendar_interval: '2d' } } },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'x_content_parse_exception');
      assert.equal(
        answer.body.error.caused_by.reason,
        'The supplied interval [2d] could not be parsed as a calendar interval.',
      );
      const both = await call(server(), 'POST', '/hist/_search', {
        size: 0,
        aggs: { x: { date_histogram: { field: 'date', calendar_interval: 'day', fixed_interval: '1d' } } },
      });
      assert.equal(
        both.body.error.caused_by.reason,
        'Cannot use [fixed_interval] with [calendar_interval] configuration option.',
      );
    });
  });

  describe('top_hits, filters and composite', () => {
    it('top_hits gives each bucket its best documents, sorted, with the total (top_hits docs)', async () => {
      const result = await aggs('agg', {
        by: {
          terms: { field: 'str' },
          aggs: { latest: { top_hits: { size: 1, sort: [{ date: 'desc' }], _source: ['str', 'date'] } } },
        },
      });
      const abc = result.by.buckets[0].latest.hits;
      assert.deepEqual(abc.total, { value: 2, relation: 'eq' });
      assert.equal(abc.max_score, null);
      assert.equal(abc.hits.length, 1);
      assert.equal(abc.hits[0]._id, '1');
      assert.deepEqual(abc.hits[0]._source, { str: 'abc', date: '2016-05-03T10:00:00Z' });
      assert.deepEqual(abc.hits[0].sort, [1462269600000]);
    });

    it('filters: named buckets, other_bucket, and anonymous buckets as an array (filters docs)', async () => {
      const named = await aggs('agg', {
        f: {
          filters: {
            other_bucket_key: 'rest',
            filters: { abc: { term: { str: 'abc' } }, v6: { term: { ip: '::1' } } },
          },
          aggs: { n: { sum: { field: 'number' } } },
        },
      });
      assert.deepEqual(named.f.buckets, {
        abc: { doc_count: 2, n: { value: 4 } },
        v6: { doc_count: 2, n: { value: 2 } },
        rest: { doc_count: 1, n: { value: 0 } },
      });
      const anonymous = await aggs('agg', {
        f: { filters: { filters: [{ term: { str: 'bcd' } }, { match_all: {} }] } },
      });
      assert.deepEqual(anonymous.f.buckets, [{ doc_count: 1 }, { doc_count: 4 }]);
    });

    it('composite pages through every combination with after / after_key (composite docs, 230_composite.yml)', async () => {
      const body = (after?: unknown) => ({
        c: {
          composite: {
            size: 2,
            sources: [
              { s: { terms: { field: 'str' } } },
              { n: { terms: { field: 'integer', order: 'desc' } } },
            ],
            ...(after ? { after } : {}),
          },
        },
      });
      const first = await aggs('agg', body());
      assert.deepEqual(first.c.buckets, [
        { key: { s: 'abc', n: 5678 }, doc_count: 1 },
        { key: { s: 'abc', n: 1234 }, doc_count: 1 },
      ]);
      assert.deepEqual(first.c.after_key, { s: 'abc', n: 1234 });
      const second = await aggs('agg', body(first.c.after_key));
      assert.deepEqual(second.c.buckets, [{ key: { s: 'bcd', n: 1234 }, doc_count: 1 }]);
      const done = await aggs('agg', body(second.c.after_key));
      assert.deepEqual(done.c, { buckets: [] });
      const missing = await aggs('agg', {
        c: { composite: { sources: [{ s: { terms: { field: 'str', missing_bucket: true } } }] } },
      });
      assert.deepEqual(missing.c.buckets[0], { key: { s: null }, doc_count: 1 });
    });

    it('aggregation types this server does not implement are refused by name', async () => {
      const answer = await call(server(), 'POST', '/agg/_search', {
        size: 0,
        aggs: { p: { percentiles: { field: 'number' } } },
      });
      assert.equal(answer.status, 400);
      assert.equal(
        answer.body.error.reason,
        'the dev server does not implement the [percentiles] aggregation',
      );
    });
  });
});
