/**
 * Every saved search's and visualization's query, compiled from its DQL the way Dashboards compiles it,
 * runs on the dev server over the bundled samples (plus a few events the samples lack) indexed by the
 * real pipeline, and returns exactly the events the raw files say it must. Each visualization's
 * aggregations run too, and their buckets count what the raw records hold.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSavedObjects } from '../../src/dashboards/export.js';
import { derivationInputOf, deriveFields } from '../../src/documents/derived.js';
import { eventOfHit } from '../../src/query/queryService.js';
import type { SavedObject } from '../../src/dashboards/savedObjects.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { http, search, startHarness, writeCloudTrailFile, type Harness } from '../fieldmodel/helpers.js';
import { at, indexedSamples, keyOfEvent, type IndexedSample } from '../query/samples.js';
import { dqlToDsl } from './dql.js';
import { extraRecords, WANTED } from './expected.js';

const OBJECTS = buildSavedObjects({ indexPrefix: 'cloudtrail-' });
const PATTERN = String(OBJECTS.find((object) => object.type === 'index-pattern')!.attributes.title);

const queried = OBJECTS.filter((object) => object.type === 'search' || object.type === 'visualization');
const keyOf = (object: SavedObject) => `${object.type}:${object.id.replace(/^.*-(search|vis)-/, '')}`;
const dqlOf = (object: SavedObject) =>
  (
    JSON.parse(
      (object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
    ) as {
      query: { query: string };
    }
  ).query.query;

interface TermsAgg {
  type: string;
  params: { field: string; size?: number };
}

describe('dashboards: every saved query on the dev server against the samples', function () {
  this.timeout(180_000);
  let h: Harness;
  let work: string;
  let events: IndexedSample[];

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-dashboards-'));
    const extraFile = await writeCloudTrailFile(
      join(
        work,
        'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T1000Z_extra.json.gz',
      ),
      extraRecords(),
    );
    const samples = await indexedSamples();
    events = [...samples, ...extraRecords().map((record, i) => ({ key: `${extraFile}#${i}`, record }))];
    const totals = await h.index(SAMPLES_DIR, extraFile);
    assert.equal(totals.indexed, events.length);
    await http(h.server, 'POST', `/${PATTERN}/_refresh`);
  });
  after(async () => {
    await h?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every saved search and visualization has an expected answer written from the raw records', () => {
    assert.deepEqual(queried.map(keyOf).sort(), Object.keys(WANTED).sort());
  });

  for (const object of queried) {
    it(`${keyOf(object)}: ${dqlOf(object) || '(every event)'}`, async () => {
      const hits = await search(h.server, PATTERN, dqlToDsl(dqlOf(object)));
      const wanted = WANTED[keyOf(object)]!;
      const expected = events.filter(({ record }) => wanted(record)).map(({ key }) => key);
      assert.ok(expected.length > 0, 'the indexed events hold something for this query to find');
      assert.deepEqual(hits.map((hit) => keyOfEvent(eventOfHit(hit))).sort(), expected.sort());
      if (object.type === 'visualization') await checkAggregations(object, expected);
    });
  }

  /**
   * Each aggregation of the visualization, run alone with its own parameters, counts what the raw
   * records say; a derived field (`ct.actor`, which the raw records lack, and which may not be in
   * `_source`) is counted from the same derivation the builders use, applied to the raw record.
   */
  async function checkAggregations(object: SavedObject, expectedKeys: string[]): Promise<void> {
    const visState = JSON.parse(String(object.attributes.visState)) as { aggs: TermsAgg[] };
    const records = events.filter(({ key }) => expectedKeys.includes(key)).map(({ record }) => record);
    const query = dqlToDsl(dqlOf(object));
    for (const agg of visState.aggs) {
      if (agg.type === 'count') continue;
      const request =
        agg.type === 'terms'
          ? { terms: { field: agg.params.field, size: agg.params.size, order: { _count: 'desc' } } }
          : { date_histogram: { field: agg.params.field, calendar_interval: '1d', min_doc_count: 1 } };
      const answer = await http(h.server, 'POST', `/${PATTERN}/_search`, {
        size: 0,
        query,
        aggs: { a: request },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const buckets = (
        answer.body as { aggregations: { a: { buckets: { key: unknown; doc_count: number }[] } } }
      ).aggregations.a.buckets;
      if (agg.type === 'date_histogram') {
        const total = buckets.reduce((sum, bucket) => sum + bucket.doc_count, 0);
        assert.equal(total, records.length, `${agg.params.field}: every event in one day bucket`);
        continue;
      }
      const counts = new Map<string, number>();
      const derivedName = agg.params.field.startsWith('ct.') ? agg.params.field.slice(3) : undefined;
      for (const record of records) {
        const value =
          derivedName === undefined
            ? at(record, agg.params.field)
            : (deriveFields(derivationInputOf(record)) as unknown as Record<string, unknown>)[derivedName];
        if (typeof value === 'string') counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      assert.equal(
        buckets.length,
        Math.min(agg.params.size ?? 10, counts.size),
        `${agg.params.field}: bucket count`,
      );
      for (const bucket of buckets)
        assert.equal(
          bucket.doc_count,
          counts.get(String(bucket.key)),
          `${agg.params.field}=${String(bucket.key)}`,
        );
    }
  }
});
