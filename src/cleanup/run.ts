/**
 * One cleanup run: list → plan (pure, see plan.ts) → delete in batches → check the shard budget →
 * optionally pre-create tomorrow's index. Only `plan.toDelete` is ever passed to a DELETE.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { RetryingCaller } from '../http/calls.js';
import { describeFailure } from '../http/errors.js';
import { cleanupCalls, type CleanupConnection } from './calls.js';
import { utcDayOffset } from './dates.js';
import { deleteIndices } from './delete.js';
import { listIndices, type IndexEntry } from './list.js';
import { parseDailyIndexName, planRetention, validateRetentionOptions, type RetentionPlan } from './plan.js';
import { ensureIndexExists } from './precreate.js';
import { projectShardBudget, readClusterShardFacts } from './shard-budget.js';

export type CleanupLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  data?: Record<string, unknown>,
) => void;

export interface CleanupOptions extends CleanupConnection {
  prefix: string;
  keepDays: number;
  maxDeletions: number;
  dryRun: boolean;
  /** "Now" for the retention rule; defaults to Date.now(). */
  nowMs?: number;
  /** Names never deleted, e.g. the dead-letter index. */
  protect?: string[];
  /** PUT tomorrow's (UTC) index after cleaning up (skipped in a dry run). */
  preCreateTomorrow?: boolean;
  log?: CleanupLog;
  /** URL path budget per DELETE (default 3,000 bytes). */
  maxPathBytes?: number;
}

export interface CleanupOutcome {
  plan: RetentionPlan;
  /** Indices deleted by this run (empty in a dry run; `plan.toDelete` is what would be deleted). */
  deleted: string[];
  failed: { index: string; reason: string }[];
  dryRun: boolean;
  shardWarning?: string;
  /** Tomorrow's index name when it exists after this run (created now or already there). */
  preCreated?: string;
}

const noLog: CleanupLog = () => {};

export async function runCleanup(client: Client, options: CleanupOptions): Promise<CleanupOutcome> {
  const nowMs = options.nowMs ?? Date.now();
  const { prefix, keepDays, maxDeletions, dryRun } = options;
  const log = options.log ?? noLog;
  // Fail on a bad option before touching the cluster.
  validateRetentionOptions({ prefix, keepDays, maxDeletions, nowMs });

  const calls = cleanupCalls(client, options, ({ attempt, delayMs, error, request }) =>
    log('warn', 'retrying after a transient error', {
      request,
      attempt,
      delayMs,
      error: describeFailure(error),
    }),
  );

  const entries = await listIndices(calls, prefix);
  const plan = planRetention(
    entries.map((entry) => entry.index),
    { prefix, keepDays, maxDeletions, nowMs, protect: options.protect },
  );
  reportPlan(plan, { prefix, maxDeletions, dryRun }, log);

  let deleted: string[] = [];
  let failed: CleanupOutcome['failed'] = [];
  if (!dryRun && plan.toDelete.length > 0) {
    ({ deleted, failed } = await deleteIndices(calls, plan.toDelete, {
      maxPathBytes: options.maxPathBytes,
      onBatchFailure: (batch, reason) =>
        log('warn', 'batch delete failed; retrying each index on its own', { size: batch.length, reason }),
    }));
    if (deleted.length > 0) log('info', `deleted ${deleted.length} indices`, { indices: deleted });
    for (const failure of failed)
      log('error', `could not delete ${failure.index}`, { reason: failure.reason });
  }

  const outcome: CleanupOutcome = { plan, deleted, failed, dryRun };
  const tomorrow = `${prefix}${utcDayOffset(nowMs, 1)}`;
  const preCreate = options.preCreateTomorrow === true;

  const shardWarning = await checkShardBudget(calls, entries, new Set(deleted), {
    prefix,
    keepDays,
    extraDays: preCreate ? 1 : 0,
    nowMs,
    log,
  });
  if (shardWarning) {
    outcome.shardWarning = shardWarning;
    log('warn', shardWarning);
  }

  if (preCreate && dryRun) {
    log('info', `dry run: would pre-create ${tomorrow}`);
  } else if (preCreate) {
    try {
      const result = await ensureIndexExists(calls, tomorrow);
      outcome.preCreated = tomorrow;
      log('info', result === 'created' ? `pre-created ${tomorrow}` : `${tomorrow} already exists`);
    } catch (err) {
      // Not fatal: the indexer auto-creates it on first write as it always could.
      log('warn', `could not pre-create ${tomorrow}`, { reason: describeFailure(err) });
    }
  }
  return outcome;
}

