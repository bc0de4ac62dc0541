/**
 * Every investigator question, asked through the query module on the bundled samples indexed by the
 * real pipeline into the dev server, returns exactly the events the raw sample files say it must
 * (computed from the JSON, never from the product's documents), in time order.
 */
import { strict as assert } from 'node:assert';
import { clientHttp } from '../../src/http/request.js';
import { QueryService, type EventSource } from '../../src/query/queryService.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { startHarness, type Harness } from '../fieldmodel/helpers.js';
import { QUESTIONS } from './questions.js';
import { indexedSamples, keyOfEvent, type IndexedSample } from './samples.js';

async function collect(events: AsyncIterable<EventSource>): Promise<EventSource[]> {
  const out: EventSource[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('query: the investigator questions on the samples', function () {
  this.timeout(120_000);
  let h: Harness;
  let samples: IndexedSample[];
  let service: QueryService;

  before(async () => {
    h = await startHarness();
    samples = await indexedSamples();
    const totals = await h.index(SAMPLES_DIR);
    assert.equal(totals.indexed, samples.length);
    await h.client.indices.refresh({ index: 'cloudtrail-*' });
    // Small pages, so every question also pages through search_after.
    service = new QueryService(clientHttp(h.client), { indexPrefix: 'cloudtrail-', pageSize: 7 });
  });
  after(async () => h?.close());

  for (const { question, filters, wanted } of QUESTIONS) {
    it(`${question}: ${JSON.stringify(filters)}`, async () => {
      const events = await collect(service.events(filters));
      const expected = samples.filter(({ record }) => wanted(record)).map(({ key }) => key);
      assert.ok(expected.length > 0, 'the samples hold events for this question');
      assert.deepEqual(events.map(keyOfEvent).sort(), expected.sort());
      const times = events.map((event) => String(event['@timestamp']));
      assert.deepEqual(times, [...times].sort(), 'oldest first');
    });
  }

  it('which services appear: every event source with its count and first/last seen', async () => {
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
  });

  it('which principals appear: an assumed role counts all its sessions under the role ARN', async () => {
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
  });

  it('a date range reads only the daily indices it covers', () => {
    const { indices } = service.plan({ from: '2020-09-14', to: '2020-09-15' });
    assert.deepEqual(indices, ['cloudtrail-2020-09-14', 'cloudtrail-2020-09-15']);
  });
});
