/**
 * Shard budget: a cluster refuses to create an index once open shards would pass
 * `cluster.max_shards_per_node` × data nodes, and for this project that means the next day's index
 * cannot be created and indexing stops. We project the steady state of the current retention
 * (other shards + retained days × shards per daily index) and warn before it gets close.
 */
import type { RetryingCaller } from '../http/calls.js';
import { describeFailure } from '../http/errors.js';

/** Warn once the projection reaches this share of the limit. */
export const SHARD_WARNING_RATIO = 0.8;
/** OpenSearch's default for `cluster.max_shards_per_node`. */
export const DEFAULT_MAX_SHARDS_PER_NODE = 1000;
const SETTING = 'cluster.max_shards_per_node';

export interface ClusterShardFacts {
  maxShardsPerNode: number;
  /** Where maxShardsPerNode came from; `assumed` when the settings could not be read. */
  settingSource: 'transient' | 'persistent' | 'defaults' | 'assumed';
  dataNodes: number;
  /** Shards that exist now: active + initializing + unassigned (the limit counts all of them). */
  currentShards: number;
}

export interface ShardBudgetInput {
  keepDays: number;
  /** Days held beyond keepDays, e.g. 1 when tomorrow's index is pre-created. */
  extraDays: number;
  primariesPerDay: number;
  replicasPerDay: number;
  /** Shards in the cluster that are not daily indices of this prefix. */
  otherShards: number;
  cluster: ClusterShardFacts;
}

export interface ShardBudget {
  projected: number;
  limit: number;
  warning?: string;
}

export function projectShardBudget(input: ShardBudgetInput): ShardBudget {
  const { keepDays, extraDays, primariesPerDay, replicasPerDay, otherShards, cluster } = input;
  const shardsPerDay = primariesPerDay * (1 + replicasPerDay);
  const days = keepDays + extraDays;
  const projected = otherShards + days * shardsPerDay;
  const limit = cluster.maxShardsPerNode * cluster.dataNodes;
  if (projected < SHARD_WARNING_RATIO * limit) return { projected, limit };
  const percent = Math.round((projected / limit) * 100);
  const assumed = cluster.settingSource === 'assumed' ? ' (default assumed; settings unreadable)' : '';
  const warning =
    `shard budget: keeping ${days} daily indices × ${shardsPerDay} shards ` +
    `(${primariesPerDay} primaries × (1 + ${replicasPerDay} replicas)) plus ${otherShards} other shards ` +
    `comes to ${projected} shards, ${percent}% of the cluster limit ${limit} ` +
    `(${SETTING} ${cluster.maxShardsPerNode}${assumed} × ${cluster.dataNodes} data nodes). ` +
    `New daily indices fail to be created at the limit: lower KEEP_DAYS, use fewer shards or replicas ` +
    `in the index template, or add data nodes.`;
  return { projected, limit, warning };
}

function settingValue(section: unknown): number | undefined {
  const raw = (section as Record<string, unknown> | undefined)?.[SETTING];
  const value = typeof raw === 'string' ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Reads the limit's inputs. Returns a reason string instead when the cluster cannot say (Serverless
 * has no `_cluster/health`; a narrow role may lack `cluster:monitor/health`).
 */
export async function readClusterShardFacts(
  calls: RetryingCaller,
): Promise<ClusterShardFacts | { unavailable: string }> {
  let health: Record<string, unknown>;
  try {
    health = (await calls.call({ method: 'GET', path: '/_cluster/health' })).body as Record<string, unknown>;
  } catch (err) {
    return { unavailable: `_cluster/health unavailable (${describeFailure(err)})` };
  }
  const dataNodes = Number(health.number_of_data_nodes);
  if (!Number.isInteger(dataNodes) || dataNodes < 1) {
    return { unavailable: '_cluster/health did not report number_of_data_nodes' };
  }
  const count = (key: string) => (Number.isFinite(Number(health[key])) ? Number(health[key]) : 0);
  const currentShards = count('active_shards') + count('initializing_shards') + count('unassigned_shards');

  let maxShardsPerNode = DEFAULT_MAX_SHARDS_PER_NODE;
  let settingSource: ClusterShardFacts['settingSource'] = 'assumed';
  try {
    const settings = (
      await calls.call({
        method: 'GET',
        path: '/_cluster/settings',
        querystring: { include_defaults: true, flat_settings: true },
      })
    ).body as Record<string, unknown>;
    // Precedence as the cluster applies it: transient, then persistent, then the default.
    for (const source of ['transient', 'persistent', 'defaults'] as const) {
      const value = settingValue(settings[source]);
      if (value !== undefined) {
        maxShardsPerNode = value;
        settingSource = source;
        break;
      }
    }
  } catch {
    // Keep the documented default; the warning text says it was assumed.
  }
  return { maxShardsPerNode, settingSource, dataNodes, currentShards };
}
