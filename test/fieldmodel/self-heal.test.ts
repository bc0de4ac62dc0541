/**
 * Issue 4, point 6: daily indices created beforehand by another tool reject our documents; the
 * pipeline heals what it can (counted as RecordsHealed) and dead-letters the rest with the reason.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplates } from '../../src/generator/generate.js';
import { recoverRecord } from '../../src/documents/recover.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import {
  DEAD_LETTER_INDEX,
  http,
  logPath,
  search,
  startHarness,
  writeCloudTrailFile,
  type Harness,
} from './helpers.js';

describe('field model: self-heal against indices made by another tool (dev server, real pipeline)', function () {
  this.timeout(30_000);
  let h: Harness;
  let work: string;

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-heal-'));
  });
  after(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('heals mapping conflicts, dead-letters what cannot be healed, and says why', async () => {
    // "Another tool" made daily indices before the template existed, with dynamic mappings of its own.
    const put = async (index: string, body: unknown) =>
      assert.equal((await http(h.server, 'PUT', `/${index}`, body)).status, 200);
    await put('cloudtrail-2024-01-01', {
      mappings: { dynamic: true, properties: { eventName: { type: 'long' } } },
    });
    await put('cloudtrail-2024-01-04', {
      mappings: { properties: { requestParameters: { properties: { policy: { type: 'text' } } } } },
    });
    await put('cloudtrail-2024-01-05', {
      mappings: { properties: { responseElements: { type: 'keyword' } } },
    });
    await put('cloudtrail-2024-01-02', {
      settings: { 'index.mapping.total_fields.limit': 10 },
      mappings: { dynamic: true },
    });
    await put('cloudtrail-2024-01-03', { mappings: { properties: { '@timestamp': { type: 'boolean' } } } });

    const [sample] = await loadTemplates(SAMPLES_DIR);
    const records = [
      { ...sample, eventID: 'heal-name', eventTime: '2024-01-01T01:00:00Z', eventName: 'CreateBucket' },
      {
        ...sample,
        eventID: 'heal-policy',
        eventTime: '2024-01-04T02:00:00Z',
        eventName: 'PutBucketPolicy',
        requestParameters: { bucketName: 'b1', policy: { Version: '2012-10-17', Statement: [] } },
      },
      {
        ...sample,
        eventID: 'heal-response',
        eventTime: '2024-01-05T01:00:00Z',
        responseElements: { ok: true },
      },
      { ...sample, eventID: 'dead-limit', eventTime: '2024-01-02T01:00:00Z' },
      { ...sample, eventID: 'dead-timestamp', eventTime: '2024-01-03T01:00:00Z' },
    ];
    await writeCloudTrailFile(logPath(work, '2024-01-01', 'HEAL000000000001'), records);
    const totals = await h.index(work);

    assert.equal(totals.read, 5);
    assert.equal(totals.indexed, 3, JSON.stringify(totals));
    assert.equal(totals.healed, 3);
    assert.equal(totals.counters.get('RecordsHealed'), 3);
    assert.equal(totals.deadLettered, 2);
    assert.equal(totals.counters.get('RecordsDeadLettered'), 2);
    assert.equal(totals.undelivered, 0);

    // Healed documents are searchable by what the index could take, tagged, and still recoverable.
    const healed = await search(h.server, 'cloudtrail-2*', {
      ids: { values: ['heal-name', 'heal-policy', 'heal-response'] },
    });
    assert.deepEqual(healed.map((hit) => hit._index).sort(), [
      'cloudtrail-2024-01-01',
      'cloudtrail-2024-01-04',
      'cloudtrail-2024-01-05',
    ]);
    for (const hit of healed) {
      assert.ok((hit._source.ct.tags as string[]).includes('healed'), hit._id);
      const original = records.find((r) => r.eventID === hit._id)!;
      assert.deepEqual(recoverRecord(JSON.stringify(hit._source)), original);
      const moved = {
        'heal-name': '/eventName',
        'heal-policy': '/requestParameters/policy',
        'heal-response': '/responseElements',
      };
      assert.deepEqual(Object.keys(JSON.parse(String(hit._source.ct.original)) as object), [
        moved[hit._id as keyof typeof moved],
      ]);
    }
    const byPair = await search(h.server, 'cloudtrail-2024-01-04', {
      term: { 'ct.pairs.keyword': 'requestParameters.bucketName=b1' },
    });
    // The other tool's dynamic mapping made ct.pairs text+keyword; the pair is still findable.
    assert.deepEqual(
      byPair.map((hit) => hit._id),
      ['heal-policy'],
    );

    // The rest is in the dead-letter index with the engine's reason.
    const dead = await search(h.server, DEAD_LETTER_INDEX, { match_all: {} });
    const reasons = Object.fromEntries(dead.map((hit) => [hit._source.id, String(hit._source.reason)]));
    assert.deepEqual(Object.keys(reasons).sort(), ['dead-limit', 'dead-timestamp']);
    assert.match(reasons['dead-limit']!, /Limit of total fields \[10\] has been exceeded/);
    assert.match(reasons['dead-timestamp']!, /@timestamp/);
    for (const hit of dead)
      assert.equal(hit._source.source, join(work, logPath('', '2024-01-01', 'HEAL000000000001')));
  });

  // OpenSearch reports only the first mapping error of a document, so a record that conflicts with two
  // fields of a foreign index needs two heal rounds (the sender allows MAX_HEAL_ROUNDS).
  it('heals a record that conflicts with two fields of a foreign index (needs one heal per round)', async () => {
    // The template is installed by now: the create-index request's mappings take precedence over it.
    const created = await http(h.server, 'PUT', '/cloudtrail-2024-01-07', {
      mappings: { properties: { eventName: { type: 'long' }, responseElements: { type: 'keyword' } } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const [sample] = await loadTemplates(SAMPLES_DIR);
    const dir = join(work, 'two');
    await writeCloudTrailFile(logPath(dir, '2024-01-07', 'HEAL000000000002'), [
      { ...sample, eventID: 'heal-two', eventTime: '2024-01-07T01:00:00Z', responseElements: { ok: true } },
    ]);
    const totals = await h.index(dir);
    assert.equal(totals.deadLettered, 0);
    assert.equal(totals.healed, 1);
  });
});
