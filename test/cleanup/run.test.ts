/**
 * runCleanup over real HTTP against the dev server, with `action.destructive_requires_name=true` (so a
 * wildcard DELETE would be refused) and its fault injection; the test proxy in front plays what a cluster
 * does that the dev server does not (an index deleted by someone else between the listing and the delete,
 * an index that cannot be deleted, more data nodes, a cluster without `_cluster` APIs).
 */
import assert from 'node:assert/strict';
import { Client } from '@opensearch-project/opensearch';
import { CleanupConfigError } from '../../src/cleanup/errors.js';
import { runCleanup, type CleanupOptions } from '../../src/cleanup/run.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { startProxy, type ProxiedRequest, type Proxy, type ProxyAction } from '../reliability/proxy.js';
import { DISTRACTORS, dailyNames } from './helpers/names.js';

const P = 'cloudtrail-';
const NOW = Date.parse('2024-03-01T09:30:00Z'); // today 2024-03-01, leap year
// 400 days ending two days after "today".
const DAILY = dailyNames(P, '2023-01-29', 400);
// Upper-case names are not valid index names, so a real cluster could not hold them.
const OTHERS = DISTRACTORS.filter((name) => name === name.toLowerCase());
const CUTOFF_30 = '2024-01-31';
const dateOf = (name: string) => name.slice(P.length);
const survivorsAfter = (cutoff: string) => [...DAILY.filter((n) => dateOf(n) > cutoff), ...OTHERS].sort();
const FAST_RETRY = { maxAttempts: 4, baseMs: 5, maxMs: 20 };

interface Setup {
  names?: string[];
  /** Shards of every index created (default: the dev server's 1 primary, 1 replica). */
  shards?: { primaries: number; replicas: number };
  maxShardsPerNode?: number;
}

