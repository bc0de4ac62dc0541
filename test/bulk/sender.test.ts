/**
 * The bulk sender over real HTTP: the dev server (its own fault injection for 429s, 5xx, 413, 403 and
 * resets) behind the test proxy, which plays the rest (per-item errors, answers lost after the writes
 * were applied, short or foreign answers) and records each request's size, documents and overlap.
 */
import { strict as assert } from 'node:assert';
import { Client } from '@opensearch-project/opensearch';
import { BulkFailure, BulkSender, type BulkSenderOptions, type RetryInfo } from '../../src/bulk/sender.js';
import { clientTransport } from '../../src/bulk/transport.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { documentFromText, sourceText } from '../../src/documents/memory.js';
import { ClusterHealth } from '../../src/http/health.js';
import type { BulkDocument, DocumentOutcome } from '../../src/types.js';
import {
  startProxy,
  type BulkDoc,
  type ItemFault,
  type Proxy,
  type ProxyAction,
} from '../reliability/proxy.js';

/** Documents of varied size (some multi-byte) spread over two daily indices. */
function makeDocs(count: number, extra: (i: number) => Record<string, unknown> = () => ({})): BulkDocument[] {
  return Array.from({ length: count }, (_, i) =>
    documentFromText(
      {
        index: i % 3 === 0 ? 'cloudtrail-2024-01-01' : 'cloudtrail-2024-01-02',
        id: `evt-${i}`,
        recordIndex: i,
      },
      JSON.stringify({
        eventName: 'PutObject',
        note: 'é'.repeat(i % 41),
        pad: 'x'.repeat((i * 7) % 90),
        ...extra(i),
      }),
    ),
  );
}

const keyOf = (doc: { index: string; id: string }) => `${doc.index}/${doc.id}`;

function seeded(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface RunResult {
  outcomes: Map<string, DocumentOutcome>;
  /** Documents passed to add() (a rejected add() still counts: the document was handed over). */
  passed: number;
  addError?: unknown;
  error?: BulkFailure;
  retries: RetryInfo[];
  elapsedMs: number;
}

function errorBody(type: string, reason: string, status = 400): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

async function run(
  proxy: Proxy,
  docs: BulkDocument[],
  options: Partial<BulkSenderOptions> = {},
  onAdded?: (passed: number) => void,
): Promise<RunResult> {
  const client = new Client({ node: proxy.url });
  const outcomes = new Map<string, DocumentOutcome>();
  const retries: RetryInfo[] = [];
  const started = Date.now();
  const sender = new BulkSender({
    transport: clientTransport(client),
    maxBytes: 3000,
    maxDocs: 20,
    concurrency: 3,
    requestTimeoutMs: 2000,
    remainingTimeMs: () => Infinity,
    retry: { baseMs: 1, maxMs: 5, maxAttempts: 8 },
    random: seeded(),
    onOutcome: (doc, outcome) => {
      assert.ok(!outcomes.has(keyOf(doc)), `second outcome for ${doc.id}`);
      outcomes.set(keyOf(doc), outcome);
    },
    onRetry: (info) => retries.push(info),
    ...options,
  });
  const result: RunResult = { outcomes, passed: 0, retries, elapsedMs: 0 };
  try {
    for (const doc of docs) {
      result.passed += 1;
      await sender.add(doc);
      onAdded?.(result.passed);
    }
  } catch (error) {
    result.addError = error;
  }
  try {
    await sender.close();
  } catch (error) {
    if (!(error instanceof BulkFailure)) throw error;
    result.error = error;
  }
  result.elapsedMs = Date.now() - started;
  await client.close();
  // Nothing half-counted: every document handed over has one outcome or is counted undelivered.
  assert.equal(
    outcomes.size + (result.error?.undelivered ?? 0),
    result.passed,
    'outcomes + undelivered = docs',
  );
  return result;
}

function countKinds(outcomes: Map<string, DocumentOutcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes.values()) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}

/** Every stored copy in the daily indices, as `index/id` (a document stored twice shows twice). */
async function storedKeys(server: DevServer): Promise<string[]> {
  const response = await fetch(`${server.url}/_devserver/ids/cloudtrail-*`);
  const { ids } = (await response.json()) as { ids: Record<string, string[]> };
  return Object.entries(ids).flatMap(([index, list]) => list.map((id) => `${index}/${id}`));
}

async function assertStoredExactlyOnce(server: DevServer, docs: BulkDocument[]): Promise<void> {
  assert.deepEqual((await storedKeys(server)).sort(), docs.map(keyOf).sort());
}

