import assert from 'node:assert/strict';
import { Client } from '@opensearch-project/opensearch';
import { CleanupConfigError } from '../../src/cleanup/errors.js';
import { installIsmPolicy, ismPolicy } from '../../src/cleanup/ism.js';
import { IsmCluster } from './helpers/ism-cluster.js';
import { dailyNames } from './helpers/names.js';

const P = 'cloudtrail-';
const DAILY = dailyNames(P, '2024-01-01', 200);
const OTHERS = ['cloudtrail-deadletter', 'cloudtrail-2024-01-01-restored', '.kibana_1', 'other-2024-01-01'];
const FAST_RETRY = { maxAttempts: 2, baseMs: 1, maxMs: 5 };

type Policy = {
  states: { name: string; actions: object[]; transitions: { state_name: string; conditions: object }[] }[];
  ism_template: { index_patterns: string[] }[];
};

describe('cleanup: ISM policy', () => {
  it('deletes keepDays after creation, matching only names that start with a year', () => {
    const { policy } = ismPolicy({ prefix: P, keepDays: 30 }) as {
      policy: Policy & { default_state: string };
    };
    assert.equal(policy.default_state, 'hot');
    assert.deepEqual(policy.states[0]!.transitions, [
      { state_name: 'delete', conditions: { min_index_age: '30d' } },
    ]);
    assert.deepEqual(policy.states[1], { name: 'delete', actions: [{ delete: {} }], transitions: [] });
    assert.deepEqual(policy.ism_template[0]!.index_patterns, ['cloudtrail-2*']);
  });

  it('rejects keepDays < 1 and a wildcard prefix', () => {
    assert.throws(() => ismPolicy({ prefix: P, keepDays: 0 }), CleanupConfigError);
    assert.throws(() => ismPolicy({ prefix: 'cloud*', keepDays: 3 }), /prefix/);
  });
});

describe('cleanup: installIsmPolicy over HTTP', () => {
  let cluster: IsmCluster;
  let client: Client;

  async function start(ismBases: string[]) {
    cluster = await new IsmCluster({ ismBases }).start();
    for (const name of [...DAILY, ...OTHERS]) cluster.addIndex(name);
    client = new Client({ node: cluster.url, maxRetries: 0 });
  }
  const managed = () =>
    cluster.indexNames().filter((name) => cluster.indices.get(name)!.ismPolicy !== undefined);
  const storedAge = (id: string) =>
    (cluster.policies.get(id)!.policy as unknown as Policy).states[0]!.transitions[0]!.conditions;

  afterEach(async () => {
    await client?.close();
    await cluster?.close();
  });

  it('creates the policy and attaches it to existing daily indices only', async () => {
    await start(['_plugins/_ism', '_opendistro/_ism']);
    const result = await installIsmPolicy(client, { prefix: P, keepDays: 30, retry: FAST_RETRY });
    assert.deepEqual(result, {
      policyId: 'cloudtrail-retention',
      apiBase: '_plugins/_ism',
      created: true,
      updated: false,
      attachedIndices: 200,
      attachFailures: [],
    });
    assert.deepEqual(storedAge('cloudtrail-retention'), { min_index_age: '30d' });
    assert.deepEqual(managed(), DAILY);
  });

  it('is idempotent: a second install changes nothing', async () => {
    await start(['_plugins/_ism']);
    await installIsmPolicy(client, { prefix: P, keepDays: 30, retry: FAST_RETRY });
    const seqNo = cluster.policies.get('cloudtrail-retention')!.seqNo;
    const again = await installIsmPolicy(client, { prefix: P, keepDays: 30, retry: FAST_RETRY });
    assert.equal(again.created, false);
    assert.equal(again.updated, false);
    assert.equal(again.attachedIndices, 0);
    assert.equal(again.attachFailures.length, 200);
    assert.match(again.attachFailures[0]!.reason, /already has a policy/);
    assert.equal(cluster.policies.get('cloudtrail-retention')!.seqNo, seqNo);
  });

  it('updates a changed retention using the current seq_no and primary term', async () => {
    await start(['_plugins/_ism']);
    await installIsmPolicy(client, { prefix: P, keepDays: 30, policyId: 'ct', retry: FAST_RETRY });
    const result = await installIsmPolicy(client, {
      prefix: P,
      keepDays: 7,
      policyId: 'ct',
      retry: FAST_RETRY,
    });
    assert.equal(result.created, false);
    assert.equal(result.updated, true);
    assert.deepEqual(storedAge('ct'), { min_index_age: '7d' });
  });

  it('falls back to _opendistro/_ism on domains without _plugins', async () => {
    await start(['_opendistro/_ism']);
    const result = await installIsmPolicy(client, { prefix: P, keepDays: 14, retry: FAST_RETRY });
    assert.equal(result.apiBase, '_opendistro/_ism');
    assert.equal(result.created, true);
    assert.deepEqual(storedAge('cloudtrail-retention'), { min_index_age: '14d' });
    assert.deepEqual(managed(), DAILY);
  });

  it('says ISM is unavailable (Serverless) instead of guessing', async () => {
    await start([]);
    await assert.rejects(
      installIsmPolicy(client, { prefix: P, keepDays: 14, retry: FAST_RETRY }),
      /ISM is not available/,
    );
    assert.deepEqual(managed(), []);
  });
});
