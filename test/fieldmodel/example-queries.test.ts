/**
 * Issue 4, point 4: every documented example query (EXAMPLE_QUERIES, shown in docs/field-model.md) runs
 * against the dev server over the indexed samples and returns exactly the events an independent reading
 * of the raw sample records says it must. Plus `ct.sourceIp`: service names are not IPs, and CIDR
 * blocks select IPv4 and IPv6 sources correctly.
 */
import { strict as assert } from 'node:assert';
import { isIP } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walkFiles } from '../../src/source/local.js';
import { EXAMPLE_QUERIES, type ExampleQuery } from '../../src/template/exampleQueries.js';
import { skipReason } from '../../src/trigger/skip.js';
import {
  readSampleRecords,
  SAMPLES_DIR,
  sampleRecordCount,
  type CloudTrailRecord,
} from '../helpers/samples.js';
import {
  idsOf,
  logPath,
  search,
  startHarness,
  writeCloudTrailFile,
  type Harness,
  type Hit,
} from './helpers.js';

type Rec = CloudTrailRecord & Record<string, unknown>;
const DAY = 86_400_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dotted leaf paths (array positions dropped) with their non-null values. */
function leaves(value: unknown, path: string, out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(value)) for (const item of value) leaves(item, path, out);
  else if (isObject(value))
    for (const [key, child] of Object.entries(value)) leaves(child, `${path}.${key}`, out);
  else if (value !== null) out.push([path, value]);
  return out;
}

function plausibleTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}/.exec(value);
  return match !== null && Number(match[1]) >= 2000;
}

function validId(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= 512;
}

/**
 * What each example query must find among the samples, read from the raw records (not from the
 * builder's output). Indexed from a file, a record is identified by `ct.source#ct.recordIndex`.
 */
const EXPECTATIONS: Record<string, (r: Rec) => boolean> = {
  'A free-form leaf': (r) =>
    isObject(r.requestParameters) && r.requestParameters.bucketName === 'aiden-dev-bucket-eu-west-1',
  'Any value under a free-form path': (r) =>
    leaves(r.requestParameters, 'requestParameters').some(
      ([p]) => p === 'requestParameters.instancesSet.items.instanceId',
    ),
  'Who: a principal ARN': (r) =>
    isObject(r.userIdentity) && r.userIdentity.arn === 'arn:aws:iam::123456789123:user/pedro',
  'What: an API call on a service': (r) =>
    r.eventSource === 's3.amazonaws.com' && r.eventName === 'DeleteBucket',
  'Failures: any error code': (r) =>
    r.errorCode === 'AccessDenied' ||
    (typeof r.errorCode === 'string' && r.errorCode.endsWith('UnauthorizedOperation')),
  'Where: a region and the account': (r) =>
    r.awsRegion === 'us-east-1' && r.recipientAccountId === '123456789012',
  'A resource named in `resources`': (r) =>
    Array.isArray(r.resources) &&
    r.resources.some((x) => isObject(x) && x.ARN === 'arn:aws:s3:::aiden-dev-bucket-eu-west-1'),
  'A source IP address': (r) =>
    typeof r.sourceIPAddress === 'string' &&
    isIP(r.sourceIPAddress) === 4 &&
    r.sourceIPAddress.startsWith('203.0.113.'),
  'A time range': () => false, // the samples are years old; the fixture below holds recent logins
  'Free text over request/response values': (r) => JSON.stringify(r).includes('sg-d963a5a4'),
  'Records whose time or id had to be inferred': (r) =>
    !validId(r.eventID) || (!plausibleTime(r.eventTime) && !plausibleTime(r['@timestamp'])),
};

