import { strict as assert } from 'node:assert';
import { Client } from '@opensearch-project/opensearch';
import { BulkFailure, BulkSender, type BulkSenderOptions, type RetryInfo } from '../../src/bulk/sender.js';
import { clientTransport } from '../../src/bulk/transport.js';
import { documentFromText, sourceText } from '../../src/documents/memory.js';
import type { BulkDocument, ItemOutcome } from '../../src/types.js';
import { errorBody, FakeBulkServer, type FakeServerOptions, type ReceivedDoc } from './fake-bulk-server.js';

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
  outcomes: Map<string, ItemOutcome>;
  /** Documents passed to add() (a rejected add() still counts: the document was handed over). */
  passed: number;
  addError?: unknown;
  error?: BulkFailure;
  retries: RetryInfo[];
  elapsedMs: number;
}

async function run(
  server: FakeBulkServer,
  docs: BulkDocument[],
  options: Partial<BulkSenderOptions> = {},
  onAdded?: (passed: number) => void,
): Promise<RunResult> {
  const client = new Client({ node: server.url });
  const outcomes = new Map<string, ItemOutcome>();
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

function countKinds(outcomes: Map<string, ItemOutcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes.values()) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}

function assertStoredExactlyOnce(server: FakeBulkServer, docs: BulkDocument[]): void {
  assert.deepEqual([...server.stored.keys()].sort(), docs.map(keyOf).sort());
  assert.deepEqual(new Set(server.storeCount.values()), new Set([1]));
}

