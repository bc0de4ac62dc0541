/**
 * An audit of a bucket's trails over a date range: reads every digest CloudTrail wrote for those days
 * (listing only their date prefixes), stores each in the ledger, and compares what they list with the
 * ledger's entries (src/audit/findings.ts); with signatures on, checks each digest against CloudTrail's
 * public key. The report says what was checked and every gap found.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { parseDigestKey } from '../digest/digest.js';
import { readDigest, type ReadDigest } from '../digest/read.js';
import { signatureProblem, type PublicKeys } from '../digest/signature.js';
import { recordDigest } from '../ledger/digests.js';
import type { LedgerStore } from '../ledger/ledger.js';
import type { Telemetry } from '../observability/telemetry.js';
import { listS3Objects } from '../source/s3.js';
import { trailPrefixes } from '../source/trailPrefixes.js';
import { chainFindings, logFileFindings, type Finding, type FindingKind } from './findings.js';

export interface AuditScope {
  bucket: string;
  /** Where the trail's `AWSLogs/` is (or a path below it). */
  prefix: string;
  /** Inclusive `YYYY-MM-DD` days (UTC). */
  from: string;
  to: string;
  accounts?: string[];
  regions?: string[];
}

export interface AuditDeps {
  s3: S3Client;
  ledger: LedgerStore;
  /** Given: each digest's signature is verified with CloudTrail's public key. */
  publicKeys?: PublicKeys;
  telemetry: Telemetry;
}

export interface AuditReport {
  scope: AuditScope;
  auditedAt: string;
  digests: number;
  backfillDigests: number;
  logFiles: number;
  /** Digests whose signature verified, when signatures were checked. */
  signaturesVerified?: number;
  counts: Record<FindingKind, number>;
  findings: Finding[];
  /** Log files to index again: missing or failed. */
  toRequeue: { bucket: string; key: string }[];
}

const READ_CONCURRENCY = 8;
const FINDING_KINDS: FindingKind[] = [
  'missing',
  'failed',
  'partial',
  'hash-mismatch',
  'chain-gap',
  'signature',
  'unreadable-digest',
];

export async function runAudit(scope: AuditScope, deps: AuditDeps): Promise<AuditReport> {
  const findings: Finding[] = [];
  const keys = await digestKeys(scope, deps.s3);
  const digests: ReadDigest[] = [];
  await forEachLimited(keys, READ_CONCURRENCY, async (key) => {
    try {
      const read = await readDigest(deps.s3, scope.bucket, key);
      await recordDigest(deps.ledger, read, new Date());
      digests.push(read);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      findings.push({ kind: 'unreadable-digest', object: `s3://${scope.bucket}/${key}`, detail });
    }
  });
  digests.sort((a, b) => a.key.localeCompare(b.key));

  await deps.ledger.refresh();
  const logFiles = digests.flatMap((read) =>
    read.digest.logFiles.map((file) => ({ bucket: file.s3Bucket, key: file.s3Object })),
  );
  const entries = await deps.ledger.lookup(logFiles);
  findings.push(...logFileFindings(digests, entries), ...chainFindings(digests, scope.from));

  let signaturesVerified: number | undefined;
  if (deps.publicKeys) {
    signaturesVerified = 0;
    for (const read of digests) {
      const key = await deps.publicKeys.find(read.where.region, read.digest.digestPublicKeyFingerprint);
      const problem = signatureProblem(read, key);
      if (problem === undefined) signaturesVerified++;
      else findings.push({ kind: 'signature', object: `s3://${read.bucket}/${read.key}`, detail: problem });
    }
  }

  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  for (const finding of findings) counts[finding.kind]++;
  deps.telemetry.metric('AuditMissingFiles', counts.missing);
  deps.telemetry.metric('AuditHashMismatches', counts['hash-mismatch']);
  deps.telemetry.metric('AuditChainGaps', counts['chain-gap']);
  const requeue = new Map<string, { bucket: string; key: string }>();
  for (const finding of findings) {
    if (finding.kind !== 'missing' && finding.kind !== 'failed') continue;
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(finding.object)!;
    requeue.set(finding.object, { bucket: match[1]!, key: match[2]! });
  }
  return {
    scope,
    auditedAt: new Date().toISOString(),
    digests: digests.length,
    backfillDigests: digests.filter((read) => read.where.backfill).length,
    logFiles: logFiles.length,
    signaturesVerified,
    counts,
    findings,
    toRequeue: [...requeue.values()],
  };
}

/**
 * The digests of the range: day folders `from` to the day after `to` (the digest of a day's last hour
 * ends, and is filed, on the next day).
 */
async function digestKeys(scope: AuditScope, s3: S3Client): Promise<string[]> {
  const dayAfter = new Date(Date.parse(`${scope.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const keys: string[] = [];
  const prefixes = trailPrefixes(s3, scope.bucket, scope.prefix, {
    kind: 'CloudTrail-Digest',
    from: scope.from,
    to: dayAfter,
    accounts: scope.accounts,
    regions: scope.regions,
  });
  for await (const prefix of prefixes) {
    for await (const ref of listS3Objects(s3, scope.bucket, prefix)) {
      if (parseDigestKey(ref.key)) keys.push(ref.key);
    }
  }
  return keys;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
