/**
 * One indexing run of the CLI (the `index` command and the demo): every file the targets name goes
 * through the pipeline, and the per-file outcomes add up to the run's totals, its summary and its
 * exit code.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Indexer } from '../pipeline/indexer.js';
import { indexInParallel, type ParallelOptions } from '../pipeline/parallel.js';
import { inProcessRunner, targetName, type FileTarget } from '../pipeline/runner.js';
import type { FileOutcome } from '../types.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { fileTargets, type TargetEvents, type TargetOptions } from './targets.js';

/** The record counts of a file's outcome, summed over the run. */
const RECORD_COUNTS = [
  'read',
  'indexed',
  'duplicates',
  'healed',
  'deadLettered',
  'undelivered',
  // Records whose time is not their eventTime, and records whose id is a hash of their content.
  'inferredTime',
  'inferredId',
] as const satisfies readonly (keyof FileOutcome)[];

export type IndexTotals = Record<(typeof RECORD_COUNTS)[number], number> & {
  files: number;
  skipped: number;
  failedFiles: number;
  failures: { source: string; error: string }[];
  /** Paths and URLs of the command that held no log file. */
  empty: string[];
  /** Files not started because the run stopped early (the cluster failed several files in a row). */
  notAttempted: number;
  stopReason?: string;
  /** Each per-file extension's counts (e.g. the Kinesis destination's), summed over the run. */
  extensions: Record<string, Record<string, number>>;
};

/** How many files are indexed at once, and where (see src/pipeline/parallel.ts). */
export type ParallelSettings = Omit<ParallelOptions, 'onOutcome'>;

export interface RunHooks extends Partial<TargetEvents> {
  fileDone?(outcome: FileOutcome, source: string, target: FileTarget): void;
  /** Every target has been listed: the number of files found is the total. */
  listingFinished?(): void;
}

/**
 * Files listed ahead of the indexing, so the total (and the ETA) is known early; bounded, so a prefix
 * of millions of objects is not held in memory at once (about 200 bytes each).
 */
const LIST_AHEAD_FILES = 50_000;

/**
 * Indexes every file named by the targets (local paths recurse; s3:// URLs list the prefix). Without
 * `parallel`, one file at a time in this thread.
 */
export async function indexTargets(
  indexer: Indexer,
  targets: string[],
  s3: S3Client | undefined,
  options: {
    includeInsights?: boolean;
    parallel?: ParallelSettings;
    hooks?: RunHooks;
    /** Date/account/region selection and --resume (src/cli/targets.ts). */
    listing?: Omit<TargetOptions, 'includeInsights'>;
  } = {},
): Promise<IndexTotals> {
  const totals: IndexTotals = {
    ...(Object.fromEntries(RECORD_COUNTS.map((name) => [name, 0])) as Record<
      (typeof RECORD_COUNTS)[number],
      number
    >),
    files: 0,
    skipped: 0,
    failedFiles: 0,
    failures: [],
    empty: [],
    notAttempted: 0,
    extensions: {},
  };
  const hooks = options.hooks ?? {};
  const add = (outcome: FileOutcome, target: FileTarget) => {
    const source = targetName(target);
    totals.files++;
    for (const name of RECORD_COUNTS) totals[name] += outcome[name] ?? 0;
    for (const [extension, counts] of Object.entries(outcome.extensions ?? {})) {
      const sums = (totals.extensions[extension] ??= {});
      for (const [count, value] of Object.entries(counts)) sums[count] = (sums[count] ?? 0) + value;
    }
    if (outcome.error) {
      totals.failedFiles++;
      totals.failures.push({ source, error: withoutSource(outcome.error, source) });
    }
    hooks.fileDone?.(outcome, source, target);
  };
  const events: TargetEvents = {
    found: (target, bytes) => hooks.found?.(target, bytes),
    skipped: (name, reason) => {
      totals.skipped++;
      hooks.skipped?.(name, reason);
    },
    listed: (target, logFiles, skipped) => {
      if (logFiles === 0) totals.empty.push(target);
      hooks.listed?.(target, logFiles, skipped);
    },
  };
  const parallel = options.parallel ?? { runners: [inProcessRunner(indexer)], filesPerRunner: 1 };
  const listing = fileTargets(
    targets,
    s3,
    { includeInsights: options.includeInsights ?? false, ...options.listing },
    events,
  );
  const ended = await indexInParallel(
    readAhead(listing, LIST_AHEAD_FILES, () => hooks.listingFinished?.()),
    { ...parallel, onOutcome: add },
  );
  totals.notAttempted = ended.notAttempted;
  totals.stopReason = ended.stopReason;
  return totals;
}

