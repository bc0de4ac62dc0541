/**
 * runCleanup against the project's OpenSearch-compatible dev server (src/devserver), with
 * `action.destructive_requires_name=true` and the dev server's own fault injection.
 */
import assert from 'node:assert/strict';
import { Client } from '@opensearch-project/opensearch';
import { runCleanup, type CleanupOptions } from '../../src/cleanup/run.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { DISTRACTORS, dailyNames } from './helpers/names.js';

const P = 'cloudtrail-';
const NOW = Date.parse('2025-01-01T00:10:00Z'); // today 2025-01-01: year boundary
const DAILY = dailyNames(P, '2023-12-01', 400); // through 2025-01-03 (two future days)
// Uppercase names are not valid index names, so a real cluster could not hold them.
const OTHERS = DISTRACTORS.filter((name) => name === name.toLowerCase());
const CUTOFF_30 = '2024-12-02';
const dateOf = (name: string) => name.slice(P.length);
const survivorsAfter = (cutoff: string) => [...DAILY.filter((n) => dateOf(n) > cutoff), ...OTHERS].sort();

describe('cleanup: runCleanup against the dev server', function () {
  let server: DevServer;
  let client: Client;
  let messages: string[];

  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    client = new Client({ node: server.url, maxRetries: 0 });
    await client.cluster.putSettings({ body: { persistent: { 'action.destructive_requires_name': true } } });
    for (const index of [...DAILY, ...OTHERS]) await client.indices.create({ index });
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  function run(options: Partial<CleanupOptions> = {}) {
    messages = [];
    return runCleanup(client, {
      prefix: P,
      keepDays: 30,
      maxDeletions: 1000,
      dryRun: false,
      nowMs: NOW,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      log: (level, message) => messages.push(`${level}: ${message}`),
      ...options,
    });
  }

  it('deletes exactly the days on or before today − N; everything else survives', async () => {
    assert.deepEqual(server.indexNames(), [...DAILY, ...OTHERS].sort());
    const outcome = await run();
    assert.equal(outcome.plan.cutoff, CUTOFF_30);
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30));
    assert.deepEqual(
      outcome.deleted,
      DAILY.filter((n) => dateOf(n) <= CUTOFF_30),
    );
  });

  it('dry run deletes nothing', async () => {
    const before = server.indexNames();
    const outcome = await run({ dryRun: true, preCreateTomorrow: true });
    assert.deepEqual(server.indexNames(), before);
    assert.deepEqual(
      outcome.plan.toDelete,
      DAILY.filter((n) => dateOf(n) <= CUTOFF_30),
    );
  });

  it('a delete that keeps failing for one index does not stop the rest', async () => {
    const stuck = 'cloudtrail-2024-02-10';
    server.faults.add({ fault: { kind: 'server-error', status: 500 }, method: 'DELETE', path: `*${stuck}*` });
    const outcome = await run();
    assert.deepEqual(
      outcome.failed.map((f) => f.index),
      [stuck],
    );
    assert.match(outcome.failed[0]!.reason, /^500/);
    assert.deepEqual(server.indexNames(), [...survivorsAfter(CUTOFF_30), stuck].sort());
  });

  it('retries a 429 and then succeeds', async () => {
    server.faults.add({ fault: { kind: 'too-many-requests' }, method: 'DELETE', times: 2 });
    const outcome = await run();
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30));
    assert.equal(messages.filter((m) => m.startsWith('warn: retrying')).length, 2);
  });

  it("warns on the shard budget and pre-creates tomorrow's index", async () => {
    await client.cluster.putSettings({ body: { persistent: { 'cluster.max_shards_per_node': 100 } } });
    await client.indices.delete({ index: 'cloudtrail-2025-01-02' });
    const outcome = await run({ keepDays: 30, preCreateTomorrow: true });
    assert.match(
      outcome.shardWarning ?? '',
      /of the cluster limit 100 \(cluster\.max_shards_per_node 100 × 1 data nodes\)/,
    );
    assert.equal(outcome.preCreated, 'cloudtrail-2025-01-02');
    assert.deepEqual(server.indexNames(), survivorsAfter(CUTOFF_30)); // 2025-01-02 is back
  });
});
