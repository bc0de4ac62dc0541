/** `cloudtrail-opensearch index <path|s3://bucket/prefix>... --endpoint URL`: backfills and local files. */
import type { S3Client } from '@aws-sdk/client-s3';
import { ClusterHealth } from '../http/health.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../pipeline/indexer.js';
import {
  DEFAULT_FILES_PER_THREAD,
  DEFAULT_THREADS,
  indexInParallel,
  type ParallelOptions,
} from '../pipeline/parallel.js';
import { inProcessRunner, targetName, type FileTarget } from '../pipeline/runner.js';
import { startRunners } from '../pipeline/workerRunner.js';
import { walkFiles } from '../source/local.js';
import { listS3Objects, parseS3Url, s3Client } from '../source/s3.js';
import { skipReason } from '../trigger/skip.js';
import type { FileOutcome } from '../types.js';
import { integerFlag, parse, UsageError } from './args.js';
import { connect, connectionFlags, indexPrefixFlag } from './connection.js';

export const INDEX_USAGE = `usage: cloudtrail-opensearch index <path|s3://bucket/prefix>... --endpoint URL
  [--index-prefix cloudtrail-] [--auth none|basic|sigv4] [--region R] [--service es|aoss]
  [--concurrency 2] [--max-bytes 5242880] [--dead-letter index:NAME|s3://bucket/prefix]
  [--threads N] [--files-per-thread 2] [--request-timeout 30000] [--s3-endpoint URL] [--verbose]`;

export interface IndexTotals {
  files: number;
  skipped: number;
  failedFiles: number;
  read: number;
  indexed: number;
  duplicates: number;
  healed: number;
  deadLettered: number;
  undelivered: number;
  failures: { source: string; error: string }[];
  /** Files not started because the run stopped early (the cluster failed several files in a row). */
  notAttempted: number;
  stopReason?: string;
}

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...connectionFlags,
    concurrency: { type: 'string' },
    'max-bytes': { type: 'string' },
    'dead-letter': { type: 'string' },
    's3-endpoint': { type: 'string' },
    threads: { type: 'string' },
    'files-per-thread': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (positionals.length === 0) throw new UsageError(`no files given\n${INDEX_USAGE}`);
  const { client, service, connection, requestTimeoutMs } = connect(values);
  const logLevel = values.verbose ? 'INFO' : 'WARN';
  const telemetry = cliTelemetry(logLevel);
  const deadLetter = parseDeadLetterFlag(values['dead-letter']);
  const needsS3 = positionals.some((target) => target.startsWith('s3://')) || deadLetter?.kind === 's3';
  const s3Options = {
    region: values.region,
    endpoint: values['s3-endpoint'] ?? process.env.S3_ENDPOINT,
    requestTimeoutMs,
  };
  const s3 = needsS3 ? s3Client(s3Options) : undefined;
  const options: IndexerOptions = {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix: indexPrefixFlag(values),
    bulkConcurrency: integerFlag(values, 'concurrency', DEFAULT_PIPELINE_SETTINGS.bulkConcurrency, 1),
    bulkMaxBytes: integerFlag(values, 'max-bytes', DEFAULT_PIPELINE_SETTINGS.bulkMaxBytes, 1024),
    deadLetter,
    service,
    requestTimeoutMs,
  };
  const indexer = new Indexer(client, options, telemetry, s3);
  // Shared by every file and thread: the run stops as a whole when the cluster fails several files in a row.
  const health = ClusterHealth.create();
  const threads = integerFlag(values, 'threads', DEFAULT_THREADS, 1);
  const filesPerRunner = integerFlag(values, 'files-per-thread', DEFAULT_FILES_PER_THREAD, 1);
  const runners = await startRunners(
    indexer,
    threads,
    { connection, options, s3: needsS3 ? s3Options : undefined, logLevel },
    health,
  );
  try {
    const totals = await indexTargets(
      indexer,
      positionals,
      s3,
      (outcome, source) => {
        if (values.verbose) process.stderr.write(`${source}: ${formatOutcome(outcome)}\n`);
      },
      { runners, filesPerRunner, health },
    );
    printSummary(totals, indexer.deadLetterTarget);
    return totals.undelivered > 0 || totals.failedFiles > 0 || totals.stopReason ? 1 : 0;
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
    await client.close();
  }
}

