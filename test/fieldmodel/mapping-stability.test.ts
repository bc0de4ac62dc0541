/**
 * Issue 4, points 1–3, against the dev server over HTTP through the real pipeline: the mapping of a
 * daily index is the template's and never grows with data, whatever paths and types the records hold,
 * and a 100 KB value neither rejects a document nor hides it from queries on its other fields.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCloudTrail, loadTemplates } from '../../src/generator/generate.js';
import { seededRandom } from '../../src/util/random.js';
import { countMappedFields, indexTemplate } from '../../src/template/template.js';
import { SAMPLES_DIR, sampleRecordCount } from '../helpers/samples.js';
import {
  dailyIndices,
  fieldCount,
  http,
  idsOf,
  logPath,
  mappingOf,
  PREFIX,
  search,
  startHarness,
  writeCloudTrailFile,
  type Harness,
} from './helpers.js';

const TEMPLATE_MAPPINGS = (indexTemplate({ indexPrefix: PREFIX }).body.template as { mappings: object })
  .mappings as Record<string, unknown>;
const TEMPLATE_FIELDS = countMappedFields(TEMPLATE_MAPPINGS);

describe('field model: the mapping never grows with data (dev server, real pipeline)', function () {
  this.timeout(60_000);
  let h: Harness;
  let work: string;

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-fieldmodel-'));
  });
  after(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await http(h.server, 'DELETE', '/cloudtrail-*');
  });

  it('every sample event re-timed into one UTC day lands in one index, nothing rejected, < 300 fields', async () => {
    // Each sample record exactly once (fresh eventID, a time inside 2024-03-10)…
    const sampleCount = sampleRecordCount();
    const templates = await loadTemplates(SAMPLES_DIR);
    assert.equal(templates.length, sampleCount);
    const dayStart = Date.UTC(2024, 2, 10);
    // Whole seconds, spread so that however many samples there are they stay inside the day.
    const spacingMs = Math.floor(86_400 / (sampleCount + 1)) * 1000;
    const retimed = templates.map((record, i) => ({
      ...record,
      eventID: `one-day-${i}`,
      eventTime: new Date(dayStart + i * spacingMs).toISOString().replace('.000Z', 'Z'),
    }));
    await writeCloudTrailFile(logPath(join(work, 'one-day'), '2024-03-10', 'ALLSAMPLES000001'), retimed);
    // …plus as many again drawn at random from them by the generator, in the same day.
    const generated = await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: join(work, 'one-day'),
      records: sampleCount,
      perFile: 400,
      seed: 'one-day',
      days: 0.95,
      start: '2024-03-10T00:30:00Z',
    });

    const totals = await h.index(join(work, 'one-day'));
    assert.equal(totals.read, sampleCount + generated.records);
    assert.equal(totals.indexed, totals.read, JSON.stringify(totals.failures));
    assert.equal(totals.deadLettered, 0);
    assert.equal(totals.undelivered, 0);
    assert.deepEqual(dailyIndices(h.server), ['cloudtrail-2024-03-10']);
    assert.equal(h.server.documentCount('cloudtrail-2024-03-10'), totals.read);
    assert.equal(h.server.documentCount('cloudtrail-deadletter'), 0);

    const fields = await fieldCount(h.server, 'cloudtrail-2024-03-10');
    assert.ok(fields < 300, `${fields} mapped fields`);
    assert.equal(fields, TEMPLATE_FIELDS);
    // With dynamic mapping the same records would need ~1,800 fields; each one is still searchable.
    const some = await search(h.server, 'cloudtrail-2024-03-10', {
      terms: { eventID: ['one-day-0', 'one-day-600', `one-day-${sampleCount - 1}`] },
    });
    assert.deepEqual(idsOf(some).sort(), ['one-day-0', 'one-day-600', `one-day-${sampleCount - 1}`].sort());
  });

  it('the original sample files (many days) give indices whose mappings are all the template’s', async () => {
    const totals = await h.index(SAMPLES_DIR);
    assert.equal(totals.read, sampleRecordCount());
    assert.equal(totals.deadLettered, 0);
    assert.equal(totals.undelivered, 0);
    assert.equal(totals.indexed + totals.duplicates, totals.read); // the corpus repeats some eventIDs
    const indices = dailyIndices(h.server);
    assert.ok(indices.length > 100, `${indices.length} daily indices`);
    // GET _mapping renders `dynamic: false` as the string "false", as OpenSearch does.
    const expected = { ...TEMPLATE_MAPPINGS, dynamic: 'false' };
    for (const index of indices) {
      const mapping = await mappingOf(h.server, index);
      assert.equal(countMappedFields(mapping), TEMPLATE_FIELDS, index);
      assert.deepEqual(mapping, expected, index);
    }
  });

  it('5,000 random new paths of conflicting types add no field and reject nothing', async () => {
    const day = '2024-04-02';
    const index = `${PREFIX}${day}`;
    const base = (await loadTemplates(SAMPLES_DIR)).slice(0, 50);
    const random = seededRandom('stress');
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const word = () => Math.floor(random() * 36 ** 6).toString(36);
    const roots = ['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails', ''];
    const paths = Array.from({ length: 5000 }, (_, i) => {
      const root = pick(roots);
      const depth = 1 + Math.floor(random() * 4);
      const segments = Array.from(
        { length: depth },
        (_, d) => (d === 0 && root === '' ? `new_${i}_` : '') + word(),
      );
      return root === '' ? segments : [root, ...segments];
    });
    const scalar = (): unknown =>
      pick([
        () => word(),
        () => Math.floor(random() * 1e6),
        () => random() * 1e3,
        () => random() < 0.5,
        () => null,
      ])();
    const anyValue = (depth: number): unknown => {
      switch (Math.floor(random() * (depth > 2 ? 5 : 7))) {
        case 0:
          return word();
        case 1:
          return Math.floor(random() * 1e9) - 5e8;
        case 2:
          return random() < 0.5;
        case 3:
          return null;
        case 4:
          return `2024-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`; // date-looking
        case 5:
          return { [word()]: anyValue(depth + 1), [word()]: scalar() };
        default:
          return [scalar(), anyValue(depth + 1), scalar()];
      }
    };
    const setPath = (record: Record<string, unknown>, segments: string[], value: unknown) => {
      let node = record;
      for (const segment of segments.slice(0, -1)) {
        const next = node[segment];
        if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
        node = node[segment] as Record<string, unknown>;
      }
      node[segments[segments.length - 1]!] = value;
    };

    // Every path is used by three records, each time with an independently drawn type.
    const records: Record<string, unknown>[] = [];
    const probes: { id: string; pair: string }[] = [];
    for (let r = 0; r < 3000; r++) {
      const record: Record<string, unknown> = structuredClone(pick(base));
      record.eventID = `stress-${r}`;
      record.eventTime = `${day}T${String(Math.floor(r / 150)).padStart(2, '0')}:00:00Z`;
      for (const key of [
        'requestParameters',
        'responseElements',
        'additionalEventData',
        'serviceEventDetails',
      ]) {
        if (typeof record[key] !== 'object' || record[key] === null) record[key] = {};
      }
      for (let k = 0; k < 5; k++) {
        const segments = paths[(r * 5 + k) % paths.length]!;
        const value = anyValue(0);
        setPath(record, segments, value);
        if (typeof value === 'string' && probes.length < 40) {
          probes.push({ id: record.eventID as string, pair: `${segments.join('.')}=${value}` });
        }
      }
      records.push(record);
    }
    // A baseline day file, then the stress file into the same index.
    await writeCloudTrailFile(logPath(join(work, 'stress-base'), day, 'BASELINE00000001'), [
      { ...base[0], eventID: 'stress-baseline', eventTime: `${day}T00:00:00Z` },
    ]);
    assert.equal((await h.index(join(work, 'stress-base'))).indexed, 1);
    const before = await mappingOf(h.server, index);

    await writeCloudTrailFile(logPath(join(work, 'stress'), day, 'STRESS0000000001'), records);
    const totals = await h.index(join(work, 'stress'));
    assert.equal(totals.read, 3000);
    assert.equal(totals.indexed, totals.read, JSON.stringify(totals.failures));
    assert.equal(totals.deadLettered, 0);
    assert.equal(h.server.documentCount(`${PREFIX}deadletter`), 0);

    const after = await mappingOf(h.server, index);
    assert.deepEqual(after, before);
    assert.equal(countMappedFields(after), TEMPLATE_FIELDS);
    assert.deepEqual(dailyIndices(h.server), [index]);

    // The random values are data, not mappings: each is found through its path=value pair.
    assert.ok(probes.length >= 20);
    for (const probe of probes.slice(0, 20)) {
      const hits = await search(h.server, index, { term: { 'ct.pairs': probe.pair } });
      assert.ok(idsOf(hits).includes(probe.id), `${probe.pair} finds ${probe.id}`);
    }
  });

  it('a record with 100 KB values is indexed and found by its other fields', async () => {
    const day = '2024-05-05';
    const index = `${PREFIX}${day}`;
    const [sample] = await loadTemplates(SAMPLES_DIR);
    const big = (seed: string) => seed.repeat(Math.ceil(102_400 / seed.length)).slice(0, 102_400);
    const record = {
      ...sample,
      eventID: 'big-values-1',
      eventTime: `${day}T12:00:00Z`,
      eventName: 'PutBucketPolicy',
      eventSource: 's3.amazonaws.com',
      userAgent: big('Mozilla/5.0 '),
      errorMessage: big('denied-€-'), // multi-byte: well over 100 KB in UTF-8
      requestParameters: {
        bucketName: 'huge-policy-bucket',
        policyDocument: big('{"Statement":[{"Effect":"Allow"}]}'),
        unicodeBlob: '😀'.repeat(20_000), // 80 KB of 4-byte characters
      },
    };
    await writeCloudTrailFile(logPath(join(work, 'big'), day, 'BIGVALUES0000001'), [record]);
    const totals = await h.index(join(work, 'big'));
    assert.equal(totals.indexed, 1, JSON.stringify(totals));
    assert.equal(totals.deadLettered, 0);

    for (const query of [
      { term: { eventName: 'PutBucketPolicy' } },
      { term: { eventID: 'big-values-1' } },
      { term: { 'ct.pairs': 'requestParameters.bucketName=huge-policy-bucket' } },
      // The pair of a long value holds its first 1,024 bytes: a prefix query on them finds it.
      {
        prefix: {
          'ct.pairs': 'requestParameters.policyDocument={"Statement":[{"Effect":"Allow"}]}{"Statement"',
        },
      },
      { match: { errorMessage: 'denied' } },
    ]) {
      assert.deepEqual(idsOf(await search(h.server, index, query)), ['big-values-1'], JSON.stringify(query));
    }
    const [hit] = await search(h.server, index, { term: { eventID: 'big-values-1' } });
    // The whole record is kept in _source, byte for byte.
    assert.equal(
      (hit!._source.requestParameters as { policyDocument: string }).policyDocument,
      record.requestParameters.policyDocument,
    );
    assert.equal(hit!._source.userAgent, record.userAgent);
    assert.ok((hit!._source.ct.tags as string[]).includes('value-truncated'));
    // A keyword over ignore_above is not indexed (so it cannot reject the document).
    assert.deepEqual(await search(h.server, index, { term: { userAgent: record.userAgent } }), []);
  });
});