/** Known events per query (eventIDs read from the sample files), so a test failure names real events. */
const KNOWN: Record<string, string[]> = {
  'What: an API call on a service': [
    '6795ef5c-7777-4444-8888-cabb7f252bd3',
    'dEXAMPLE-265a-41e0-9352-4401bEXAMPLE',
  ],
  'Failures: any error code': [
    '9e2b3bf0-8f58-4d50-83af-b3175b68c2f8',
    'fa67e0b9-9837-4c84-baa0-78a271821d3e',
    '19974c80-ef3e-4a7c-807e-d58c91e0dd04',
  ],
  'Free text over request/response values': [
    '09191e37-4632-4722-82bf-50288436cf47',
    'cb82857f-302d-4d6c-b516-589ec39dee7c',
  ],
};

function expectationFor(query: ExampleQuery): (r: Rec) => boolean {
  const key = Object.keys(EXPECTATIONS).find((prefix) => query.title.startsWith(prefix));
  assert.ok(key, `no expectation written for example "${query.title}"`);
  return EXPECTATIONS[key]!;
}

const fileOf = (hit: Hit) => String(hit.fields?.['ct.source']?.[0]);
const keyOf = (hit: Hit) => `${fileOf(hit)}#${String(hit.fields?.['ct.recordIndex']?.[0])}`;

