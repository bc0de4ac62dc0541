/**
 * Scheduled audit Lambda entry point (audit.zip, handler `index.handler`): run by an EventBridge schedule
 * when the stack's AuditSchedule is set, it audits the trail bucket's last AUDIT_DAYS days (ending with
 * the day before the schedule fired) exactly as `cloudtrail-opensearch audit` does, logs each finding
 * naming its object, and emits AuditMissingFiles, AuditHashMismatches, AuditChainGaps and AuditFindings
 * (every kind), which the stack's alarm watches. A gap found is a successful audit; the invocation
 * fails only when the audit itself could not run.
 */
import type { Context } from 'aws-lambda';
import { PublicKeys } from '../digest/signature.js';
import { clientHttp } from '../http/request.js';
import { DEFAULT_RETRY } from '../http/retry.js';
import { LedgerStore, ledgerIndex } from '../ledger/ledger.js';
import { lambdaTelemetry } from '../observability/telemetry.js';
import { createClient } from '../opensearch/client.js';
import { describedError, lambdaErrorContext } from '../opensearch/errors.js';
import { lambdaS3Client } from '../source/s3.js';
import { runAudit, type AuditScope } from './audit.js';
import { loadAuditConfig } from './config.js';
import { gapCount } from './report.js';

const DAY_MS = 86_400_000;
/** Findings written in the invocation's answer; every one is in the log. */
const FINDINGS_ANSWERED = 100;

/**
 * The days audited: `days` days ending with the day before `firedAt`. CloudTrail writes a day's last
 * digest early the next day, so the day the schedule fires is never complete yet.
 */
export function auditDays(firedAt: Date, days: number): { from: string; to: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const today = Date.parse(`${day(firedAt.getTime())}T00:00:00Z`);
  return { from: day(today - days * DAY_MS), to: day(today - DAY_MS) };
}

/** The schedule's own time (EventBridge's `time`), so a retried invocation audits the same days. */
function firedAt(event: unknown): Date {
  const time = (event as { time?: unknown } | undefined)?.time;
  const parsed = typeof time === 'string' ? Date.parse(time) : NaN;
  return Number.isNaN(parsed) ? new Date() : new Date(parsed);
}

export async function handler(event?: unknown, context?: Context): Promise<unknown> {
  const config = loadAuditConfig(process.env);
  const telemetry = lambdaTelemetry('cloudtrail-audit', config.logLevel);
  const client = createClient(config);
  const s3 = lambdaS3Client(config);
  const remainingTimeMs = context ? () => context.getRemainingTimeInMillis() : () => Infinity;
  const ledger = new LedgerStore(
    ledgerIndex(config.indexPrefix),
    clientHttp(client, { timeoutMs: config.requestTimeoutMs }),
    { policy: DEFAULT_RETRY, budget: { requestTimeoutMs: config.requestTimeoutMs, remainingTimeMs } },
  );
  const scope: AuditScope = {
    bucket: config.trailBucket,
    prefix: config.trailPrefix,
    ...auditDays(firedAt(event), config.days),
    ...(config.accounts ? { accounts: config.accounts } : {}),
    ...(config.regions ? { regions: config.regions } : {}),
  };
  const publicKeys = config.verifySignatures
    ? new PublicKeys(
        { endpoint: process.env.CLOUDTRAIL_ENDPOINT, requestTimeoutMs: config.requestTimeoutMs },
        new Date(`${scope.from}T00:00:00Z`),
        new Date(Date.parse(`${scope.to}T00:00:00Z`) + 2 * DAY_MS),
      )
    : undefined;
  try {
    const report = await runAudit(scope, { s3, ledger, publicKeys, telemetry }).catch((error: unknown) => {
      throw describedError(error, lambdaErrorContext(client));
    });
    telemetry.metric('AuditFindings', gapCount(report));
    for (const finding of report.findings)
      telemetry.log.error(`audit finding: ${finding.kind}`, { ...finding });
    const summary = {
      verdict: gapCount(report) === 0 ? 'clean' : 'gaps',
      scope,
      digests: report.digests,
      logFiles: report.logFiles,
      signaturesVerified: report.signaturesVerified,
      counts: report.counts,
      findings: report.findings.slice(0, FINDINGS_ANSWERED),
    };
    telemetry.log.info('audit finished', { ...summary, findings: report.findings.length });
    return summary;
  } finally {
    telemetry.flush();
    s3.destroy();
    await client.close();
  }
}