/** How many files are indexed at once, and where (see src/pipeline/parallel.ts). */
export type ParallelSettings = Omit<ParallelOptions, 'onOutcome'>;

/**
 * Indexes every file named by the targets (local paths recurse; s3:// URLs list the prefix). Without
 * `parallel`, one file at a time in this thread.
 */
export async function indexTargets(
  indexer: Indexer,
  targets: string[],
  s3: S3Client | undefined,
  onFile: (outcome: FileOutcome, source: string) => void = () => {},
  parallel: ParallelSettings = { runners: [inProcessRunner(indexer)], filesPerRunner: 1 },
): Promise<IndexTotals> {
  const totals: IndexTotals = {
    files: 0,
    skipped: 0,
    failedFiles: 0,
    read: 0,
    indexed: 0,
    duplicates: 0,
    healed: 0,
    deadLettered: 0,
    undelivered: 0,
    failures: [],
    notAttempted: 0,
  };
  const add = (outcome: FileOutcome, target: FileTarget) => {
    const source = targetName(target);
    totals.files++;
    totals.read += outcome.read;
    totals.indexed += outcome.indexed;
    totals.duplicates += outcome.duplicates;
    totals.healed += outcome.healed;
    totals.deadLettered += outcome.deadLettered;
    totals.undelivered += outcome.undelivered;
    if (outcome.error) {
      totals.failedFiles++;
      totals.failures.push({ source, error: outcome.error });
    }
    onFile(outcome, source);
  };
  const ended = await indexInParallel(
    fileTargets(targets, s3, () => totals.skipped++),
    { ...parallel, onOutcome: add },
  );
  totals.notAttempted = ended.notAttempted;
  totals.stopReason = ended.stopReason;
  return totals;
}

/** The log files the targets name, in listing order; anything else is counted as skipped. */
async function* fileTargets(
  targets: string[],
  s3: S3Client | undefined,
  skipped: () => void,
): AsyncGenerator<FileTarget> {
  for (const target of targets) {
    const s3Target = target.startsWith('s3://') ? parseS3Url(target) : undefined;
    if (target.startsWith('s3://') && !s3Target)
      throw new UsageError(`${target}: expected s3://bucket/prefix`);
    if (s3Target) {
      for await (const ref of listS3Objects(s3!, s3Target.bucket, s3Target.prefix)) {
        if (skipReason(ref)) skipped();
        else yield { kind: 's3', ref };
      }
    } else {
      for await (const file of walkFiles([target])) {
        if (skipReason({ bucket: '', key: file.path, size: file.size })) skipped();
        else yield { kind: 'local', path: file.path };
      }
    }
  }
}

function parseDeadLetterFlag(value: string | undefined) {
  if (value === undefined) return undefined;
  if (value.startsWith('index:') && value.length > 6)
    return { kind: 'index' as const, index: value.slice(6) };
  const s3 = parseS3Url(value);
  if (s3) return { kind: 's3' as const, bucket: s3.bucket, prefix: s3.prefix };
  throw new UsageError(`--dead-letter ${value}: expected index:NAME or s3://bucket/prefix`);
}

function formatOutcome(outcome: FileOutcome): string {
  const counts = `read ${outcome.read}, indexed ${outcome.indexed}, duplicates ${outcome.duplicates}, dead-lettered ${outcome.deadLettered}`;
  return outcome.error ? `${counts}; FAILED: ${outcome.error}` : counts;
}

export function printSummary(totals: IndexTotals, deadLetterTarget: string): void {
  const lines = [
    `files:         ${totals.files} processed, ${totals.failedFiles} failed, ${totals.skipped} skipped (not log files)`,
    `records read:  ${totals.read}`,
    `indexed:       ${totals.indexed}${totals.healed ? ` (${totals.healed} after self-heal)` : ''}`,
    `duplicates:    ${totals.duplicates} (already indexed)`,
    `dead-lettered: ${totals.deadLettered}${totals.deadLettered ? ` (see ${deadLetterTarget})` : ''}`,
  ];
  if (totals.undelivered) lines.push(`undelivered:   ${totals.undelivered} (run the same command again)`);
  for (const failure of totals.failures) lines.push(`failed: ${failure.source}: ${failure.error}`);
  if (totals.stopReason) {
    lines.push(`stopped early: ${totals.stopReason}`);
    lines.push(`not attempted: ${totals.notAttempted} file(s) (run the same command again)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
