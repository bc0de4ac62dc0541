import assert from 'node:assert/strict';
import { projectShardBudget, type ShardBudgetInput } from '../../src/cleanup/shard-budget.js';

const base: ShardBudgetInput = {
  keepDays: 30,
  extraDays: 0,
  primariesPerDay: 1,
  replicasPerDay: 1,
  otherShards: 0,
  cluster: { maxShardsPerNode: 1000, settingSource: 'defaults', dataNodes: 1, currentShards: 0 },
};

describe('cleanup: shard budget projection', () => {
  it('is quiet well inside the limit', () => {
    assert.deepEqual(projectShardBudget(base), { projected: 60, limit: 1000 });
  });

  it('warns from 80% of max_shards_per_node × data nodes, naming the numbers', () => {
    const at80 = projectShardBudget({ ...base, keepDays: 400 });
    assert.equal(at80.projected, 800);
    assert.match(
      at80.warning ?? '',
      /keeping 400 daily indices × 2 shards .* 800 shards, 80% of the cluster limit 1000/,
    );
    assert.equal(projectShardBudget({ ...base, keepDays: 399 }).warning, undefined);
  });

  it('counts replicas, other shards, extra days and data nodes', () => {
    const result = projectShardBudget({
      ...base,
      keepDays: 160,
      extraDays: 1,
      primariesPerDay: 3,
      replicasPerDay: 2,
      otherShards: 1000,
      cluster: { ...base.cluster, dataNodes: 3 },
    });
    assert.equal(result.projected, 1000 + 161 * 9);
    assert.equal(result.limit, 3000);
    assert.match(
      result.warning ?? '',
      /2449 shards, 82% of the cluster limit 3000 \(cluster.max_shards_per_node 1000 × 3 data nodes\)/,
    );
    assert.match(result.warning ?? '', /3 primaries × \(1 \+ 2 replicas\)/);
  });

  it('says when the per-node limit was assumed', () => {
    const result = projectShardBudget({
      ...base,
      keepDays: 500,
      cluster: { ...base.cluster, settingSource: 'assumed' },
    });
    assert.match(result.warning ?? '', /default assumed/);
  });
});
