/**
 * runCleanup over real HTTP against the fake cluster (test/cleanup/helpers/fake-cluster.ts), which
 * refuses wildcards (destructive_requires_name), request lines over 4 kB, and deletes nothing when a
 * listed name is missing: so passing here means explicit names, sized batches and ignore_unavailable.
 */
import assert from 'node:assert/strict';
import { Client } from '@opensearch-project/opensearch';
import { CleanupConfigError } from '../../src/cleanup/errors.js';
import { runCleanup, type CleanupOptions } from '../../src/cleanup/run.js';
import { FakeCluster, type FakeClusterOptions } from './helpers/fake-cluster.js';
import { DISTRACTORS, dailyNames } from './helpers/names.js';

const P = 'cloudtrail-';
const NOW = Date.parse('2024-03-01T09:30:00Z'); // today 2024-03-01, leap year
// 400 days ending two days after "today".
const DAILY = dailyNames(P, '2023-01-29', 400);
const dateOf = (name: string) => name.slice(P.length);
const FAST_RETRY = { maxAttempts: 4, baseMs: 5, maxMs: 20 };

describe('cleanup: runCleanup over HTTP', function () {
  let cluster: FakeCluster;
  let client: Client;
  let messages: { level: string; message: string; data?: Record<string, unknown> }[];

  async function start(options: FakeClusterOptions = {}, names = [...DAILY, ...DISTRACTORS]) {
    cluster = await new FakeCluster(options).start();
    for (const name of names) cluster.addIndex(name);
    client = new Client({ node: cluster.url, maxRetries: 0 });
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
    await cluster?.close();
  });

  it('deletes exactly the days on or before today − N and nothing else', async () => {
    await start();
    const outcome = await run({ keepDays: 30 });
    const expectedDeleted = DAILY.filter((n) => dateOf(n) <= '2024-01-31');
    assert.equal(expectedDeleted.length, 368);
    assert.deepEqual(outcome.deleted, expectedDeleted);
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(
      cluster.indexNames(),
      [...DAILY.filter((n) => dateOf(n) > '2024-01-31'), ...DISTRACTORS].sort(),
    );
    assert.equal(outcome.plan.kept.length, 32); // 30 days counting today + 2 future days
    // Every batch fit the URL limit: none had to fall back to one-by-one deletes.
    assert.ok(!messages.some((m) => /batch delete failed/.test(m.message)));
  });

  it('dry run deletes nothing and reports exactly what it would delete', async () => {
    await start();
    const before = cluster.indexNames();
    const outcome = await run({ keepDays: 7, dryRun: true, preCreateTomorrow: true });
    assert.deepEqual(cluster.indexNames(), before);
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
    cluster.beforeRequest = (method) => {
      if (method === 'DELETE') cluster.indices.delete(vanishing); // someone else deleted it after our listing
    };
    const outcome = await run({ keepDays: 30 });
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(
      cluster.indexNames(),
      [...DAILY.filter((n) => dateOf(n) > '2024-01-31'), ...DISTRACTORS].sort(),
    );
  });

  it('one index that cannot be deleted does not stop the others, and the outcome says why', async () => {
    await start();
    const stuck = 'cloudtrail-2023-06-15';
    cluster.undeletable.set(stuck, {
      status: 400,
      type: 'snapshot_in_progress_exception',
      reason: `Cannot delete indices that are being snapshotted: [[${stuck}]]`,
    });
    const outcome = await run({ keepDays: 30 });
    assert.equal(outcome.failed.length, 1);
    assert.equal(outcome.failed[0]!.index, stuck);
    assert.match(outcome.failed[0]!.reason, /HTTP 400 snapshot_in_progress_exception: Cannot delete indices/);
    assert.deepEqual(
      cluster.indexNames(),
      [stuck, ...DAILY.filter((n) => dateOf(n) > '2024-01-31'), ...DISTRACTORS].sort(),
    );
    assert.equal(outcome.deleted.length, 367);
    assert.ok(!outcome.deleted.includes(stuck));
  });

  it('retries 429 and 5xx with backoff until the delete goes through', async () => {
    await start();
    const rejected = {
      error: { type: 'rejected_execution_exception', reason: 'rejected execution' },
      status: 429,
    };
    cluster.inject({ method: 'DELETE', path: /./, status: 429, body: rejected, times: 2 });
    cluster.inject({ method: 'GET', path: /^\/_cat\/indices/, status: 503, body: { error: 'unavailable' } });
    const outcome = await run({ keepDays: 30 });
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(
      cluster.indexNames(),
      [...DAILY.filter((n) => dateOf(n) > '2024-01-31'), ...DISTRACTORS].sort(),
    );
    assert.equal(messages.filter((m) => m.message.startsWith('retrying')).length, 3);
  });

  it('a 429 that never clears fails the affected indices with the reason, not the run', async () => {
    await start({}, dailyNames(P, '2024-01-01', 61));
    const rejected = { error: { type: 'rejected_execution_exception', reason: 'queue full' }, status: 429 };
    // Enough 429s to exhaust the batch try (4) and the first single-name try (4); then the cluster recovers.
    cluster.inject({ method: 'DELETE', path: /./, status: 429, body: rejected, times: 8 });
    const outcome = await run({ keepDays: 30 });
    assert.deepEqual(outcome.failed, [
      { index: 'cloudtrail-2024-01-01', reason: 'HTTP 429 rejected_execution_exception: queue full' },
    ]);
    assert.deepEqual(cluster.indexNames(), ['cloudtrail-2024-01-01', ...dailyNames(P, '2024-02-01', 30)]);
  });

  it('above maxDeletions deletes only the oldest and leaves the rest for the next run', async () => {
    await start();
    const outcome = await run({ keepDays: 30, maxDeletions: 50 });
    const old = DAILY.filter((n) => dateOf(n) <= '2024-01-31');
    assert.deepEqual(outcome.deleted, old.slice(0, 50));
    assert.deepEqual(outcome.plan.deferred, old.slice(50));
    assert.ok(messages.some((m) => m.level === 'warn' && /maxDeletions 50 reached/.test(m.message)));
    assert.deepEqual(cluster.indexNames(), [...DAILY.slice(50), ...DISTRACTORS].sort());
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
    await start({}, dailyNames(P, '2024-02-01', 30));
    const first = await run({ keepDays: 30, preCreateTomorrow: true });
    assert.equal(first.preCreated, 'cloudtrail-2024-03-02');
    assert.ok(cluster.indexNames().includes('cloudtrail-2024-03-02'));
    const second = await run({ keepDays: 30, preCreateTomorrow: true });
    assert.equal(second.preCreated, 'cloudtrail-2024-03-02');
    assert.ok(messages.some((m) => m.message === 'cloudtrail-2024-03-02 already exists'));
  });

  it('rejects a bad option before touching the cluster', async () => {
    await start();
    const before = cluster.indexNames();
    await assert.rejects(
      run({ keepDays: 0 }),
      (err: unknown) => err instanceof CleanupConfigError && /keepDays/.test(err.message),
    );
    assert.deepEqual(cluster.indexNames(), before);
  });

  it('fails the run, deleting nothing, when the indices cannot be listed', async () => {
    await start();
    const before = cluster.indexNames();
    const denied = {
      error: { type: 'security_exception', reason: 'no permissions for [indices:monitor/stats]' },
      status: 403,
    };
    cluster.inject({ method: 'GET', path: /^\/_cat\/indices/, status: 403, body: denied });
    await assert.rejects(run({ keepDays: 30 }), /security_exception/);
    assert.deepEqual(cluster.indexNames(), before);
  });

  describe('shard budget', () => {
    it('warns when retained days × shards × (1 + replicas) approach the limit', async () => {
      await start(
        { maxShardsPerNode: 100, dataNodes: 1, defaultPrimaries: 1, defaultReplicas: 1, otherShards: 10 },
        DAILY,
      );
      const outcome = await run({ keepDays: 40 });
      // 10 other shards + 40 days × 2 shards = 90 of 100.
      assert.match(
        outcome.shardWarning ?? '',
        /keeping 40 daily indices × 2 shards .* 90 shards, 90% of the cluster limit 100/,
      );
      assert.ok(messages.some((m) => m.level === 'warn' && m.message === outcome.shardWarning));
    });

    it('counts the pre-created day and multiplies the limit by data nodes', async () => {
      await start({ maxShardsPerNode: 50, dataNodes: 2, defaultPrimaries: 2, defaultReplicas: 1 }, DAILY);
      const warned = await run({ keepDays: 20, preCreateTomorrow: true });
      // 21 days × 4 shards = 84 of 100 → warn; 19 days would be 80 → still 80%, 18 → 76 → quiet.
      assert.match(warned.shardWarning ?? '', /84 shards, 84% of the cluster limit 100/);
      const quiet = await run({ keepDays: 18 });
      assert.equal(quiet.shardWarning, undefined);
    });

    it('stays quiet within budget using the default limit', async () => {
      await start({ dataNodes: 1 });
      const outcome = await run({ keepDays: 30 });
      assert.equal(outcome.shardWarning, undefined);
      assert.ok(messages.some((m) => m.message === 'shard budget' && m.data?.limit === 1000));
    });

    it('degrades gracefully without cluster APIs (Serverless) and still cleans up', async () => {
      await start({ clusterApis: false, maxShardsPerNode: 1 });
      const outcome = await run({ keepDays: 30 });
      assert.equal(outcome.shardWarning, undefined);
      assert.equal(outcome.deleted.length, 368);
      assert.ok(
        messages.some((m) => /shard budget check skipped: _cluster\/health unavailable/.test(m.message)),
      );
    });
  });
});
