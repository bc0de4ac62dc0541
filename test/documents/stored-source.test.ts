/**
 * Each event stored about once, and hits still say which file an event came from. Generated CloudTrail
 * and the bundled samples go through the real pipeline into the dev server with the template installed;
 * then what the index stores (`_source` of get and search hits) is at most 1.1 × the record's own JSON,
 * holds neither the derived search fields nor the file's name and record position, and still gives
 * back the record; while the query service (the CLI's `activity`) and the query API name each event's
 * file and position, read from doc values. The `fields` option reads the stored source, as on a real cluster, so it cannot.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryApi } from '../../src/api/queryApi.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { recoverRecord } from '../../src/documents/recover.js';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { clientHttp } from '../../src/http/request.js';
import { QueryService, type EventSource } from '../../src/query/queryService.js';
import { walkFiles } from '../../src/source/local.js';
import { HIT_DOC_VALUE_FIELDS, SOURCE_EXCLUDES } from '../../src/template/mappings.js';
import { http, startHarness, type Harness } from '../fieldmodel/helpers.js';
import { readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';
import { apiEvents } from '../query/clients.js';

interface StoredHit {
  _id: string;
  _index: string;
  _source: Record<string, unknown> & { ct: Record<string, unknown> };
  fields?: Record<string, unknown[]>;
}

/** Every hit of `body` over the daily indices (the template refreshes every 30 s: refresh first). */
async function hitsOf(h: Harness, body: Record<string, unknown>): Promise<StoredHit[]> {
  await http(h.server, 'POST', '/cloudtrail-2*/_refresh');
  const answer = await http(h.server, 'POST', '/cloudtrail-2*/_search', { size: 10_000, ...body });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return (answer.body as { hits: { hits: StoredHit[] } }).hits.hits;
}

/** The compact JSON of every record of the CloudTrail files under `dir`. */
async function recordJsonBytes(dir: string): Promise<{ records: number; bytes: number }> {
  let records = 0;
  let bytes = 0;
  for await (const file of walkFiles([dir])) {
    if (!file.path.endsWith('.json.gz')) continue;
    for (const record of readSampleRecords(file.path)) {
      records++;
      bytes += Buffer.byteLength(JSON.stringify(record));
    }
  }
  return { records, bytes };
}

describe('stored _source: each event stored once, hits still name their file', function () {
  this.timeout(120_000);
  let h: Harness;
  let work: string;
  let generatedDir: string;
  let api: ApiServer;
  let service: QueryService;

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-stored-source-'));
    generatedDir = join(work, 'generated');
    // Generated as the cost bench's files are (sample records, fresh ids, one S3 key layout).
    await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: generatedDir,
      records: 3_000,
      perFile: 1_000,
      seed: 'stored-source',
    });
    const totals = await h.index(SAMPLES_DIR, generatedDir);
    assert.equal(totals.deadLettered + totals.undelivered, 0);
    service = new QueryService(clientHttp(h.client), { indexPrefix: 'cloudtrail-' });
    api = await startApiServer(new QueryApi(service), 0, '127.0.0.1');
  });
  after(async () => {
    await api?.close();
    await h?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('stores at most 1.1 × the record: the record, @timestamp and a few provenance fields', async () => {
    const records = await recordJsonBytes(generatedDir);
    const hits = await hitsOf(h, { query: { prefix: { 'ct.source': generatedDir } } });
    assert.equal(hits.length, records.records);
    const stored = hits.reduce((sum, hit) => sum + Buffer.byteLength(JSON.stringify(hit._source)), 0);
    const ratio = stored / records.bytes;
    assert.ok(
      ratio <= 1.1,
      `stored ${stored} bytes for ${records.bytes} bytes of records: ${ratio.toFixed(3)}×`,
    );
  });

  it('keeps the derived fields and the file name out of _source, and the record recoverable', async () => {
    const hits = await hitsOf(h, {
      query: { prefix: { 'ct.source': SAMPLES_DIR } },
      docvalue_fields: HIT_DOC_VALUE_FIELDS,
    });
    assert.ok(hits.length > 1_000);
    const filesRead = new Map<string, Record<string, unknown>[]>();
    for (const hit of hits) {
      for (const field of SOURCE_EXCLUDES) {
        const name = field.slice('ct.'.length);
        assert.equal(hit._source.ct[name], undefined, `${hit._id}: ${field} is stored`);
      }
      assert.equal(typeof hit._source.ct.actor, 'string', 'ct.actor is stored (a Discover column)');
      const file = String(hit.fields?.['ct.source']?.[0] ?? '');
      const recordIndex = Number(hit.fields?.['ct.recordIndex']?.[0]);
      const fileRecords = filesRead.get(file) ?? readSampleRecords(file);
      filesRead.set(file, fileRecords);
      assert.deepEqual(recoverRecord(hit._source), fileRecords[recordIndex], `${file}#${recordIndex}`);
    }
    const [first] = hits;
    const got = await http(h.server, 'GET', `/${first!._index}/_doc/${encodeURIComponent(first!._id)}`);
    assert.deepEqual(got.body._source, first!._source);
  });

  it('finds events by their file: ct.source is indexed, with doc values', async () => {
    const query = { prefix: { 'ct.source': generatedDir } };
    const file = (await hitsOf(h, { size: 1, query, docvalue_fields: ['ct.source'] }))[0]!;
    const name = String(file.fields?.['ct.source']?.[0] ?? '');
    assert.ok(name.startsWith(generatedDir), name);
    const sameFile = await hitsOf(h, { query: { term: { 'ct.source': name } } });
    assert.equal(sameFile.length, 1_000);
  });

  it('CLI and API events name their file (from doc values), as the record they were read from', async () => {
    const files = new Map<string, Record<string, unknown>[]>();
    const checkEvents = (events: EventSource[]) => {
      for (const event of events) {
        const ct = event.ct as { source?: string; recordIndex: number };
        assert.ok(ct.source, `${String(event.eventID)}: no ct.source`);
        if (!files.has(ct.source)) files.set(ct.source, readSampleRecords(ct.source));
        const record = files.get(ct.source)![ct.recordIndex];
        assert.equal(event.eventID, record?.eventID, `${ct.source}#${ct.recordIndex}`);
        assert.deepEqual(
          Object.keys(ct).slice(0, 2),
          ['source', 'recordIndex'],
          'first, as the builder writes them',
        );
      }
    };
    const cliEvents: EventSource[] = [];
    for await (const event of service.events({ service: 's3.amazonaws.com' })) cliEvents.push(event);
    assert.ok(cliEvents.length > 10);
    checkEvents(cliEvents);
    const apiList = await apiEvents(api.url, '/events?service=s3.amazonaws.com', 50);
    assert.equal(apiList.length, cliEvents.length);
    checkEvents(apiList);
  });

  it('the fields option reads the stored source (no ct.source there); docvalue_fields reads doc values', async () => {
    const query = { term: { eventName: 'ConsoleLogin' } };
    const fromSource = await hitsOf(h, { query, fields: ['ct.source', 'eventName'] });
    assert.ok(fromSource.length > 0);
    for (const hit of fromSource) assert.deepEqual(hit.fields, { eventName: ['ConsoleLogin'] });
    const fromDocValues = await hitsOf(h, { query, docvalue_fields: ['ct.source', 'eventName'] });
    for (const hit of fromDocValues) {
      assert.deepEqual(Object.keys(hit.fields ?? {}).sort(), ['ct.source', 'eventName']);
      assert.match(String(hit.fields!['ct.source']![0]), /\.json\.gz$/);
    }
  });
});
