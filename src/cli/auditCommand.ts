/**
 * `cloudtrail-opensearch audit s3://bucket/prefix --endpoint URL`: proves, from CloudTrail's own digest
 * files, that every log file delivered in a date range is indexed as CloudTrail signed it.
 */
import { Command, Option } from 'commander';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, type ConnectionFlags } from './options.js';
import { addSelectionOptions, type SelectionFlags } from './selectionOptions.js';
import { queueUrl } from './queueOption.js';

export interface AuditFlags extends ConnectionFlags, SelectionFlags {
  verifySignatures: boolean;
  cloudtrailEndpoint?: string;
  requeue: boolean;
  enqueue?: string;
  json: boolean;
  s3Endpoint?: string;
}

export function auditCommand(invocation: Invocation): Command {
  const command = new Command('audit')
    .summary("prove every log file in CloudTrail's digests is indexed, unaltered; find gaps")
    .description(
      'Read the CloudTrail digest files of a date range (log file validation must be on for the trail), ' +
        'compare every log file they list with the ledger of indexed files, and check the digest chain. ' +
        'Reports missing, failed and partial files, hash mismatches (indexed content is not what CloudTrail ' +
        'signed), chain gaps and, with --verify-signatures, digests whose signature does not verify.',
    )
    .argument('<trail>', "s3://bucket/prefix where the trail's AWSLogs/ folder is (or a path below it)");
  addSelectionOptions(addConnectionOptions(command), { from: 'the --to day', to: 'yesterday' })
    .addOption(
      new Option(
        '--verify-signatures',
        "verify each digest's RSA signature with CloudTrail's public key (needs cloudtrail:ListPublicKeys)",
      ).default(false),
    )
    .addOption(
      new Option(
        '--cloudtrail-endpoint <url>',
        'a CloudTrail-compatible endpoint for ListPublicKeys (default: $CLOUDTRAIL_ENDPOINT, else AWS)',
      ),
    )
    .addOption(
      new Option('--requeue', 'index the missing and failed files again, then audit again').default(false),
    )
    .addOption(
      new Option(
        '--enqueue <queue-url>',
        "with --requeue: send those files to the stack's SQS queue (its QueueUrl output) for the indexer Lambda, instead of indexing them here (default: off)",
      ).argParser(queueUrl),
    )
    .addOption(new Option('--json', 'print the report as JSON').default(false))
    .addOption(
      new Option(
        '--s3-endpoint <url>',
        'an S3-compatible endpoint instead of AWS S3, path-style (default: $S3_ENDPOINT, else AWS S3)',
      ),
    )
    .addHelpText(
      'after',
      `
Example:
  cloudtrail-opensearch audit s3://my-trail-bucket/ --from 2026-11-01 --to 2026-11-30 \\
      --verify-signatures --endpoint https://search-logs-abc123.eu-west-1.es.amazonaws.com

Exit codes:
  0  clean: every listed log file is indexed, complete and unaltered, and the chain has no gap
  1  at least one gap: the report names each one
  2  usage or configuration error (bad option, unusable endpoint or bucket)`,
    )
    .action(async (trail: string, flags: AuditFlags) => {
      const { runAuditCommand } = await import('./auditAction.js');
      invocation.exitCode = await runAuditCommand(trail, flags, invocation);
    });
  return command;
}
