import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import aws4 from 'aws4';
import { call, ndjson, useServer } from './helpers.js';

const bulkBody = (index: string, count: number): string =>
  ndjson(
    ...Array.from({ length: count }, (_, i) => [{ index: { _index: index, _id: `${i}` } }, { n: i }]).flat(),
  );

describe('dev server: fault injection (OPENSEARCH.md §2.3, §2.4, §7)', () => {
  const server = useServer();
  afterEach(() => server().faults.clear());

  it('§2.3 per-item 429 rejected_execution_exception for the next request only', async () => {
    server().faults.add({ fault: { kind: 'item-rejection' }, path: '*/_bulk', times: 1 });
    const rejected = await call(server(), 'POST', '/_bulk', bulkBody('f1', 2));
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.errors, true);
    assert.equal(rejected.body.items[0].index.status, 429);
    assert.equal(rejected.body.items[0].index.error.type, 'rejected_execution_exception');
    assert.match(rejected.body.items[0].index.error.reason, /^rejected execution of coordinating operation/);
    assert.equal(server().documentCount('f1'), 0);
    const next = await call(server(), 'POST', '/_bulk', bulkBody('f1', 2));
    assert.equal(next.body.errors, false);
  });

  it('§1 per-item 429 with the Elasticsearch spelling es_rejected_execution_exception', async () => {
    server().faults.add({
      fault: { kind: 'item-rejection', exceptionType: 'es_rejected_execution_exception' },
      times: 1,
    });
    const answer = await call(server(), 'POST', '/_bulk', bulkBody('f2', 1));
    assert.equal(answer.body.items[0].index.error.type, 'es_rejected_execution_exception');
  });

  it('§2.3 whole-request 429, OpenSearch and AWS styles', async () => {
    server().faults.add({ fault: { kind: 'too-many-requests' }, times: 1 });
    server().faults.add({ fault: { kind: 'too-many-requests', style: 'aws' }, times: 1 });
    const os = await call(server(), 'POST', '/_bulk', bulkBody('f3', 1));
    assert.equal(os.status, 429);
    assert.equal(os.body.error.type, 'rejected_execution_exception');
    assert.equal(os.body.status, 429);
    const aws = await call(server(), 'POST', '/_bulk', bulkBody('f3', 1));
    assert.equal(aws.status, 429);
    assert.deepEqual(aws.body, { Message: 'Too Many Requests' });
  });

  it('5xx faults: 500, 502, 503, 504 then normal service', async () => {
    for (const status of [500, 502, 503, 504] as const)
      server().faults.add({ fault: { kind: 'server-error', status }, path: '/', times: 1 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(server(), 'GET', '/')).status);
    assert.deepEqual(statuses, [500, 502, 503, 504, 200]);
  });

  it('§7 413 above a byte size: AWS JSON message; self-managed empty body', async () => {
    server().faults.add({ fault: { kind: 'payload-too-large', maxBytes: 100 } });
    const small = await call(server(), 'POST', '/_bulk', bulkBody('f4', 1));
    assert.equal(small.status, 200);
    const big = await call(server(), 'POST', '/_bulk', bulkBody('f4', 10));
    assert.equal(big.status, 413);
    assert.deepEqual(big.body, { Message: 'Request size exceeded 100 bytes' });
    server().faults.clear();
    server().faults.add({ fault: { kind: 'payload-too-large', maxBytes: 100, style: 'self-managed' } });
    const selfManaged = await call(server(), 'POST', '/_bulk', bulkBody('f4', 10));
    assert.equal(selfManaged.status, 413);
    assert.equal(selfManaged.text, '');
  });

  it('§2.3 403 security_exception with the FGAC role-mapping text', async () => {
    server().faults.add({ fault: { kind: 'forbidden', user: 'arn:aws:iam::1:role/R' }, times: 1 });
    const answer = await call(server(), 'POST', '/_bulk', bulkBody('f5', 1));
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.type, 'security_exception');
    assert.equal(
      answer.body.error.reason,
      'no permissions for [indices:data/write/bulk] and User [name=arn:aws:iam::1:role/R, backend_roles=[arn:aws:iam::1:role/R], requestedTenant=null]',
    );
  });

  it('latency delays the answer', async () => {
    server().faults.add({ fault: { kind: 'latency', ms: 150 }, times: 1 });
    const started = Date.now();
    assert.equal((await call(server(), 'GET', '/')).status, 200);
    // A lower bound only (a slow machine makes it later, never sooner); 10 ms spare for timer rounding.
    assert.ok(Date.now() - started >= 140);
  });

  it('connection reset before processing: client fails, nothing indexed', async () => {
    server().faults.add({ fault: { kind: 'connection-reset', when: 'before' }, times: 1 });
    await assert.rejects(call(server(), 'POST', '/_bulk', bulkBody('f6', 3)));
    assert.equal(server().documentCount('f6'), 0);
  });

  it('connection reset after processing: client fails, but the documents were indexed', async () => {
    server().faults.add({ fault: { kind: 'connection-reset', when: 'after' }, path: '/_bulk', times: 1 });
    await assert.rejects(call(server(), 'POST', '/_bulk', bulkBody('f7', 3)));
    assert.equal(server().documentCount('f7'), 3);
  });

  it('requestCount counts every request, filtered by path glob', async () => {
    const before = server().requestCount('*/_bulk');
    await call(server(), 'POST', '/_bulk', bulkBody('f8', 1));
    await call(server(), 'POST', '/f8/_bulk', ndjson({ index: {} }, {}));
    assert.equal(server().requestCount('*/_bulk') - before, 2);
  });

  it('HTTP admin path /_devserver/faults adds and clears rules (and is not itself faulted)', async () => {
    const added = await call(server(), 'POST', '/_devserver/faults', {
      fault: { kind: 'server-error', status: 503 },
      times: 1,
    });
    assert.deepEqual(added.body.acknowledged, true);
    assert.equal((await call(server(), 'GET', '/_devserver/faults')).status, 200);
    assert.equal((await call(server(), 'GET', '/')).status, 503);
    assert.equal((await call(server(), 'GET', '/')).status, 200);
  });
});

