/**
 * `index s3://… --enqueue QUEUE_URL`: the objects the same listing, selection and --resume would index
 * are sent to the indexer's SQS queue instead (src/queue/sender.ts), so the Lambda fleet indexes them.
 * Every object listed is counted once: enqueued, failed (with the reason), or skipped (already indexed
 * with --resume, or not a log file).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { EnqueueFailure, QueueSender } from '../queue/sender.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { fileTargets, type TargetOptions } from './targets.js';

export interface EnqueueCounts {
  /** Every object the listing returned. */
  listed: number;
  enqueued: number;
  /** Skipped with --resume: the ledger entry is complete with the same ETag. */
  alreadyIndexed: number;
  /** Skipped: not a log file (digests, Insights files, folder markers ...). */
  notLogFiles: number;
  failed: EnqueueFailure[];
}

/** Failures named one by one in the summary; the rest are counted. */
const FAILURES_NAMED = 20;

export async function enqueueTargets(
  targets: string[],
  s3: S3Client,
  listing: TargetOptions,
  sender: QueueSender,
): Promise<EnqueueCounts> {
  let listed = 0;
  let alreadyIndexed = 0;
  let notLogFiles = 0;
  const events = {
    found: () => listed++,
    skipped: (_name: string, reason: string) => {
      listed++;
      if (reason === 'already-indexed') alreadyIndexed++;
      else notLogFiles++;
    },
    listed: () => {},
  };
  for await (const target of fileTargets(targets, s3, listing, events)) {
    // Local paths are refused before the run starts; only S3 objects reach here.
    if (target.kind === 's3') await sender.add(target.ref);
  }
  const totals = await sender.finish();
  return { listed, enqueued: totals.enqueued, alreadyIndexed, notLogFiles, failed: totals.failed };
}

export function enqueueSummaryLines(counts: EnqueueCounts, queueUrl: string): string[] {
  const lines = [
    `objects listed:  ${counts.listed}`,
    `enqueued:        ${counts.enqueued} (to ${queueUrl}; the indexer Lambda indexes them from there)`,
    `already indexed: ${counts.alreadyIndexed} (skipped: complete in the ledger with the same ETag, --resume)`,
    `not log files:   ${counts.notLogFiles} (skipped)`,
    `failed:          ${counts.failed.length}${counts.failed.length ? ' (not sent; run the same command again with --resume)' : ''}`,
  ];
  for (const failure of counts.failed.slice(0, FAILURES_NAMED))
    lines.push(`failed: s3://${failure.ref.bucket}/${failure.ref.key}: ${failure.reason}`);
  if (counts.failed.length > FAILURES_NAMED)
    lines.push(`failed: ... and ${counts.failed.length - FAILURES_NAMED} more`);
  return lines;
}

/** 1 when an object could not be sent, 2 when nothing was listed (as `index` with nothing to index). */
export function enqueueExitCode(counts: EnqueueCounts): ExitCode {
  if (counts.failed.length > 0) return EXIT.undelivered;
  if (counts.listed === 0) return EXIT.usage;
  return EXIT.ok;
}