/**
 * Pulls up to `limit` items from `source` ahead of the consumer; `onEnd` is called once the source is
 * exhausted. A failure of the source reaches the consumer after the items read before it.
 */
export async function* readAhead<T>(
  source: AsyncIterator<T>,
  limit: number,
  onEnd: () => void,
): AsyncGenerator<T> {
  const buffer: T[] = [];
  let head = 0;
  let ended = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let itemArrived: (() => void) | undefined;
  let roomFreed: (() => void) | undefined;
  const pump = async () => {
    try {
      for (let next = await source.next(); !next.done && !stopped; next = await source.next()) {
        buffer.push(next.value);
        itemArrived?.();
        while (buffer.length - head >= limit && !stopped) await new Promise<void>((r) => (roomFreed = r));
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      if (!failure && !stopped) onEnd();
      itemArrived?.();
    }
  };
  const pumping = pump();
  try {
    for (;;) {
      if (head < buffer.length) {
        const item = buffer[head++]!;
        if (head > limit) {
          // Drop what was consumed now and then, rather than shift() per item.
          buffer.splice(0, head);
          head = 0;
        }
        roomFreed?.();
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((r) => (itemArrived = r));
    }
  } finally {
    stopped = true;
    roomFreed?.();
    await pumping;
    await source.return?.(undefined);
  }
}

/**
 * 0 all delivered, 1 something undelivered, 3 delivered with dead letters (see exitCodes.ts). Every
 * destination counts: a record the Kinesis extension dead-lettered is as much a dead letter as one
 * OpenSearch refused, though the summary lists it on the extension's line.
 */
export function exitCodeOf(totals: IndexTotals): ExitCode {
  const extensions = Object.values(totals.extensions);
  const sumOf = (count: 'undelivered' | 'deadLettered') =>
    totals[count] + extensions.reduce((sum, counts) => sum + (counts[count] ?? 0), 0);
  if (sumOf('undelivered') > 0 || totals.failedFiles > 0 || totals.stopReason) return EXIT.undelivered;
  if (sumOf('deadLettered') > 0) return EXIT.deadLettered;
  return EXIT.ok;
}

export function summaryLines(totals: IndexTotals, deadLetterTarget: string): string[] {
  const lines = [
    `files:         ${totals.files} processed, ${totals.failedFiles} failed, ${totals.skipped} skipped (not log files, or already indexed with --resume)`,
    `records read:  ${totals.read}`,
    `indexed:       ${totals.indexed}${totals.healed ? ` (${totals.healed} after self-heal)` : ''}`,
    `duplicates:    ${totals.duplicates} (already indexed)`,
    `dead-lettered: ${totals.deadLettered}${totals.deadLettered ? ` (see ${deadLetterTarget})` : ''}`,
    `time inferred: ${totals.inferredTime} (no usable eventTime; ct.tags says where the time came from)`,
    `id inferred:   ${totals.inferredId} (no eventID; the id is a hash of the record, tag id-from-content-hash)`,
  ];
  for (const [extension, counts] of Object.entries(totals.extensions)) {
    const shown = Object.entries(counts).map(([count, value]) => `${value} ${count}`);
    lines.push(`${`${extension}:`.padEnd(15)}${shown.join(', ')}`);
  }
  if (totals.undelivered) lines.push(`undelivered:   ${totals.undelivered} (run the same command again)`);
  for (const failure of totals.failures) lines.push(`failed: ${failure.source}: ${failure.error}`);
  if (totals.stopReason) {
    lines.push(`stopped early: ${totals.stopReason}`);
    lines.push(`not attempted: ${totals.notAttempted} file(s) (run the same command again)`);
  }
  return lines;
}

/** File errors often start with the file's name already; the summary names it once. */
function withoutSource(error: string, source: string): string {
  return error.startsWith(`${source}: `) ? error.slice(source.length + 2) : error;
}
