/** `cloudtrail-opensearch cleanup` and `install-ism`: retention by calendar day, on the cleanup module. */
import { installIsmPolicy } from '../cleanup/ism.js';
import { runCleanup } from '../cleanup/run.js';
import { integerFlag, parse } from './args.js';
import { connect, connectionFlags, indexPrefixFlag } from './connection.js';

export async function cleanupCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...connectionFlags,
    'keep-days': { type: 'string' },
    'max-deletions': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'pre-create-tomorrow': { type: 'boolean' },
    protect: { type: 'string', multiple: true },
  });
  const keepDays = integerFlag(values, 'keep-days', undefined, 1);
  const { client, requestTimeoutMs } = connect(values);
  try {
    const outcome = await runCleanup(client, {
      prefix: indexPrefixFlag(values),
      keepDays,
      maxDeletions: integerFlag(values, 'max-deletions', 30, 1),
      dryRun: values['dry-run'] ?? false,
      protect: values.protect,
      preCreateTomorrow: values['pre-create-tomorrow'] ?? false,
      requestTimeoutMs,
      log: (level, message, data) =>
        process.stderr.write(`${level}: ${message}${data ? ' ' + JSON.stringify(data) : ''}\n`),
    });
    const { plan } = outcome;
    const verb = outcome.dryRun ? 'would delete' : 'deleted';
    const deleted = outcome.dryRun ? plan.toDelete : outcome.deleted;
    process.stdout.write(
      `today (UTC): ${plan.today}; keeping ${keepDays} day(s); deleting indices dated ${plan.cutoff} or earlier\n`,
    );
    process.stdout.write(`${verb} ${deleted.length}: ${deleted.join(', ') || '-'}\n`);
    process.stdout.write(
      `kept ${plan.kept.length}; skipped ${plan.skipped.length} (not daily indices of this prefix)\n`,
    );
    if (plan.deferred.length)
      process.stdout.write(
        `deferred ${plan.deferred.length} (over --max-deletions): ${plan.deferred.join(', ')}\n`,
      );
    for (const failure of outcome.failed)
      process.stdout.write(`failed: ${failure.index}: ${failure.reason}\n`);
    if (outcome.shardWarning) process.stdout.write(`warning: ${outcome.shardWarning}\n`);
    return outcome.failed.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

export async function ismCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...connectionFlags,
    'keep-days': { type: 'string' },
    'policy-id': { type: 'string' },
  });
  const { client, requestTimeoutMs } = connect(values);
  try {
    const result = await installIsmPolicy(client, {
      requestTimeoutMs,
      prefix: indexPrefixFlag(values),
      keepDays: integerFlag(values, 'keep-days', undefined, 1),
      policyId: values['policy-id'],
    });
    process.stdout.write(
      `ISM policy ${result.policyId}: ${result.created ? 'created' : result.updated ? 'updated' : 'unchanged'}; attached to ${result.attachedIndices} existing indices\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}