describe('field model: the documented example queries (dev server, real pipeline)', function () {
  this.timeout(60_000);
  let h: Harness;
  let work: string;
  /** Sample records in indexing order, first occurrence of each id only (later ones are duplicates). */
  const indexedSamples: { key: string; record: Rec }[] = [];
  const now = Date.now();
  const fixtureTimes = {
    recentLogin: new Date(now - 2 * DAY).toISOString(),
    todayLogin: new Date(now - 60_000).toISOString(),
    oldLogin: new Date(now - 10 * DAY).toISOString(),
  };

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-examples-'));
    const seen = new Set<string>();
    for await (const file of walkFiles([SAMPLES_DIR])) {
      if (skipReason({ bucket: '', key: file.path, size: file.size })) continue;
      readSampleRecords(file.path).forEach((record, i) => {
        const id = validId(record.eventID) ? String(record.eventID) : `hash:${JSON.stringify(record)}`;
        if (seen.has(id)) return;
        seen.add(id);
        indexedSamples.push({ key: `${file.path}#${i}`, record: record as Rec });
      });
    }

    const base = indexedSamples.find(
      ({ record }) => record.eventName === 'ConsoleLogin' && validId(record.eventID),
    )!.record;
    const at = (eventID: string, eventTime: string, extra: Record<string, unknown> = {}) => ({
      ...base,
      eventID,
      eventTime,
      ...extra,
    });
    await writeCloudTrailFile(logPath(work, '2024-02-02', 'FIXTURE000000001'), [
      at('login-recent', fixtureTimes.recentLogin),
      at('login-today', fixtureTimes.todayLogin),
      at('login-old', fixtureTimes.oldLogin),
      at('other-recent', fixtureTimes.recentLogin, { eventName: 'GetCallerIdentity' }),
      at('ip-v4-in', '2024-02-02T01:00:00Z', { sourceIPAddress: '203.0.113.77' }),
      at('ip-v4-out', '2024-02-02T01:00:00Z', { sourceIPAddress: '203.0.114.1' }),
      at('ip-v4-mapped', '2024-02-02T01:00:00Z', { sourceIPAddress: '::ffff:203.0.113.9' }),
      at('ip-v6-in', '2024-02-02T01:00:00Z', { sourceIPAddress: '2001:db8:abcd:12::1' }),
      at('ip-v6-out', '2024-02-02T01:00:00Z', { sourceIPAddress: '2001:db8:abce::1' }),
      at('ip-v6-zone', '2024-02-02T01:00:00Z', { sourceIPAddress: 'fe80::1%eth0' }),
      at('ip-service', '2024-02-02T01:00:00Z', { sourceIPAddress: 'ec2.amazonaws.com' }),
      at('ip-internal', '2024-02-02T01:00:00Z', { sourceIPAddress: 'AWS Internal' }),
    ]);
    const totals = await h.index(SAMPLES_DIR, work);
    assert.equal(totals.read, sampleRecordCount() + 12);
    assert.equal(totals.deadLettered + totals.undelivered, 0);
    assert.equal(totals.indexed, indexedSamples.length + 12);
  });
  after(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** Fixture events each example must also find (they are indexed together with the samples). */
  const FIXTURE_MATCHES: Record<string, string[]> = {
    'A source IP address': ['ip-v4-in', 'ip-v4-mapped'],
    'A time range': ['login-recent', 'login-today'],
  };

  for (const query of EXAMPLE_QUERIES) {
    it(`${query.title}: ${query.dql}`, async () => {
      const wanted = expectationFor(query);
      const hits = await search(h.server, 'cloudtrail-*', query.dsl);
      const prefix = Object.keys(FIXTURE_MATCHES).find((p) => query.title.startsWith(p));
      const fixtureIds = prefix ? FIXTURE_MATCHES[prefix]! : [];
      const expectedSamples = indexedSamples.filter(({ record }) => wanted(record)).map(({ key }) => key);
      const sampleHits = hits.filter((hit) => fileOf(hit).startsWith(SAMPLES_DIR));
      const fixtureHits = hits.filter((hit) => !fileOf(hit).startsWith(SAMPLES_DIR));

      assert.ok(hits.length > 0, 'the example finds events');
      assert.deepEqual(sampleHits.map(keyOf).sort(), expectedSamples.sort());
      assert.deepEqual(idsOf(fixtureHits), [...fixtureIds].sort());
      const known = Object.entries(KNOWN).find(([p]) => query.title.startsWith(p))?.[1] ?? [];
      for (const id of known) assert.ok(idsOf(hits).includes(id), `finds ${id}`);
    });
  }

  describe('ct.sourceIp', () => {
    const fixtureIndex = 'cloudtrail-2024-02-02';
    const ids = async (query: unknown) => idsOf(await search(h.server, fixtureIndex, query));

    it('a service name or "AWS Internal" is indexed (sourceIPAddress) but gives no ct.sourceIp', async () => {
      for (const [source, id] of [
        ['ec2.amazonaws.com', 'ip-service'],
        ['AWS Internal', 'ip-internal'],
      ]) {
        const hits = await search(h.server, fixtureIndex, { term: { sourceIPAddress: source } });
        assert.deepEqual(idsOf(hits), [id]);
        assert.equal(hits[0]!._source.ct.sourceIp, undefined);
      }
      const withIp = await ids({ exists: { field: 'ct.sourceIp' } });
      assert.deepEqual(withIp, [
        'ip-v4-in',
        'ip-v4-mapped',
        'ip-v4-out',
        'ip-v6-in',
        'ip-v6-out',
        'ip-v6-zone',
      ]);
    });

    it('CIDR blocks select IPv4 and IPv6 addresses (an IPv4-mapped IPv6 address is its IPv4 address)', async () => {
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '203.0.113.0/24' } }), [
        'ip-v4-in',
        'ip-v4-mapped',
      ]);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '203.0.112.0/23' } }), [
        'ip-v4-in',
        'ip-v4-mapped',
      ]);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '203.0.112.0/22' } }), [
        'ip-v4-in',
        'ip-v4-mapped',
        'ip-v4-out',
      ]);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '2001:db8:abcd::/48' } }), ['ip-v6-in']);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '2001:db8::/32' } }), ['ip-v6-in', 'ip-v6-out']);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': 'fe80::/10' } }), ['ip-v6-zone']);
      // One address, written any equivalent way; the zone id was dropped by the builder.
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '2001:0db8:abcd:0012:0:0:0:1' } }), ['ip-v6-in']);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': 'fe80::1' } }), ['ip-v6-zone']);
      assert.deepEqual(await ids({ term: { 'ct.sourceIp': '203.0.113.77' } }), ['ip-v4-in']);
    });
  });
});
