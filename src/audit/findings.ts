/**
 * What an audit checks, as pure functions over the digests read and the ledger entries found:
 * every log file a digest lists must have a complete ledger entry with the same SHA-256, and each
 * trail's hourly digests must chain (each names the one before it, with its hash and signature).
 */
import type { ReadDigest } from '../digest/read.js';
import { ledgerId, type LedgerEntry } from '../ledger/ledger.js';

export type FindingKind =
  /** A log file a digest lists has no ledger entry: it was never indexed. */
  | 'missing'
  /** Its last attempt failed (records undelivered, file not read to its end). */
  | 'failed'
  /** Delivered, but some records are in the dead letter. */
  | 'partial'
  /** What we indexed is not what CloudTrail signed. */
  | 'hash-mismatch'
  /** A digest the chain names (or an hour the chain skips) is not in the bucket. */
  | 'chain-gap'
  /** A digest's signature does not verify. */
  | 'signature'
  /** A digest could not be read or is not a CloudTrail digest. */
  | 'unreadable-digest';

export interface Finding {
  kind: FindingKind;
  /** The object the finding is about (`s3://bucket/key`). */
  object: string;
  /** The digest that lists it, or that names the missing one. */
  digest?: string;
  detail: string;
}

const url = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** Findings for every log file the digests list, given the ledger entries found (by ledger id). */
export function logFileFindings(
  digests: readonly ReadDigest[],
  ledger: ReadonlyMap<string, LedgerEntry>,
): Finding[] {
  const findings: Finding[] = [];
  for (const read of digests) {
    const digest = url(read.bucket, read.key);
    for (const file of read.digest.logFiles) {
      const object = url(file.s3Bucket, file.s3Object);
      const entry = ledger.get(ledgerId(file.s3Bucket, file.s3Object));
      if (!entry || entry.kind !== 'log') {
        findings.push({ kind: 'missing', object, digest, detail: 'listed by CloudTrail, never indexed' });
      } else if (entry.status === 'failed') {
        findings.push({
          kind: 'failed',
          object,
          digest,
          detail: entry.error ?? `${entry.undelivered} records undelivered`,
        });
      } else if (entry.sha256 !== undefined && entry.sha256 !== file.hashValue.toLowerCase()) {
        findings.push({
          kind: 'hash-mismatch',
          object,
          digest,
          detail: `indexed content has SHA-256 ${entry.sha256}, CloudTrail signed ${file.hashValue}`,
        });
      } else if (entry.status === 'partial') {
        findings.push({
          kind: 'partial',
          object,
          digest,
          detail: `${entry.deadLettered} records in the dead letter`,
        });
      }
    }
  }
  return findings;
}

/**
 * Chain findings for the digests read from day folders `firstDay` (YYYY-MM-DD) onwards: a previous
 * digest named but absent (when it would lie in those folders), one present but with another hash or
 * signature, and consecutive hourly digests whose hours do not meet. Late (`_backfill`) digests are
 * outside the hourly chain and only checked for their own files and signature.
 */
export function chainFindings(digests: readonly ReadDigest[], firstDay: string): Finding[] {
  const findings: Finding[] = [];
  const byKey = new Map(digests.map((read) => [`${read.bucket}/${read.key}`, read]));
  const chains = new Map<string, ReadDigest[]>();
  for (const read of digests) {
    if (read.where.backfill) continue;
    const chain = `${read.where.account}/${read.where.region}/${read.where.trail}/${read.where.homeRegion}`;
    chains.set(chain, [...(chains.get(chain) ?? []), read]);
  }
  for (const chain of chains.values()) {
    chain.sort((a, b) => a.digest.digestEndTime.localeCompare(b.digest.digestEndTime));
    chain.forEach((read, position) => {
      const self = url(read.bucket, read.key);
      const { previousDigestS3Bucket: bucket, previousDigestS3Object: key } = read.digest;
      // The first digest of a chain (logging just turned on) names no previous digest.
      if (bucket === null || key === null) return;
      const previous = byKey.get(`${bucket}/${key}`);
      const named = url(bucket, key);
      if (!previous) {
        const previousDay = /\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key);
        const day = previousDay ? `${previousDay[1]}-${previousDay[2]}-${previousDay[3]}` : '';
        if (day >= firstDay)
          findings.push({
            kind: 'chain-gap',
            object: named,
            digest: self,
            detail: 'the previous digest is not in the bucket',
          });
        return;
      }
      if (read.digest.previousDigestHashValue?.toLowerCase() !== previous.sha256)
        findings.push({
          kind: 'chain-gap',
          object: named,
          digest: self,
          detail: `the previous digest's SHA-256 is ${previous.sha256}, the chain says ${read.digest.previousDigestHashValue}`,
        });
      if (previous.signature !== undefined && read.digest.previousDigestSignature !== previous.signature)
        findings.push({
          kind: 'chain-gap',
          object: named,
          digest: self,
          detail: "the previous digest's signature is not the one the chain names",
        });
      const before = chain[position - 1];
      if (before && before !== previous)
        findings.push({
          kind: 'chain-gap',
          object: self,
          digest: self,
          detail: `the chain skips from ${before.digest.digestEndTime} to ${read.digest.digestStartTime}: ${url(before.bucket, before.key)} is not its previous digest`,
        });
      else if (before && before.digest.digestEndTime !== read.digest.digestStartTime)
        findings.push({
          kind: 'chain-gap',
          object: self,
          digest: self,
          detail: `hours ${before.digest.digestEndTime} to ${read.digest.digestStartTime} are covered by no digest`,
        });
    });
  }
  return findings;
}