describe('cleanup: runCleanup against the dev server', function () {
  this.timeout(30_000);
  let server: DevServer;
  let proxy: Proxy;
  let client: Client;
  let decide: (request: ProxiedRequest) => ProxyAction | Promise<ProxyAction>;
  let messages: { level: string; message: string; data?: Record<string, unknown> }[];

  async function start(setup: Setup = {}) {
    server = await startDevServer({ port: 0 });
    const admin = new Client({ node: server.url });
    try {
      const persistent: Record<string, unknown> = { 'action.destructive_requires_name': true };
      if (setup.maxShardsPerNode) persistent['cluster.max_shards_per_node'] = setup.maxShardsPerNode;
      await admin.cluster.putSettings({ body: { persistent } });
      const settings = setup.shards
        ? { number_of_shards: setup.shards.primaries, number_of_replicas: setup.shards.replicas }
        : {};
      for (const index of setup.names ?? [...DAILY, ...OTHERS]) {
        await admin.indices.create({ index, body: { settings } });
      }
    } finally {
      await admin.close();
    }
    decide = () => ({ kind: 'forward' });
    proxy = await startProxy(server.url, (request) => decide(request));
    client = new Client({ node: proxy.url });
  }

  function run(options: Partial<CleanupOptions> = {}) {
    messages = [];
    return runCleanup(client, {
      prefix: P,
      keepDays: 30,
      maxDeletions: 1000,
      dryRun: false,
      nowMs: NOW,
      retry: FAST_RETRY,
      log: (level, message, data) => messages.push({ level, message, data }),
      ...options,
    });
  }

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('deletes exactly the days on or before today − N and nothing else', async () => {
    await start();
    const outcome = await run({ keepDays: 30 });
    const expectedDeleted = DAILY.filter((n) => dateOf(n) <= CUTOFF_30);
    assert.equal(expectedDeleted.length, 368);
    assert.equal(outcome.plan.cutoff, CUTOFF_30);
    assert.deepEqual(outcome.deleted, expectedDeleted);
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30));
    assert.equal(outcome.plan.kept.length, 32); // 30 days counting today + 2 future days
    // Every batch fit the URL limit and named its indices exactly: no one-by-one fallback was needed.
    assert.ok(!messages.some((m) => /batch delete failed/.test(m.message)));
  });

  it('dry run deletes nothing and reports exactly what it would delete', async () => {
    await start();
    const before = server.indexNames();
    const outcome = await run({ keepDays: 7, dryRun: true, preCreateTomorrow: true });
    assert.deepEqual(server.indexNames(), before);
    assert.equal(outcome.dryRun, true);
    assert.deepEqual(outcome.deleted, []);
    assert.deepEqual(
      outcome.plan.toDelete,
      DAILY.filter((n) => dateOf(n) <= '2024-02-23'),
    );
    assert.equal(outcome.preCreated, undefined);
    const printed = messages.find((m) => m.message.startsWith('dry run: would delete'));
    assert.deepEqual(printed?.data?.indices, outcome.plan.toDelete);
  });

  it('an index that vanished meanwhile does not fail its batch', async () => {
    await start();
    const vanishing = 'cloudtrail-2023-02-10';
    decide = async (request) => {
      // Someone else deletes it after our listing, just before our first DELETE arrives.
      if (request.method === 'DELETE' && server.indexNames().includes(vanishing)) {
        await fetch(`${server.url}/${vanishing}`, { method: 'DELETE' });
      }
      return { kind: 'forward' };
    };
    const outcome = await run({ keepDays: 30 });
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30));
    assert.ok(!messages.some((m) => /batch delete failed/.test(m.message)));
  });

  it('one index that cannot be deleted does not stop the others, and the outcome says why', async () => {
    await start();
    const stuck = 'cloudtrail-2023-06-15';
    const snapshotting = {
      error: {
        type: 'snapshot_in_progress_exception',
        reason: `Cannot delete indices that are being snapshotted: [[${stuck}]]`,
      },
      status: 400,
    };
    decide = (request) =>
      request.method === 'DELETE' && decodeURIComponent(request.url).includes(stuck)
        ? { kind: 'reply', status: 400, body: JSON.stringify(snapshotting) }
        : { kind: 'forward' };
    const outcome = await run({ keepDays: 30 });
    assert.equal(outcome.failed.length, 1);
    assert.equal(outcome.failed[0]!.index, stuck);
    assert.match(
      outcome.failed[0]!.reason,
      /^HTTP 400 snapshot_in_progress_exception: Cannot delete indices/,
    );
    assert.deepEqual(server.indexNames(), [stuck, ...survivorsAfter(CUTOFF_30)].sort());
    assert.equal(outcome.deleted.length, 367);
    assert.ok(messages.some((m) => /batch delete failed; retrying each index on its own/.test(m.message)));
  });

  it('retries 429 and 5xx with backoff until the delete goes through', async () => {
    await start();
    server.faults.add({ fault: { kind: 'too-many-requests' }, method: 'DELETE', times: 2 });
    server.faults.add({ fault: { kind: 'server-error', status: 503 }, path: '/_cat/indices*', times: 1 });
    const outcome = await run({ keepDays: 30 });
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30));
    const retried = messages
      .filter((m) => m.message === 'retrying after a transient error')
      .map((m) => String(m.data?.request));
    assert.equal(retried.length, 3);
    assert.equal(retried[0], 'GET /_cat/indices/cloudtrail-*');
    assert.ok(retried.slice(1).every((request) => request.startsWith('DELETE /cloudtrail-')));
  });

  it('a 429 that never clears fails the affected indices with the reason, not the run', async () => {
    await start({ names: dailyNames(P, '2024-01-01', 61) });
    // Enough 429s to exhaust the batch try (4) and the first single-name try (4); then the cluster recovers.
    server.faults.add({ fault: { kind: 'too-many-requests' }, method: 'DELETE', times: 8 });
    const outcome = await run({ keepDays: 30 });
    assert.equal(outcome.failed.length, 1);
    assert.equal(outcome.failed[0]!.index, 'cloudtrail-2024-01-01');
    assert.match(outcome.failed[0]!.reason, /^HTTP 429 rejected_execution_exception: rejected execution/);
    assert.deepEqual(server.indexNames(), ['cloudtrail-2024-01-01', ...dailyNames(P, '2024-02-01', 30)]);
  });

  it('above maxDeletions deletes only the oldest and leaves the rest for the next run', async () => {
    await start();
    const outcome = await run({ keepDays: 30, maxDeletions: 50 });
    const old = DAILY.filter((n) => dateOf(n) <= CUTOFF_30);
    assert.deepEqual(outcome.deleted, old.slice(0, 50));
    assert.deepEqual(outcome.plan.deferred, old.slice(50));
    assert.ok(messages.some((m) => m.level === 'warn' && /maxDeletions 50 reached/.test(m.message)));
    assert.deepEqual(server.indexNames(), [...DAILY.slice(50), ...OTHERS].sort());
    // The next run carries on where this one stopped.
    const second = await run({ keepDays: 30, maxDeletions: 1000 });
    assert.deepEqual(second.deleted, old.slice(50));
  });

  it('warns about names under the prefix that it leaves alone', async () => {
    await start();
    await run({ keepDays: 30 });
    const warning = messages.find((m) => m.level === 'warn' && /not daily indices/.test(m.message));
    const listed = (warning?.data?.skipped as { index: string }[]).map((s) => s.index);
    assert.ok(listed.includes('cloudtrail-2024-13-45'));
    assert.ok(listed.includes('cloudtrail-deadletter'));
    assert.ok(!listed.includes('.kibana_1')); // not ours, not worth a warning
  });

  it("pre-creates tomorrow's index, and a second run finds it already there", async () => {
    await start({ names: dailyNames(P, '2024-02-01', 30) });
    const first = await run({ keepDays: 30, preCreateTomorrow: true });
    assert.equal(first.preCreated, 'cloudtrail-2024-03-02');
    assert.ok(server.indexNames().includes('cloudtrail-2024-03-02'));
    const second = await run({ keepDays: 30, preCreateTomorrow: true });
    assert.equal(second.preCreated, 'cloudtrail-2024-03-02');
    assert.ok(messages.some((m) => m.message === 'cloudtrail-2024-03-02 already exists'));
  });

  it('rejects a bad option before touching the cluster', async () => {
    await start({ names: DAILY.slice(0, 5) });
    await assert.rejects(
      run({ keepDays: 0 }),
      (err: unknown) => err instanceof CleanupConfigError && /keepDays/.test(err.message),
    );
    assert.equal(proxy.requests, 0);
  });

  it('fails the run, deleting nothing, when the indices cannot be listed', async () => {
    await start();
    const before = server.indexNames();
    server.faults.add({ fault: { kind: 'forbidden' }, path: '/_cat/indices*' });
    await assert.rejects(
      run({ keepDays: 30 }),
      /GET \/_cat\/indices\/cloudtrail-\* failed with HTTP 403 security_exception/,
    );
    assert.deepEqual(server.indexNames(), before);
  });

  it('a listing the cluster trickles is abandoned at the request deadline and retried', async () => {
    await start({ names: DAILY.slice(0, 40) });
    decide = ({ number }) => (number === 1 ? { kind: 'trickle', everyMs: 50 } : { kind: 'forward' });
    const outcome = await run({ keepDays: 30, requestTimeoutMs: 400 });
    assert.deepEqual(outcome.failed, []);
    assert.equal(outcome.deleted.length, 40);
    const retry = messages.find((m) => m.message === 'retrying after a transient error');
    assert.equal(retry?.data?.error, 'GET /_cat/indices/cloudtrail-*: no complete answer within 400 ms');
  });

  describe('shard budget', () => {
    const otherIndices = (count: number) => Array.from({ length: count }, (_, i) => `other-${i}`);

    it('warns when retained days × shards × (1 + replicas) approach the limit', async () => {
      await start({
        names: [...DAILY, ...otherIndices(5)],
        shards: { primaries: 1, replicas: 1 },
        maxShardsPerNode: 100,
      });
      const outcome = await run({ keepDays: 40 });
      // 10 other shards + 40 days × 2 shards = 90 of 100.
      assert.match(
        outcome.shardWarning ?? '',
        /keeping 40 daily indices × 2 shards .* 90 shards, 90% of the cluster limit 100/,
      );
      assert.ok(messages.some((m) => m.level === 'warn' && m.message === outcome.shardWarning));
    });

    it('counts the pre-created day and multiplies the limit by data nodes', async () => {
      await start({ names: DAILY, shards: { primaries: 2, replicas: 1 }, maxShardsPerNode: 50 });
      // Two data nodes: the dev server has one, so the proxy says otherwise.
      decide = (request) =>
        request.url.startsWith('/_cluster/health')
          ? { kind: 'forward', edit: (health) => ({ ...health, number_of_data_nodes: 2 }) }
          : { kind: 'forward' };
      const warned = await run({ keepDays: 20, preCreateTomorrow: true });
      // 21 days × 4 shards = 84 of 100 → warn; 18 days would be 72 → quiet.
      assert.match(warned.shardWarning ?? '', /84 shards, 84% of the cluster limit 100/);
      const quiet = await run({ keepDays: 18 });
      assert.equal(quiet.shardWarning, undefined);
    });

    it('stays quiet within budget using the default limit', async () => {
      await start();
      const outcome = await run({ keepDays: 30 });
      assert.equal(outcome.shardWarning, undefined);
      assert.ok(messages.some((m) => m.message === 'shard budget' && m.data?.limit === 1000));
    });

    it('degrades gracefully without cluster APIs (Serverless) and still cleans up', async () => {
      await start({ maxShardsPerNode: 1 });
      decide = (request) =>
        request.url.startsWith('/_cluster/')
          ? { kind: 'reply', status: 404, body: '{"error":"no handler found"}' }
          : { kind: 'forward' };
      const outcome = await run({ keepDays: 30 });
      assert.equal(outcome.shardWarning, undefined);
      assert.equal(outcome.deleted.length, 368);
      assert.ok(
        messages.some((m) => /shard budget check skipped: _cluster\/health unavailable/.test(m.message)),
      );
    });
  });
});
