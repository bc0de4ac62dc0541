/** What `cloudtrail-opensearch audit` does once its options are parsed (loaded only when it runs). */
import { runAudit, type AuditReport, type AuditScope } from '../audit/audit.js';
import { gapCount, reportLines } from '../audit/report.js';
import { PublicKeys } from '../digest/signature.js';
import { LedgerExtension } from '../ledger/extension.js';
import { cliLedger } from '../ledger/ledger.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../pipeline/indexer.js';
import { QueueSender } from '../queue/sender.js';
import { parseS3Url, s3Client } from '../source/s3.js';
import type { ObjectRef } from '../types.js';
import type { AuditFlags } from './auditCommand.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { dayRange } from './selectionOptions.js';

export async function runAuditCommand(
  trail: string,
  flags: AuditFlags,
  invocation: Invocation,
): Promise<ExitCode> {
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
