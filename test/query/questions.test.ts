/**
 * Every investigator question, asked three ways on the bundled samples indexed by the real pipeline into
 * the dev server, returns exactly the events the raw sample files say it must (computed from the JSON,
 * never from the product's documents): the documented `activity` command line (parsed by the command's
 * own options, run through the query module), the query API call (over HTTP, following `next` pages),
 * and the DQL (as the equivalent query_string). The lists (`actors`/`services`, `/users`/`/services`)
 * are checked against the files too.
 */
import { strict as assert } from 'node:assert';
import { QueryApi } from '../../src/api/queryApi.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { clientHttp } from '../../src/http/request.js';
import { createClient } from '../../src/opensearch/client.js';
import { HIT_DOC_VALUE_FIELDS } from '../../src/template/mappings.js';
import { eventOfHit, QueryService, type EventHit, type EventSource } from '../../src/query/queryService.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { http, startHarness, type Harness } from '../fieldmodel/helpers.js';
import { apiEvents, filtersOfCli } from './clients.js';
import { luceneOf } from './dql.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';
import { QUESTIONS } from './questions.js';
import { indexedSamples, keyOfEvent, type IndexedSample } from './samples.js';

async function collect(events: AsyncIterable<EventSource>): Promise<EventSource[]> {
  const out: EventSource[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('query: the investigator questions on the samples, as CLI, API and DQL', function () {
  this.timeout(180_000);
  let h: Harness;
  let samples: IndexedSample[];
  let service: QueryService;
  let proxy: RecordingProxy;
  let api: ApiServer;
  let apiClient: ReturnType<typeof createClient>;

  before(async () => {
    h = await startHarness();
    samples = await indexedSamples();
    const totals = await h.index(SAMPLES_DIR);
    assert.equal(totals.indexed, samples.length);
    await h.client.indices.refresh({ index: 'cloudtrail-*' });
    // Small pages, so every question also pages through search_after.
    service = new QueryService(clientHttp(h.client), { indexPrefix: 'cloudtrail-', pageSize: 7 });
    proxy = await startRecordingProxy(h.server.url);
    apiClient = createClient({ endpoint: proxy.url });
    const apiService = new QueryService(clientHttp(apiClient), { indexPrefix: 'cloudtrail-' });
    api = await startApiServer(new QueryApi(apiService), 0, '127.0.0.1');
  });
  after(async () => {
    await api?.close();
    await apiClient?.close();
    await proxy?.close();
    await h?.close();
  });

  const expectedKeys = (wanted: (typeof QUESTIONS)[number]['wanted']) => {
    const keys = samples.filter(({ record }) => wanted(record)).map(({ key }) => key);
    assert.ok(keys.length > 0, 'the samples hold events for this question');
    return keys.sort();
  };

  for (const { question, cli, api: call, dql, wanted } of QUESTIONS) {
    describe(question, () => {
      it(`CLI: ${cli.join(' ')}`, async () => {
        const events = await collect(service.events(filtersOfCli(cli)));
        assert.deepEqual(events.map(keyOfEvent).sort(), expectedKeys(wanted));
        const times = events.map((event) => String(event['@timestamp']));
        assert.deepEqual(times, [...times].sort(), 'oldest first');
      });

      it(`API: GET ${call}`, async () => {
        const events = await apiEvents(api.url, call, 5);
        assert.deepEqual(events.map(keyOfEvent).sort(), expectedKeys(wanted));
        const times = events.map((event) => String(event['@timestamp']));
        assert.deepEqual(times, [...times].sort(), 'oldest first, across pages');
      });

      it(`DQL: ${dql}`, async () => {
        const query = { query_string: { query: luceneOf(dql) } };
        const body = { query, size: 10_000, docvalue_fields: HIT_DOC_VALUE_FIELDS };
        const answer = await http(h.server, 'POST', '/cloudtrail-*/_search', body);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const hits = (answer.body as { hits: { hits: EventHit[] } }).hits.hits;
        assert.deepEqual(hits.map((hit) => keyOfEvent(eventOfHit(hit))).sort(), expectedKeys(wanted));
      });
    });
  }

  describe('the lists, the ct.actor aggregation, the index plan and what the API sent', () => {
    it('which services appear: every event source with its count and first/last seen (CLI and GET /services)', async () => {
      const services = await service.services({});
      const expected = new Map<string, number>();
      for (const { record } of samples)
        if (typeof record.eventSource === 'string')
          expected.set(record.eventSource, (expected.get(record.eventSource) ?? 0) + 1);
      assert.deepEqual(new Map(services.map((entry) => [entry.name, entry.count])), expected);
      const s3 = services.find((entry) => entry.name === 's3.amazonaws.com')!;
      const s3Times = samples
        .filter(
          ({ record }) => record.eventSource === 's3.amazonaws.com' && typeof record.eventTime === 'string',
        )
        .map(({ record }) => Date.parse(String(record.eventTime)))
        .filter((ms) => !Number.isNaN(ms));
      assert.equal(s3.lastSeen, new Date(Math.max(...s3Times)).toISOString());
      const answer = (await (await fetch(`${api.url}/services`)).json()) as { services: unknown[] };
      assert.deepEqual(answer.services, services);
    });

    it('which principals appear: an assumed role counts all its sessions under the role ARN (CLI and GET /users)', async () => {
      const actors = await service.actors({});
      const role =
        'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
      const roleEvents = samples.filter(
        ({ record }) =>
          (
            record.userIdentity as
              { type?: string; sessionContext?: { sessionIssuer?: { arn?: string } } } | undefined
          )?.sessionContext?.sessionIssuer?.arn === role &&
          (record.userIdentity as { type?: string }).type === 'AssumedRole',
      ).length;
      const entry = actors.find((actor) => actor.name === role);
      assert.deepEqual(entry && { type: entry.actorType, count: entry.count }, {
        type: 'assumed-role',
        count: roleEvents,
      });
      const root = actors.filter((actor) => actor.actorType === 'root');
      assert.ok(root.length > 0 && root.every((actor) => actor.name.endsWith(':root')));
      assert.equal(
        actors.reduce((sum, actor) => sum + actor.count, 0),
        samples.length,
        'every event counted under exactly one actor',
      );
      const answer = (await (await fetch(`${api.url}/users`)).json()) as {
        users: unknown[];
        truncated: boolean;
      };
      assert.deepEqual(answer, { users: actors, truncated: false });
    });

    it('the ct.actor terms aggregation gives the same principals and counts as actors', async () => {
      const actors = await service.actors({});
      const answer = await http(h.server, 'POST', '/cloudtrail-*/_search', {
        size: 0,
        aggs: { actors: { terms: { field: 'ct.actor', size: 10_000 } } },
      });
      const buckets = (
        answer.body as { aggregations: { actors: { buckets: { key: string; doc_count: number }[] } } }
      ).aggregations.actors.buckets;
      assert.deepEqual(
        new Map(buckets.map((bucket) => [bucket.key, bucket.doc_count])),
        new Map(actors.map((actor) => [actor.name, actor.count])),
      );
    });

    it('a date range reads only the daily indices it covers', () => {
      const { indices } = service.plan({ from: '2020-09-14', to: '2020-09-15' });
      assert.deepEqual(indices, ['cloudtrail-2020-09-14', 'cloudtrail-2020-09-15']);
    });

    it('the query API only ever sent searches to the cluster', () => {
      assert.ok(proxy.sent.length > QUESTIONS.length);
      const other = proxy.sent.filter(
        (request) => !(request.method === 'POST' && /^\/[^/?]+\/_search(\?|$)/.test(request.path)),
      );
      assert.deepEqual(other, []);
    });
  });
});
