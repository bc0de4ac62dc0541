/** An audit report as an auditor keeps it: what was checked, the verdict, and each finding on its own line. */
import type { AuditReport } from './audit.js';
import type { FindingKind } from './findings.js';

const MEANINGS: Record<FindingKind, string> = {
  missing: 'listed by CloudTrail, not in the ledger (never indexed)',
  failed: 'indexing failed; run again or --requeue',
  partial: 'indexed, some records in the dead letter',
  'hash-mismatch': 'indexed content differs from what CloudTrail signed',
  'chain-gap': 'a digest is missing or the chain is broken',
  signature: 'a digest signature does not verify',
  'unreadable-digest': 'a digest could not be read or parsed',
};

export function gapCount(report: AuditReport): number {
  return report.findings.length;
}

export function reportLines(report: AuditReport): string[] {
  const { scope } = report;
  const where = `s3://${scope.bucket}/${scope.prefix}`;
  const filters = [
    scope.accounts ? `accounts ${scope.accounts.join(',')}` : '',
    scope.regions ? `regions ${scope.regions.join(',')}` : '',
  ].filter(Boolean);
  const lines = [
    `audit of:          ${where}${filters.length ? ` (${filters.join('; ')})` : ''}`,
    `days (UTC):        ${scope.from} to ${scope.to}`,
    `audited at:        ${report.auditedAt}`,
    `digests read:      ${report.digests}${report.backfillDigests ? ` (${report.backfillDigests} late _backfill)` : ''}`,
    `log files listed:  ${report.logFiles}`,
    `signatures:        ${report.signaturesVerified === undefined ? 'not checked (--verify-signatures checks them)' : `${report.signaturesVerified} of ${report.digests} verified`}`,
  ];
  for (const [kind, count] of Object.entries(report.counts) as [FindingKind, number][]) {
    lines.push(`${`${kind}:`.padEnd(19)}${count}${count ? `  (${MEANINGS[kind]})` : ''}`);
  }
  lines.push(
    report.findings.length === 0
      ? 'verdict:           CLEAN: every log file the digests list is indexed as CloudTrail signed it'
      : `verdict:           ${report.findings.length} GAP(S)`,
  );
  for (const finding of report.findings) {
    const via = finding.digest && finding.digest !== finding.object ? ` (digest ${finding.digest})` : '';
    lines.push(`${finding.kind}: ${finding.object}${via}: ${finding.detail}`);
  }
  return lines;
}