/** The _bulk requests the proxy saw. */
const bulks = (proxy: Proxy) => proxy.log.filter((request) => request.path === '/_bulk');

describe('BulkSender against the dev server', function () {
  this.timeout(20_000);
  let server: DevServer;
  let proxy: Proxy;
  let decide: (request: { number: number }) => ProxyAction;

  before(async () => {
    server = await startDevServer({ port: 0 });
  });
  after(async () => server?.close());
  beforeEach(async () => {
    server.faults.clear();
    await fetch(`${server.url}/cloudtrail-*`, { method: 'DELETE' });
    decide = () => ({ kind: 'forward' });
    proxy = await startProxy(server.url, (request) => decide(request));
  });
  afterEach(async () => proxy?.close());

  /** Per-item errors on the first sighting of each document only (a retry then goes through). */
  function firstSighting(
    fault: (doc: BulkDoc) => ItemFault | undefined,
  ): (doc: BulkDoc) => ItemFault | undefined {
    const seen = new Set<string>();
    return (doc) => {
      const key = `${doc.index}/${doc.id}`;
      if (seen.has(key)) return undefined;
      seen.add(key);
      return fault(doc);
    };
  }

  it('delivers every document exactly once within the byte, count and concurrency bounds', async () => {
    decide = () => ({ kind: 'forward', delayMs: 15 });
    const docs = makeDocs(400);
    const result = await run(proxy, docs);

    assert.equal(result.error, undefined);
    await assertStoredExactlyOnce(server, docs);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 400 });
    const sizes = bulks(proxy).map((request) => request.bytes);
    assert.ok(Math.max(...sizes) <= 3000, `largest body ${Math.max(...sizes)}`);
    assert.ok(bulks(proxy).every((request) => request.docs.length <= 20));
    assert.ok(proxy.maxInFlight <= 3, `max in flight ${proxy.maxInFlight}`);
    assert.ok(proxy.maxInFlight >= 2, 'requests do overlap');
  });

  it('survives whole-request faults and connection resets without losing or doubling a document', async () => {
    const rejected = errorBody(
      'rejected_execution_exception',
      'rejected execution of coordinating operation',
      429,
    );
    // Per-item throttling on the first sighting of some ids, in every spelling a cluster uses.
    const itemFault = firstSighting((doc) => {
      if (doc.id.endsWith('7'))
        return { status: 429, type: 'rejected_execution_exception', reason: 'queue full' };
      if (doc.id.endsWith('3'))
        return { status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' };
      if (doc.id.endsWith('5')) {
        const extra = { durability: 'TRANSIENT', bytes_wanted: 1, bytes_limit: 1 };
        return { status: 429, type: 'circuit_breaking_exception', reason: '[parent] Data too large', extra };
      }
      return undefined;
    });
    const json = (status: number, body: unknown): ProxyAction => ({
      kind: 'reply',
      status,
      body: JSON.stringify(body),
    });
    const faults: Record<number, ProxyAction> = {
      1: json(429, rejected),
      2: { kind: 'reply', status: 503, body: '', contentType: 'text/plain' },
      3: { kind: 'reset' },
      4: { kind: 'forward', resetAfter: true },
      5: { kind: 'forward', delayMs: 1500 },
      6: { kind: 'reply', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/plain' },
      7: json(500, errorBody('exception', 'boom', 500)),
      8: json(403, { message: 'Request throttled due to too many requests' }),
      9: { kind: 'reply', status: 504, body: '', contentType: 'text/plain' },
    };
    decide = ({ number }) => faults[number] ?? { kind: 'forward', itemFault };
    const docs = makeDocs(300);
    const result = await run(proxy, docs, { concurrency: 2, requestTimeoutMs: 300 });

    assert.equal(result.error, undefined, result.error?.message);
    await assertStoredExactlyOnce(server, docs);
    // Stored by a request whose answer never arrived (reset after processing, timed out): a replay finds them.
    const storedUnanswered = proxy.log
      .filter((request) => [4, 5].includes(request.number))
      .flatMap((r) => r.created);
    assert.ok(storedUnanswered.length > 0);
    const duplicates = [...result.outcomes]
      .filter(([, outcome]) => outcome.kind === 'duplicate')
      .map(([key]) => key);
    assert.deepEqual(duplicates.sort(), storedUnanswered.sort());
    assert.equal(countKinds(result.outcomes).indexed, docs.length - duplicates.length);
    assert.ok(proxy.maxInFlight <= 2, `max in flight ${proxy.maxInFlight}`);

    const requestStatuses = new Set(result.retries.filter((r) => r.kind === 'request').map((r) => r.status));
    for (const status of [429, 503, 502, 500, 403, 504, undefined])
      assert.ok(requestStatuses.has(status), `${status}`);
    const itemReasons = result.retries.filter((r) => r.kind === 'items').map((r) => r.reason);
    assert.ok(itemReasons.some((reason) => reason.startsWith('rejected_execution_exception')));
    assert.ok(result.retries.some((r) => /network error ETIMEDOUT/.test(r.reason)));
  });

  it('on 413 halves batches until they fit and dead-letters a lone document over the limit', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'payload-too-large', maxBytes: 2500 } });
    const docs = makeDocs(150);
    const big = documentFromText(
      { index: 'cloudtrail-2024-01-02', id: 'big', recordIndex: 150 },
      `{"b":"${'y'.repeat(3000)}"}`,
    );
    docs.splice(40, 0, big);
    const result = await run(proxy, docs, { maxBytes: 20_000, maxDocs: 100, concurrency: 1 });

    assert.equal(result.error, undefined, result.error?.message);
    await assertStoredExactlyOnce(
      server,
      docs.filter((doc) => doc !== big),
    );
    const outcome = result.outcomes.get(keyOf(big));
    assert.equal(outcome?.kind, 'dead-letter');
    assert.match(
      outcome.kind === 'dead-letter' ? outcome.reason : '',
      /^document of 30\d\d bytes exceeds the cluster's request size limit \(HTTP 413 Request size exceeded 2500 bytes\)$/,
    );
    assert.deepEqual(countKinds(result.outcomes), { indexed: 150, 'dead-letter': 1 });
    const tooLarge = server.faults.history.filter((fired) => fired.kind === 'payload-too-large').length;
    assert.ok(tooLarge <= 6, `${tooLarge} requests refused as too large`);
  });

  it('self-heals a mapping conflict once and dead-letters what still fails, with the reason', async () => {
    // The "mapping": `conflict` and `poison` must not be objects; `rejectme` is refused outright.
    const itemFault = (doc: BulkDoc): ItemFault | undefined => {
      const source = JSON.parse(doc.source) as Record<string, unknown>;
      for (const field of ['conflict', 'poison']) {
        if (typeof source[field] === 'object' || (field === 'poison' && field in source)) {
          const reason = `failed to parse field [${field}] of type [keyword] in document with id '${doc.id}'`;
          return { status: 400, type: 'mapper_parsing_exception', reason };
        }
      }
      if ('missing' in source) {
        return { status: 400, type: 'mapper_parsing_exception', reason: 'failed to parse field [elsewhere]' };
      }
      if ('rejectme' in source)
        return { status: 400, type: 'illegal_argument_exception', reason: 'bad document' };
      return undefined;
    };
    decide = () => ({ kind: 'forward', itemFault });
    const docs = makeDocs(80, (i) =>
      i % 10 === 1
        ? { conflict: { a: i } }
        : i % 10 === 2
          ? { poison: { p: 1 } }
          : i % 10 === 3
            ? { missing: 1 }
            : i % 10 === 4
              ? { rejectme: 1 }
              : {},
    );
    // Rewrites the field named in the error into a JSON string (a real heal would pick a safe form).
    const heal = (doc: BulkDocument, _type: string, reason: string): BulkDocument | undefined => {
      const field = /field \[(\w+)\]/.exec(reason)?.[1];
      const source = JSON.parse(sourceText(doc)) as Record<string, unknown>;
      if (!field || !(field in source)) return undefined;
      // `poison` stays poisonous: its rewrite keeps the field, so the second attempt fails again.
      source[field] = JSON.stringify(source[field]);
      return documentFromText(doc, JSON.stringify(source));
    };
    const result = await run(proxy, docs, { heal });

    assert.equal(result.error, undefined, result.error?.message);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 48, healed: 8, 'dead-letter': 24 });
    const reasonOf = (i: number) => {
      const outcome = result.outcomes.get(keyOf(docs[i] as BulkDocument));
      return outcome?.kind === 'dead-letter' ? outcome.reason : outcome?.kind;
    };
    assert.equal(reasonOf(11), 'healed');
    const healed = (await (await fetch(`${server.url}/${docs[11]!.index}/_doc/${docs[11]!.id}`)).json()) as {
      _source: { conflict: unknown };
    };
    assert.equal(healed._source.conflict, '{"a":11}');
    assert.match(
      reasonOf(12) ?? '',
      /^mapper_parsing_exception: failed to parse field \[poison\].*\(still failing after 3 self-heal rounds\)$/,
    );
    assert.match(reasonOf(13) ?? '', /^mapper_parsing_exception: .*\(self-heal found nothing to fix\)$/);
    assert.equal(reasonOf(14), 'illegal_argument_exception: bad document');
    const deadLettered = docs.filter((_, i) => [2, 3, 4].includes(i % 10)).map(keyOf);
    const stored = new Set(await storedKeys(server));
    assert.ok(deadLettered.every((key) => !stored.has(key)));
  });

  it('stops at the first 401/403 without retrying and keeps the raw reason', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'forbidden', user: 'arn:aws:iam::1:role/R' } });
    decide = () => ({ kind: 'forward', delayMs: 30 });
    const docs = makeDocs(500);
    const result = await run(proxy, docs, { maxDocs: 10, concurrency: 2 });

    assert.equal(result.error?.kind, 'auth');
    assert.equal(result.error.status, 403);
    assert.equal((result.error.body as { error: { type: string } }).error.type, 'security_exception');
    assert.ok(
      result.error.message.includes(
        'HTTP 403 security_exception: no permissions for [indices:data/write/bulk] and User [name=arn:aws:iam::1:role/R',
      ),
      result.error.message,
    );
    assert.ok(result.addError instanceof BulkFailure, 'add() rejects once the sender failed');
    assert.ok(result.passed < 50, `the producer was stopped after ${result.passed} documents`);
    assert.ok(bulks(proxy).length <= 2, `${bulks(proxy).length} requests: no retries`);
    assert.equal(result.error.undelivered, result.passed);
    assert.deepEqual(await storedKeys(server), []);
  });

  it('an auth failure also ends other batches sleeping in backoff', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'server-error', status: 503 }, times: 1 });
    server.faults.add({ path: '/_bulk', fault: { kind: 'forbidden' } });
    decide = () => ({ kind: 'forward', delayMs: 20 });
    const result = await run(proxy, makeDocs(10), {
      maxDocs: 5,
      concurrency: 2,
      retry: { baseMs: 5000, maxMs: 5000, maxAttempts: 8 },
      random: () => 0.99,
    });

    assert.equal(result.error?.kind, 'auth');
    assert.equal(result.error.undelivered, 10);
    // The batch that got the 503 was sleeping for ~5 s; it woke up at the 403, without a second request.
    assert.equal(bulks(proxy).length, 2);
  });

  it('a flood-stage block on an item stops the sender instead of dead-lettering', async () => {
    const block =
      'index [cloudtrail-2024-01-02] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage]';
    decide = () => ({
      kind: 'forward',
      itemFault: (doc) =>
        doc.id === 'evt-4' ? { status: 429, type: 'cluster_block_exception', reason: block } : undefined,
    });
    const result = await run(proxy, makeDocs(10), { concurrency: 1, maxDocs: 10 });

    assert.equal(result.error?.kind, 'fatal');
    assert.ok(result.error.message.includes(`cluster_block_exception: ${block}`), result.error.message);
    assert.equal(result.error.undelivered, 1);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 9 });
  });

  it('gives up after maxAttempts and reports every document undelivered', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'server-error', status: 503 } });
    const result = await run(proxy, makeDocs(5), {
      concurrency: 1,
      retry: { baseMs: 1, maxMs: 2, maxAttempts: 3 },
    });

    assert.equal(result.error?.kind, 'retries-exhausted');
    assert.match(result.error.message, /still failing after 3 attempts: HTTP 503/);
    assert.equal(bulks(proxy).length, 3);
    assert.equal(result.error.undelivered, 5);
  });

  it('runs out of time: no request or backoff past the margin, undelivered counted', async () => {
    // After two good requests the cluster throttles every request; the "Lambda" has 600 ms.
    decide = ({ number }) =>
      number > 2
        ? { kind: 'reply', status: 429, body: '{"Message":"Too Many Requests"}' }
        : { kind: 'forward' };
    const deadline = Date.now() + 600;
    const result = await run(proxy, makeDocs(200), {
      concurrency: 1,
      maxDocs: 10,
      safetyMarginMs: 200,
      remainingTimeMs: () => deadline - Date.now(),
      retry: { baseMs: 50, maxMs: 100, maxAttempts: 1000 },
    });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.deepEqual(countKinds(result.outcomes), { indexed: 20 });
    assert.equal((await storedKeys(server)).length, 20);
    assert.equal(result.error.undelivered, result.passed - 20);
  });

  it('does not sleep through a backoff that would end past the deadline', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'server-error', status: 503 } });
    const deadline = Date.now() + 3000;
    const result = await run(proxy, makeDocs(5), {
      safetyMarginMs: 100,
      remainingTimeMs: () => deadline - Date.now(),
      retry: { baseMs: 5000, maxMs: 5000, maxAttempts: 8 },
      random: () => 0.99,
    });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.match(result.error.message, /too little to retry after: HTTP 503/);
    assert.equal(bulks(proxy).length, 1);
  });

  it('sends nothing when there is no time left at all', async () => {
    const result = await run(proxy, makeDocs(50), { maxDocs: 10, remainingTimeMs: () => 1000 });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.equal(bulks(proxy).length, 0);
    assert.equal(result.error.undelivered, result.passed);
  });

  it('a short answer: the documents without an item are sent again, and each is stored once', async () => {
    // The first answer loses its last two items (the server stored those documents all the same).
    decide = ({ number }) =>
      number === 1
        ? {
            kind: 'forward',
            edit: (answer) => ({ ...answer, items: (answer.items as unknown[]).slice(0, -2) }),
          }
        : { kind: 'forward' };
    const docs = makeDocs(20);
    const result = await run(proxy, docs, { concurrency: 1, maxDocs: 20, maxBytes: 100_000 });

    assert.equal(result.error, undefined, result.error?.message);
    await assertStoredExactlyOnce(server, docs);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 18, duplicate: 2 });
    assert.equal(result.outcomes.get(keyOf(docs[19]!))?.kind, 'duplicate');
    assert.match(
      result.retries[0]?.reason ?? '',
      /^bulk answer does not match the request: 18 items for 20 documents$/,
    );
    assert.equal(result.retries[0]?.items, 2);
  });

  it('an answer whose items do not match the request by _id: nothing is taken from it, all is sent again', async () => {
    const rotate = (answer: Record<string, unknown>) => {
      const items = answer.items as { create: { _id: string } }[];
      const ids = items.map((item) => item.create._id);
      items.forEach((item, i) => (item.create._id = ids[(i + 1) % ids.length]!));
      return answer;
    };
    decide = ({ number }) => (number === 1 ? { kind: 'forward', edit: rotate } : { kind: 'forward' });
    const docs = makeDocs(5);
    const result = await run(proxy, docs, { concurrency: 1 });

    assert.equal(result.error, undefined, result.error?.message);
    await assertStoredExactlyOnce(server, docs);
    // Stored by the first request, but its answer could not be told apart: the replay finds them.
    assert.deepEqual(countKinds(result.outcomes), { duplicate: 5 });
    assert.match(
      result.retries[0]?.reason ?? '',
      /does not match the request: item 0 has _id "evt-1", expected "evt-0"/,
    );
  });

  it('stops (kind stopped) as soon as the run gives up, even in the middle of a backoff', async () => {
    server.faults.add({ path: '/_bulk', fault: { kind: 'server-error', status: 503 } });
    const health = ClusterHealth.create();
    setTimeout(() => health.stop('the cluster did not answer for 3 files in a row'), 300);
    const result = await run(proxy, makeDocs(5), {
      health,
      retry: { baseMs: 10_000, maxMs: 10_000, maxAttempts: 8 },
      random: () => 0.99,
    });

    assert.equal(result.error?.kind, 'stopped');
    assert.match(
      result.error.message,
      /^bulk indexing failed \(stopped\): the cluster did not answer for 3 files in a row; 5 document/,
    );
    assert.equal(bulks(proxy).length, 1);
  });

  it('applies backpressure: add() waits while every slot is busy', async () => {
    decide = () => ({ kind: 'forward', delayMs: 40 });
    const concurrency = 2;
    const maxDocs = 3;
    let worst = 0;
    const result = await run(proxy, makeDocs(60), { concurrency, maxDocs }, (passed) => {
      worst = Math.max(worst, passed - proxy.docsAnswered);
    });

    assert.equal(result.error, undefined);
    assert.equal((await storedKeys(server)).length, 60);
    assert.ok(worst <= (concurrency + 1) * maxDocs, `${worst} documents held at once`);
  });
});
