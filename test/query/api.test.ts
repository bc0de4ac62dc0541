/**
 * The query API's contract beyond the questions: every bad request is a 4xx whose body names the
 * parameter, a page never passes the byte bound yet the pages hold every event exactly once, and
 * documents indexed before the derived fields (an index made with the previous template) are still
 * found by the actor, console and MFA filters, while newer documents are matched on `ct.*` only.
 */
import { strict as assert } from 'node:assert';
import { QueryApi } from '../../src/api/queryApi.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { clientHttp } from '../../src/http/request.js';
import { QueryService, type EventSource } from '../../src/query/queryService.js';
import { indexMappings } from '../../src/template/mappings.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { http, startHarness, type Harness } from '../fieldmodel/helpers.js';
import { apiEvents } from './clients.js';
import { indexedSamples, keyOfEvent } from './samples.js';

const LEGACY_INDEX = 'cloudtrail-2003-03-03';
const LEGACY_ROLE = 'arn:aws:iam::111122223333:role/Legacy';

/** The mappings of an index made before the derived fields: the template's, without `ct.actor` and the rest. */
function mappingsBeforeDerivedFields(): Record<string, unknown> {
  // A deep copy: the template's own objects must not change for the tests that run after this one.
  const mappings = JSON.parse(JSON.stringify(indexMappings())) as {
    properties: { ct: { properties: Record<string, unknown> } };
  };
  for (const name of ['actor', 'actorType', 'sessionName', 'mfa', 'console'])
    delete mappings.properties.ct.properties[name];
  return mappings;
}

describe('query API: refusals, byte bound, and documents from before the derived fields', function () {
  this.timeout(120_000);
  let h: Harness;
  let service: QueryService;
  let api: ApiServer;
  let small: ApiServer;
  let total: number;

  before(async () => {
    h = await startHarness();
    total = (await indexedSamples()).length;
    const totals = await h.index(SAMPLES_DIR);
    assert.equal(totals.indexed, total);
    assert.equal(
      (await http(h.server, 'PUT', `/${LEGACY_INDEX}`, { mappings: mappingsBeforeDerivedFields() })).status,
      200,
    );
    const legacy = {
      '@timestamp': '2003-03-03T10:00:00.000Z',
      ct: { source: 'legacy.json', recordIndex: 0 },
      eventTime: '2003-03-03T10:00:00Z',
      eventName: 'PutBucketPolicy',
      readOnly: false,
      sessionCredentialFromConsole: 'true',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/Legacy/alice',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: LEGACY_ROLE },
          attributes: { mfaAuthenticated: 'false' },
        },
      },
    };
    assert.equal((await http(h.server, 'PUT', `/${LEGACY_INDEX}/_doc/legacy-1`, legacy)).status, 201);
    await h.client.indices.refresh({ index: 'cloudtrail-*' });
    service = new QueryService(clientHttp(h.client), { indexPrefix: 'cloudtrail-' });
    api = await startApiServer(new QueryApi(service), 0, '127.0.0.1');
    small = await startApiServer(new QueryApi(service, { maxResponseBytes: 64 * 1024 }), 0, '127.0.0.1');
  });
  after(async () => {
    await api?.close();
    await small?.close();
    await h?.close();
  });

  const get = async (path: string, method = 'GET') => {
    const response = await fetch(api.url + path, { method });
    return {
      status: response.status,
      body: (await response.json()) as { error?: { parameter?: string; message: string } },
    };
  };

  const REFUSED: [string, number, string | undefined][] = [
    ['/events?color=red', 400, 'color'],
    ['/events?from=yesterday', 400, 'from'],
    ['/events?from=2024-05-02&to=2024-05-01', 400, 'from'],
    ['/events?ip=10.0.0.0/99', 400, 'ip'],
    ['/events?size=0', 400, 'size'],
    ['/events?size=ten', 400, 'size'],
    ['/events?next=bm90LWEtY3Vyc29y', 400, 'next'],
    ['/events?errors=maybe', 400, 'errors'],
    ['/events?mfa=perhaps', 400, 'mfa'],
    ['/events?actor=a&actor=b', 400, 'actor'],
    ['/events?eventName=', 400, 'eventName'],
    ['/users/pedro?param=requestParameters.attribute', 400, 'param'],
    ['/users/pedro?value=x', 400, 'value'],
    ['/top', 400, 'by'],
    ['/top?by=ct.text', 400, 'by'],
    ['/top?by=eventName&size=1001', 400, 'size'],
    ['/nothing-here', 404, undefined],
    ['/users/a/b', 404, undefined],
  ];
  for (const [path, status, parameter] of REFUSED) {
    it(`GET ${path}: ${status}${parameter ? ` naming ${parameter}` : ''}`, async () => {
      const answer = await get(path);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.error?.parameter, parameter, JSON.stringify(answer.body));
      assert.ok(answer.body.error!.message.length > 10);
    });
  }

  it('refuses to change anything: POST and DELETE are 405', async () => {
    assert.equal((await get('/events', 'POST')).status, 405);
    assert.equal((await get('/users', 'DELETE')).status, 405);
  });

  it('cuts pages at the byte bound, and the pages hold every event exactly once', async () => {
    let largest = 0;
    let pages = 0;
    const events: EventSource[] = [];
    let next: string | null = null;
    do {
      const url = new URL(`${small.url}/events?size=1000`);
      if (next !== null) url.searchParams.set('next', next);
      const text = await (await fetch(url)).text();
      largest = Math.max(largest, Buffer.byteLength(text));
      const body = JSON.parse(text) as { events: EventSource[]; next: string | null };
      events.push(...body.events);
      next = body.next;
      pages++;
    } while (next !== null);
    assert.ok(largest <= 64 * 1024, `largest page ${largest} bytes`);
    assert.ok(pages > 10, `${pages} pages`);
    const keys = events.map(keyOfEvent);
    assert.equal(new Set(keys).size, keys.length, 'no event twice');
    assert.equal(keys.length, total + 1, 'every sample event and the older document');
  });

  it('finds a document indexed before the derived fields by its actor, console session and MFA', async () => {
    for (const query of [
      `actor=${encodeURIComponent(LEGACY_ROLE)}`,
      'console=true&writes=true',
      'mfa=false',
    ]) {
      const keys = (await apiEvents(api.url, `/events?${query}&from=2003-03-03&to=2003-03-03`, 10)).map(
        keyOfEvent,
      );
      assert.deepEqual(keys, ['legacy.json#0'], query);
    }
  });

  it('counts the most frequent values of a field with /top?by=FIELD, as the raw files count them', async () => {
    const counts = new Map<string, number>();
    for (const { record } of await indexedSamples()) {
      if (typeof record.eventName === 'string')
        counts.set(record.eventName, (counts.get(record.eventName) ?? 0) + 1);
    }
    const expected = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const answer = await get('/top?by=eventName&size=3');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const top = (answer.body as unknown as { by: string; top: { value: string; count: number }[] }).top;
    assert.deepEqual(
      top.map((entry) => entry.count),
      expected.map(([, count]) => count),
    );
    for (const entry of top) assert.equal(counts.get(entry.value), entry.count, entry.value);
  });

  it('matches a newer document on ct.actor only: a session ARN is not the role it belongs to', async () => {
    const role =
      'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
    const [event] = await apiEvents(api.url, `/events?actor=${encodeURIComponent(role)}&size=1`, 1);
    const sessionArn = (event!.userIdentity as { arn: string }).arn;
    assert.match(sessionArn, /assumed-role/);
    assert.deepEqual(await apiEvents(api.url, `/events?actor=${encodeURIComponent(sessionArn)}`, 10), []);
  });
});
