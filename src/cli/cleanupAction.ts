/** What `cloudtrail-opensearch cleanup` does once its options are parsed (loaded only when it runs). */
import { runCleanup } from '../cleanup/run.js';
import type { CleanupFlags } from './cleanupCommand.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';

export async function runCleanupCommand(flags: CleanupFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  const { client } = connected;
  try {
    await checkEndpoint(connected, invocation);
    const outcome = await runCleanup(client, {
      prefix: connected.indexPrefix,
      keepDays: flags.keepDays,
      maxDeletions: flags.maxDeletions,
      dryRun: flags.dryRun,
      protect: flags.protect,
      preCreateTomorrow: flags.preCreateTomorrow,
      requestTimeoutMs: flags.requestTimeout,
      log: (level, message, data) =>
        process.stderr.write(`${level}: ${message}${data ? ' ' + JSON.stringify(data) : ''}\n`),
    });
    const { plan } = outcome;
    const verb = outcome.dryRun ? 'would delete' : 'deleted';
    const deleted = outcome.dryRun ? plan.toDelete : outcome.deleted;
    const lines = [
      `today (UTC): ${plan.today}; keeping ${flags.keepDays} day(s); deleting indices dated ${plan.cutoff} or earlier`,
      `${verb} ${deleted.length}: ${deleted.join(', ') || '-'}`,
      `kept ${plan.kept.length}; skipped ${plan.skipped.length} (not daily indices of this prefix)`,
    ];
    if (plan.deferred.length)
      lines.push(`deferred ${plan.deferred.length} (over --max-deletions): ${plan.deferred.join(', ')}`);
    for (const failure of outcome.failed) lines.push(`failed: ${failure.index}: ${failure.reason}`);
    if (outcome.shardWarning) lines.push(`warning: ${outcome.shardWarning}`);
    process.stdout.write(lines.join('\n') + '\n');
    return outcome.failed.length > 0 ? EXIT.undelivered : EXIT.ok;
  } finally {
    await client.close();
  }
}
