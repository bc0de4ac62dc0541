/**
 * Cleanup Lambda entry point (handler `index.handler`), run on a schedule: keeps KEEP_DAYS calendar
 * days of daily indices and deletes older ones, never touching anything that is not exactly
 * INDEX_PREFIX + YYYY-MM-DD (see src/cleanup/plan.ts for the rule and its guards).
 */
import type { Context } from 'aws-lambda';
import { runCleanup } from '../src/cleanup/run.js';
import { loadCleanupConfig } from '../src/config.js';
import { lambdaTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import { describedError, lambdaErrorContext } from '../src/opensearch/errors.js';

export async function handler(_event?: unknown, context?: Context): Promise<unknown> {
  const config = loadCleanupConfig(process.env);
  const telemetry = lambdaTelemetry('cloudtrail-cleanup', config.logLevel);
  const client = createClient(config);
  try {
    const outcome = await runCleanup(client, {
      prefix: config.indexPrefix,
      keepDays: config.keepDays,
      maxDeletions: config.maxDeletions,
      dryRun: config.dryRun,
      protect: [`${config.indexPrefix}deadletter`],
      preCreateTomorrow: !config.dryRun,
      requestTimeoutMs: config.requestTimeoutMs,
      // Every request and backoff ends before the Lambda's own timeout would cut the run off unreported.
      ...(context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
      log: (level, message, data) => telemetry.log[level](message, data),
    }).catch((error: unknown) => {
      throw describedError(error, lambdaErrorContext(client));
    });
    telemetry.metric('IndicesDeleted', outcome.deleted.length);
    telemetry.metric('IndicesKept', outcome.plan.kept.length);
    telemetry.metric('IndicesSkipped', outcome.plan.skipped.length);
    telemetry.metric('DeleteFailures', outcome.failed.length);
    telemetry.metric('ShardBudgetWarning', outcome.shardWarning ? 1 : 0);
    const summary = {
      dryRun: outcome.dryRun,
      today: outcome.plan.today,
      cutoff: outcome.plan.cutoff,
      deleted: outcome.dryRun ? [] : outcome.deleted,
      wouldDelete: outcome.dryRun ? outcome.plan.toDelete : [],
      deferred: outcome.plan.deferred,
      failed: outcome.failed,
      kept: outcome.plan.kept.length,
      skipped: outcome.plan.skipped.length,
    };
    telemetry.log.info('cleanup finished', summary);
    if (outcome.failed.length > 0)
      throw new Error(
        `cleanup: ${outcome.failed.length} index deletion(s) failed: ${JSON.stringify(outcome.failed)}`,
      );
    return summary;
  } finally {
    telemetry.flush();
    await client.close();
  }
}