describe('BulkSender against a local _bulk server', function () {
  this.timeout(20_000);
  let server: FakeBulkServer;
  async function serve(options: FakeServerOptions): Promise<void> {
    server = new FakeBulkServer(options);
    await server.start();
  }
  afterEach(async () => server?.stop());

  it('delivers every document exactly once within the byte, count and concurrency bounds', async () => {
    await serve({ responseDelayMs: 15 });
    const docs = makeDocs(400);
    const result = await run(server, docs);

    assert.equal(result.error, undefined);
    assertStoredExactlyOnce(server, docs);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 400 });
    assert.ok(
      Math.max(...server.acceptedBodySizes) <= 3000,
      `largest body ${Math.max(...server.acceptedBodySizes)}`,
    );
    assert.ok(server.requests.every((request) => request.docs.length <= 20));
    assert.ok(server.maxInFlight <= 3, `max in flight ${server.maxInFlight}`);
    assert.ok(server.maxInFlight >= 2, 'requests do overlap');
  });

  it('survives whole-request faults and connection resets without losing or doubling a document', async () => {
    const rejected = errorBody(
      'rejected_execution_exception',
      'rejected execution of coordinating operation',
      429,
    );
    const faults: FakeServerOptions['requestFault'] = ({ number }) =>
      (
        ({
          1: { kind: 'status', status: 429, body: rejected },
          2: { kind: 'status', status: 503 },
          3: { kind: 'reset-before' },
          4: { kind: 'reset-after' },
          5: { kind: 'slow', delayMs: 1500 },
          6: { kind: 'status', status: 502, text: '<html>Bad Gateway</html>' },
          7: { kind: 'status', status: 500, body: errorBody('exception', 'boom', 500) },
          8: { kind: 'status', status: 403, body: { message: 'Request throttled due to too many requests' } },
          9: { kind: 'status', status: 504 },
        }) as const
      )[number];
    // Per-item throttling on the first sighting of some ids, in every spelling a cluster uses.
    const itemFaults = (doc: ReceivedDoc, seen: number) => {
      if (seen > 0) return undefined;
      if (doc.id.endsWith('7'))
        return { status: 429, type: 'rejected_execution_exception', reason: 'queue full' };
      if (doc.id.endsWith('3'))
        return { status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' };
      if (doc.id.endsWith('5')) {
        const extra = { durability: 'TRANSIENT', bytes_wanted: 1, bytes_limit: 1 };
        return { status: 429, type: 'circuit_breaking_exception', reason: '[parent] Data too large', extra };
      }
      return undefined;
    };
    await serve({ requestFault: faults, itemFault: itemFaults });
    const docs = makeDocs(300);
    const result = await run(server, docs, { concurrency: 2, requestTimeoutMs: 300 });

    assert.equal(result.error, undefined, result.error?.message);
    assertStoredExactlyOnce(server, docs);
    // Stored by a request whose answer never arrived (reset after processing, timed out): a replay finds them.
    const storedUnanswered = docs.filter((doc) => [4, 5].includes(server.storedBy.get(keyOf(doc)) ?? 0));
    assert.ok(storedUnanswered.length > 0);
    const duplicates = [...result.outcomes]
      .filter(([, outcome]) => outcome.kind === 'duplicate')
      .map(([key]) => key);
    assert.deepEqual(duplicates.sort(), storedUnanswered.map(keyOf).sort());
    assert.equal(countKinds(result.outcomes).indexed, docs.length - duplicates.length);
    assert.ok(server.maxInFlight <= 2, `max in flight ${server.maxInFlight}`);

    const requestStatuses = new Set(result.retries.filter((r) => r.kind === 'request').map((r) => r.status));
    for (const status of [429, 503, 502, 500, 403, 504, undefined])
      assert.ok(requestStatuses.has(status), `${status}`);
    const itemReasons = result.retries.filter((r) => r.kind === 'items').map((r) => r.reason);
    assert.ok(itemReasons.some((reason) => reason.startsWith('rejected_execution_exception')));
    assert.ok(result.retries.some((r) => /network error ETIMEDOUT/.test(r.reason)));
  });

  it('on 413 halves batches until they fit and dead-letters a lone document over the limit', async () => {
    await serve({ maxBodyBytes: 2500 });
    const docs = makeDocs(150);
    const big = documentFromText(
      { index: 'cloudtrail-2024-01-02', id: 'big', recordIndex: 150 },
      `{"b":"${'y'.repeat(3000)}"}`,
    );
    docs.splice(40, 0, big);
    const result = await run(server, docs, { maxBytes: 20_000, maxDocs: 100, concurrency: 1 });

    assert.equal(result.error, undefined, result.error?.message);
    assertStoredExactlyOnce(
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
    assert.ok(server.tooLarge <= 6, `${server.tooLarge} requests refused as too large`);
  });

  it('self-heals a mapping conflict once and dead-letters what still fails, with the reason', async () => {
    // The "mapping": `conflict` and `poison` must not be objects; `rejectme` is refused outright.
    const itemFault = (doc: ReceivedDoc) => {
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
    await serve({ itemFault });
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
    const result = await run(server, docs, { heal });

    assert.equal(result.error, undefined, result.error?.message);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 48, healed: 8, 'dead-letter': 24 });
    const reasonOf = (i: number) => {
      const outcome = result.outcomes.get(keyOf(docs[i] as BulkDocument));
      return outcome?.kind === 'dead-letter' ? outcome.reason : outcome?.kind;
    };
    assert.equal(reasonOf(11), 'healed');
    assert.equal(JSON.parse(server.stored.get(keyOf(docs[11] as BulkDocument)) ?? '{}').conflict, '{"a":11}');
    assert.match(
      reasonOf(12) ?? '',
      /^mapper_parsing_exception: failed to parse field \[poison\].*\(still failing after 3 self-heal rounds\)$/,
    );
    assert.match(reasonOf(13) ?? '', /^mapper_parsing_exception: .*\(self-heal found nothing to fix\)$/);
    assert.equal(reasonOf(14), 'illegal_argument_exception: bad document');
    const deadLettered = docs.filter((_, i) => [2, 3, 4].includes(i % 10)).map(keyOf);
    assert.ok(deadLettered.every((key) => !server.stored.has(key)));
  });

  it('stops at the first 401/403 without retrying and keeps the raw reason', async () => {
    const reason = 'no permissions for [indices:data/write/bulk] and User [name=arn:aws:iam::1:role/R]';
    const body = errorBody('security_exception', reason, 403);
    await serve({ requestFault: () => ({ kind: 'status', status: 403, body }), responseDelayMs: 30 });
    const docs = makeDocs(500);
    const result = await run(server, docs, { maxDocs: 10, concurrency: 2 });

    assert.equal(result.error?.kind, 'auth');
    assert.equal(result.error.status, 403);
    assert.deepEqual(result.error.body, body);
    assert.ok(result.error.message.includes(`HTTP 403 security_exception: ${reason}`), result.error.message);
    assert.ok(result.addError instanceof BulkFailure, 'add() rejects once the sender failed');
    assert.ok(result.passed < 50, `the producer was stopped after ${result.passed} documents`);
    assert.ok(server.requests.length <= 2, `${server.requests.length} requests: no retries`);
    assert.equal(result.error.undelivered, result.passed);
    assert.equal(server.stored.size, 0);
  });

  it('an auth failure also ends other batches sleeping in backoff', async () => {
    const body = errorBody('security_exception', 'no permissions', 403);
    const requestFault: FakeServerOptions['requestFault'] = ({ number }) =>
      number === 1 ? { kind: 'status', status: 503 } : { kind: 'status', status: 403, body };
    await serve({ requestFault, responseDelayMs: 20 });
    const result = await run(server, makeDocs(10), {
      maxDocs: 5,
      concurrency: 2,
      retry: { baseMs: 5000, maxMs: 5000, maxAttempts: 8 },
      random: () => 0.99,
    });

    assert.equal(result.error?.kind, 'auth');
    assert.equal(result.error.undelivered, 10);
    assert.ok(result.elapsedMs < 1500, `stopped after ${result.elapsedMs} ms`);
  });

  it('a flood-stage block on an item stops the sender instead of dead-lettering', async () => {
    const block =
      'index [cloudtrail-2024-01-02] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage]';
    await serve({
      itemFault: (doc) =>
        doc.id === 'evt-4' ? { status: 429, type: 'cluster_block_exception', reason: block } : undefined,
    });
    const result = await run(server, makeDocs(10), { concurrency: 1, maxDocs: 10 });

    assert.equal(result.error?.kind, 'fatal');
    assert.ok(result.error.message.includes(`cluster_block_exception: ${block}`), result.error.message);
    assert.equal(result.error.undelivered, 1);
    assert.deepEqual(countKinds(result.outcomes), { indexed: 9 });
  });

  it('gives up after maxAttempts and reports every document undelivered', async () => {
    await serve({ requestFault: () => ({ kind: 'status', status: 503 }) });
    const result = await run(server, makeDocs(5), {
      concurrency: 1,
      retry: { baseMs: 1, maxMs: 2, maxAttempts: 3 },
    });

    assert.equal(result.error?.kind, 'retries-exhausted');
    assert.match(result.error.message, /still failing after 3 attempts: HTTP 503/);
    assert.equal(server.requests.length, 3);
    assert.equal(result.error.undelivered, 5);
  });

  it('runs out of time: no request or backoff past the margin, undelivered counted', async () => {
    // After two good requests the cluster throttles every request; the "Lambda" has 600 ms.
    await serve({ requestFault: ({ number }) => (number > 2 ? { kind: 'status', status: 429 } : undefined) });
    const deadline = Date.now() + 600;
    const result = await run(server, makeDocs(200), {
      concurrency: 1,
      maxDocs: 10,
      safetyMarginMs: 200,
      remainingTimeMs: () => deadline - Date.now(),
      retry: { baseMs: 50, maxMs: 100, maxAttempts: 1000 },
    });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.deepEqual(countKinds(result.outcomes), { indexed: 20 });
    assert.equal(server.stored.size, 20);
    assert.equal(result.error.undelivered, result.passed - 20);
    assert.ok(result.elapsedMs < 900, `stopped after ${result.elapsedMs} ms`);
  });

  it('does not sleep through a backoff that would end past the deadline', async () => {
    await serve({ requestFault: () => ({ kind: 'status', status: 503 }) });
    const deadline = Date.now() + 3000;
    const result = await run(server, makeDocs(5), {
      safetyMarginMs: 100,
      remainingTimeMs: () => deadline - Date.now(),
      retry: { baseMs: 5000, maxMs: 5000, maxAttempts: 8 },
      random: () => 0.99,
    });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.match(result.error.message, /too little to retry after: HTTP 503/);
    assert.equal(server.requests.length, 1);
    assert.ok(result.elapsedMs < 1000, `stopped after ${result.elapsedMs} ms`);
  });

  it('sends nothing when there is no time left at all', async () => {
    await serve({});
    const result = await run(server, makeDocs(50), { maxDocs: 10, remainingTimeMs: () => 1000 });

    assert.equal(result.error?.kind, 'out-of-time');
    assert.equal(server.requests.length, 0);
    assert.equal(result.error.undelivered, result.passed);
  });

  it('treats items that do not match the request by _id as a fatal protocol error', async () => {
    await serve({ requestFault: () => ({ kind: 'wrong-ids' }) });
    const result = await run(server, makeDocs(5), { concurrency: 1 });

    assert.equal(result.error?.kind, 'fatal');
    assert.match(
      result.error.message,
      /does not match the request: item 0 has _id "evt-1", expected "evt-0"/,
    );
    assert.equal(result.outcomes.size, 0);
  });

  it('applies backpressure: add() waits while every slot is busy', async () => {
    await serve({ responseDelayMs: 40 });
    const concurrency = 2;
    const maxDocs = 3;
    let worst = 0;
    const result = await run(server, makeDocs(60), { concurrency, maxDocs }, (passed) => {
      worst = Math.max(worst, passed - server.docsAnswered);
    });

    assert.equal(result.error, undefined);
    assert.equal(server.stored.size, 60);
    assert.ok(worst <= (concurrency + 1) * maxDocs, `${worst} documents held at once`);
  });
});
