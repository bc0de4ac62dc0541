/**
 * `cloudtrail-opensearch audit s3://bucket/prefix --endpoint URL`: proves, from CloudTrail's own digest
 * files, that every log file delivered in a date range is indexed as CloudTrail signed it.
 */
import { Command, Option } from 'commander';
import { runAudit, type AuditReport, type AuditScope } from '../audit/audit.js';
import { gapCount, reportLines } from '../audit/report.js';
import { PublicKeys } from '../digest/signature.js';
import { LedgerExtension } from '../ledger/extension.js';
import { cliLedger } from '../ledger/ledger.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../pipeline/indexer.js';
import { parseS3Url, s3Client } from '../source/s3.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, UsageError, type ConnectionFlags } from './options.js';
import { addSelectionOptions, dayRange, type SelectionFlags } from './selectionOptions.js';
import { queueUrl } from './queueOption.js';
import { QueueSender } from '../queue/sender.js';
import type { ObjectRef } from '../types.js';

interface AuditFlags extends ConnectionFlags, SelectionFlags {
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
      invocation.exitCode = await runAuditCommand(trail, flags, invocation);
    });
  return command;
}

async function runAuditCommand(trail: string, flags: AuditFlags, invocation: Invocation): Promise<ExitCode> {
  const target = parseS3Url(trail);
  if (!target) throw new UsageError(`${trail}: expected s3://bucket/prefix`);
  if (flags.enqueue && !flags.requeue) throw new UsageError('--enqueue goes with --requeue');
  const to = flags.to ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const { from } = dayRange(flags.from ?? to, to);
  const scope: AuditScope = {
    bucket: target.bucket,
    prefix: target.prefix,
    from,
    to,
    ...(flags.accounts ? { accounts: flags.accounts } : {}),
    ...(flags.regions ? { regions: flags.regions } : {}),
  };
  const connected = connect(flags, invocation);
  const s3 = s3Client({
    region: flags.region,
    endpoint: flags.s3Endpoint ?? process.env.S3_ENDPOINT,
    requestTimeoutMs: flags.requestTimeout,
  });
  const telemetry = cliTelemetry('WARN');
  const ledger = cliLedger(connected.client, connected.indexPrefix, flags.requestTimeout);
  const publicKeys = () =>
    flags.verifySignatures
      ? new PublicKeys(
          {
            endpoint: flags.cloudtrailEndpoint ?? process.env.CLOUDTRAIL_ENDPOINT,
            requestTimeoutMs: flags.requestTimeout,
          },
          new Date(`${from}T00:00:00Z`),
          new Date(Date.parse(`${to}T00:00:00Z`) + 2 * 86_400_000),
        )
      : undefined;
  try {
    await checkEndpoint(connected, invocation);
    let report = await runAudit(scope, { s3, ledger, publicKeys: publicKeys(), telemetry });
    let requeued: RequeueResult | undefined;
    if (flags.requeue && flags.enqueue && report.toRequeue.length > 0) {
      // The Lambda indexes them later: the report stays the one from before, and says so.
      requeued = await enqueue(report.toRequeue, flags.enqueue, flags);
    } else if (flags.requeue && report.toRequeue.length > 0) {
      const indexer = new Indexer(
        connected.client,
        {
          ...DEFAULT_PIPELINE_SETTINGS,
          indexPrefix: connected.indexPrefix,
          requestTimeoutMs: flags.requestTimeout,
          service: flags.service,
        },
        telemetry,
        s3,
        [new LedgerExtension()],
      );
      requeued = { files: report.toRequeue.length, failed: [] };
      for (const ref of report.toRequeue) {
        const outcome = await indexer.indexS3Object(ref, () => Infinity);
        if (outcome.error !== undefined || outcome.undelivered > 0)
          requeued.failed.push(`s3://${ref.bucket}/${ref.key}: ${outcome.error ?? 'records undelivered'}`);
      }
      report = await runAudit(scope, { s3, ledger, publicKeys: publicKeys(), telemetry });
    }
    process.stdout.write(render(report, requeued, flags.json));
    return gapCount(report) > 0 ? EXIT.undelivered : EXIT.ok;
  } finally {
    await connected.client.close();
    s3.destroy();
  }
}

interface RequeueResult {
  files: number;
  failed: string[];
  /** The queue the files were sent to, when --enqueue was given. */
  enqueuedTo?: string;
}

async function enqueue(refs: ObjectRef[], queue: string, flags: AuditFlags): Promise<RequeueResult> {
  const sender = new QueueSender({
    queueUrl: queue,
    region: flags.region,
    requestTimeoutMs: flags.requestTimeout,
  });
  try {
    for (const ref of refs) await sender.add(ref);
    const totals = await sender.finish();
    return {
      files: refs.length,
      failed: totals.failed.map(
        (failure) => `s3://${failure.ref.bucket}/${failure.ref.key}: ${failure.reason}`,
      ),
      enqueuedTo: queue,
    };
  } finally {
    sender.close();
  }
}

function render(report: AuditReport, requeued: RequeueResult | undefined, json: boolean): string {
  if (json) return JSON.stringify(requeued ? { ...report, requeued } : report, null, 2) + '\n';
  const lines: string[] = [];
  if (requeued?.enqueuedTo) {
    const sent = requeued.files - requeued.failed.length;
    lines.push(
      `requeued:          ${sent} of ${requeued.files} file(s) sent to ${requeued.enqueuedTo}; the audit below ran before them (run it again once the queue has drained)`,
    );
    for (const failure of requeued.failed) lines.push(`requeue failed: ${failure}`);
  } else if (requeued) {
    lines.push(`requeued:          ${requeued.files} file(s) indexed again; the audit below ran after them`);
    for (const failure of requeued.failed) lines.push(`requeue failed: ${failure}`);
  }
  return [...lines, ...reportLines(report)].join('\n') + '\n';
}