function reportPlan(
  plan: RetentionPlan,
  context: { prefix: string; maxDeletions: number; dryRun: boolean },
  log: CleanupLog,
): void {
  log(
    'info',
    `retention: today ${plan.today} (UTC); deleting daily indices dated ${plan.cutoff} or earlier`,
    {
      toDelete: plan.toDelete.length,
      kept: plan.kept.length,
      skipped: plan.skipped.length,
      deferred: plan.deferred.length,
    },
  );
  const oddNames = plan.skipped.filter((entry) => entry.index.startsWith(context.prefix));
  if (oddNames.length > 0) {
    log(
      'warn',
      `left alone ${oddNames.length} indices under "${context.prefix}" that are not daily indices`,
      {
        skipped: oddNames,
      },
    );
  }
  if (plan.deferred.length > 0) {
    log(
      'warn',
      `maxDeletions ${context.maxDeletions} reached: deleting the oldest ${plan.toDelete.length}, ` +
        `${plan.deferred.length} more are left for the next run`,
      { deferred: plan.deferred },
    );
  }
  if (context.dryRun) {
    log('info', `dry run: would delete ${plan.toDelete.length} indices`, { indices: plan.toDelete });
  }
}

/** Returns the warning text, or undefined when within budget or when the cluster cannot tell us. */
async function checkShardBudget(
  calls: RetryingCaller,
  entries: IndexEntry[],
  deleted: Set<string>,
  context: {
    prefix: string;
    keepDays: number;
    extraDays: number;
    nowMs: number;
    log: CleanupLog;
  },
): Promise<string | undefined> {
  const remainingDaily = entries
    .map((entry) => ({ ...entry, date: parseDailyIndexName(entry.index, context.prefix) }))
    .filter((entry) => entry.date !== undefined && !deleted.has(entry.index));
  // Shards per day are taken from the newest daily index up to tomorrow: it reflects the current template.
  const horizon = utcDayOffset(context.nowMs, 1);
  const sample = remainingDaily
    .filter((entry) => entry.primaries !== undefined && entry.date! <= horizon)
    .sort((a, b) => (a.date! < b.date! ? 1 : -1))[0];
  if (!sample) {
    context.log('info', 'shard budget check skipped: no daily index with a known shard count');
    return undefined;
  }
  try {
    const cluster = await readClusterShardFacts(calls);
    if ('unavailable' in cluster) {
      context.log('info', `shard budget check skipped: ${cluster.unavailable}`);
      return undefined;
    }
    // Replicas default to 1 (the OpenSearch default) when the listing left them out: better to over-count.
    const shardsOf = (entry: IndexEntry) => (entry.primaries ?? 1) * (1 + (entry.replicas ?? 1));
    const dailyShards = remainingDaily.reduce((sum, entry) => sum + shardsOf(entry), 0);
    const budget = projectShardBudget({
      keepDays: context.keepDays,
      extraDays: context.extraDays,
      primariesPerDay: sample.primaries!,
      replicasPerDay: sample.replicas ?? 1,
      otherShards: Math.max(0, cluster.currentShards - dailyShards),
      cluster,
    });
    context.log('info', 'shard budget', { projected: budget.projected, limit: budget.limit });
    return budget.warning;
  } catch (err) {
    context.log('info', `shard budget check skipped: ${describeFailure(err)}`);
    return undefined;
  }
}