describe('dev server: seeded fault schedules replay', () => {
  async function schedule(seed: number): Promise<number[]> {
    const server: DevServer = await startDevServer({ port: 0, seed });
    try {
      server.faults.add({ fault: { kind: 'server-error', status: 503 }, probability: 0.5 });
      server.faults.add({ fault: { kind: 'item-rejection', itemProbability: 0.5 }, path: '/_bulk' });
      const outcome: number[] = [];
      for (let i = 0; i < 12; i++) {
        const answer = await call(server, 'POST', '/_bulk', bulkBody('seeded', 4));
        outcome.push(
          answer.status === 200
            ? answer.body.items.filter((it: { index: { status: number } }) => it.index.status === 429).length
            : -answer.status,
        );
      }
      return outcome;
    } finally {
      await server.close();
    }
  }

  it('the same seed gives the same schedule; another seed gives another', async () => {
    const first = await schedule(42);
    assert.deepEqual(await schedule(42), first);
    assert.ok(
      first.some((o) => o === -503) && first.some((o) => o >= 0),
      `mixed outcomes expected: ${first.join(',')}`,
    );
    assert.notDeepEqual(await schedule(7), first);
  });
});

describe('dev server: SigV4 option (OPENSEARCH.md §7)', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'secret',
    region: 'eu-west-1',
    service: 'es',
  };
  const server = useServer({ sigv4: credentials });

  it('unsigned requests are refused with 403 before routing; signed ones are served', async () => {
    const unsigned = await call(server(), 'GET', '/');
    assert.equal(unsigned.status, 403);
    const url = new URL(server().url);
    const signed = aws4.sign(
      {
        host: url.host,
        method: 'GET',
        path: '/_cluster/health',
        service: 'es',
        region: 'eu-west-1',
        headers: {},
      },
      credentials,
    );
    const response = await fetch(`${server().url}/_cluster/health`, {
      headers: signed.headers as Record<string, string>,
    });
    assert.equal(response.status, 200);
  });
});
