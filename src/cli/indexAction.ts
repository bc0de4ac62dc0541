/** What `cloudtrail-opensearch index` does once its options are parsed (loaded only when it runs). */
import type { S3Client } from '@aws-sdk/client-s3';
import { alertsConfigOf, buildAlerts } from '../alerts/settings.js';
import { ClusterHealth } from '../http/health.js';
import { accepted, clientHttp } from '../http/request.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { KinesisExtension, kinesisExtensionSpec, type KinesisSettings } from '../kinesis/extension.js';
import { describeError } from '../opensearch/errors.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../pipeline/indexer.js';
import { targetName } from '../pipeline/runner.js';
import { startRunners } from '../pipeline/workerRunner.js';
import { LedgerExtension, ledgerExtensionSpec } from '../ledger/extension.js';
import { cliLedger, completeObjects } from '../ledger/ledger.js';
import { QueueSender } from '../queue/sender.js';
import { s3Client } from '../source/s3.js';
import type { FileOutcome, ObjectRef } from '../types.js';
import { checkEndpoint, connect, type Connected } from './connection.js';
import { enqueueExitCode, enqueueSummaryLines, enqueueTargets } from './enqueueRun.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { TEMPLATE_REFRESH, type IndexFlags } from './indexCommand.js';
import { exitCodeOf, indexTargets, summaryLines, type IndexTotals } from './indexRun.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { Progress, type ProgressMode } from './progress.js';
import { dayRange } from './selectionOptions.js';
import { checkTargets, SKIP_EXPLANATIONS } from './targets.js';

export async function runIndex(
  paths: string[],
  flags: IndexFlags,
  invocation: Invocation,
): Promise<ExitCode> {
  await checkTargets(paths);
  if (flags.enqueue) return runEnqueue(paths, flags.enqueue, flags, invocation);
  const connected = connect(flags, invocation);
  const { client, connection, indexPrefix } = connected;
  const needsS3 = paths.some((path) => path.startsWith('s3://')) || flags.deadLetter?.kind === 's3';
  const s3Options = {
    region: flags.region,
    endpoint: flags.s3Endpoint ?? process.env.S3_ENDPOINT,
    requestTimeoutMs: flags.requestTimeout,
  };
  const s3 = needsS3 ? s3Client(s3Options) : undefined;
  const progress = new Progress(progressMode(flags), process.stderr, flags.progressInterval * 1000);
  const logLevel = 'WARN';
  const options: IndexerOptions = {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix,
    bulkConcurrency: flags.concurrency,
    bulkMaxBytes: flags.maxBytes,
    requestTimeoutMs: flags.requestTimeout,
    deadLetter: flags.deadLetter,
    service: flags.service,
  };
  const alerts = flags.alerts
    ? await alertsFor(flags, indexPrefix, () => s3 ?? s3Client(s3Options))
    : undefined;
  // One thread sends alerts, so the webhook's rate limit and the run's message budget hold.
  const threads = alerts ? 1 : flags.threads;
  if (alerts && flags.threads > 1) progress.note('note: alerts are on, so files are indexed in one thread');
  const telemetry = cliTelemetry(logLevel, (line) => progress.note(line));
  const kinesis: KinesisSettings | undefined = flags.kinesisStream && {
    stream: flags.kinesisStream,
    endpoint: flags.kinesisEndpoint ?? process.env.KINESIS_ENDPOINT,
    region: flags.region,
    requestTimeoutMs: flags.requestTimeout,
  };
  const indexer = new Indexer(
    client,
    options,
    telemetry,
    s3,
    // The ledger last: it records the file's final state, including another extension's failure.
    [...(alerts ? [alerts] : []), ...(kinesis ? [new KinesisExtension(kinesis)] : []), new LedgerExtension()],
  );
  try {
    await checkEndpoint(connected, invocation);
    await indexer.prepare();
    // Shared by every file and thread: the run stops as a whole when the cluster fails several files in a row.
    const health = ClusterHealth.create();
    const runners = await startRunners(
      indexer,
      threads,
      {
        connection,
        options,
        s3: needsS3 ? s3Options : undefined,
        logLevel,
        extensions: [...(kinesis ? [kinesisExtensionSpec(kinesis)] : []), ledgerExtensionSpec()],
      },
      health,
    );
    const sizes = new Map<string, number | undefined>();
    progress.start();
    let totals: IndexTotals;
    try {
      totals = await indexTargets(indexer, paths, s3, {
        includeInsights: flags.includeInsights,
        listing: await backfillListing(flags, connected),
        parallel: { runners, filesPerRunner: flags.filesPerThread, health },
        hooks: {
          found(target, bytes) {
            sizes.set(targetName(target), bytes);
            progress.found(bytes);
          },
          skipped(name, reason) {
            if (flags.verbose) progress.note(`skipped ${name}: ${SKIP_EXPLANATIONS[reason]}`);
          },
          listed(target, logFiles, skipped) {
            if (logFiles === 0)
              progress.note(
                `warning: ${target}: no CloudTrail log files${skipped ? ` (${skipped} other files skipped; --verbose names them)` : ''}`,
              );
          },
          listingFinished() {
            progress.listingFinished();
          },
          fileDone(outcome, source) {
            progress.fileDone(outcome, sizes.get(source));
            sizes.delete(source);
            if (flags.verbose) progress.note(`${source}: ${fileLine(outcome)}`);
          },
        },
      });
    } finally {
      progress.stop();
      await Promise.all(runners.map((runner) => runner.close()));
    }
    if (totals.files === 0) {
      process.stderr.write('nothing to index: no CloudTrail log file under the given paths\n');
      return EXIT.usage;
    }
    if (alerts)
      await alerts.finishInvocation({
        budget: { requestTimeoutMs: flags.requestTimeout, remainingTimeMs: () => Infinity },
        telemetry,
      });
    const lines = summaryLines(totals, indexer.deadLetterTarget);
    if (alerts) lines.push(alerts.summaryLine());
    lines.push(await searchableLine(connected, flags, totals, invocation));
    process.stdout.write(lines.join('\n') + '\n');
    return exitCodeOf(totals);
  } finally {
    await client.close();
    s3?.destroy();
  }
}

/** --enqueue: lists as `index` would (the ledger only with --resume), sends instead of indexing. */
async function runEnqueue(
  paths: string[],
  queue: string,
  flags: IndexFlags,
  invocation: Invocation,
): Promise<ExitCode> {
  const local = paths.find((path) => !path.startsWith('s3://'));
  if (local !== undefined)
    throw new UsageError(`${local}: --enqueue sends S3 objects; expected s3://bucket/prefix`);
  const connected = flags.resume ? connect(flags, invocation) : undefined;
  const s3 = s3Client({
    region: flags.region,
    endpoint: flags.s3Endpoint ?? process.env.S3_ENDPOINT,
    requestTimeoutMs: flags.requestTimeout,
  });
  const sender = new QueueSender({
    queueUrl: queue,
    region: flags.region,
    requestTimeoutMs: flags.requestTimeout,
  });
  try {
    if (connected) await checkEndpoint(connected, invocation);
    const listing = connected ? await backfillListing(flags, connected) : selectionOf(flags);
    const counts = await enqueueTargets(
      paths,
      s3,
      { includeInsights: flags.includeInsights, ...listing },
      sender,
    );
    process.stdout.write(enqueueSummaryLines(counts, queue).join('\n') + '\n');
    if (counts.listed === 0) process.stderr.write('nothing to enqueue: no object under the given paths\n');
    return enqueueExitCode(counts);
  } finally {
    sender.close();
    s3.destroy();
    await connected?.client.close();
  }
}

/** --from/--to/--accounts/--regions and --resume, for s3:// targets. */
async function backfillListing(flags: IndexFlags, connected: Connected) {
  const { selection } = selectionOf(flags);
  if (!flags.resume) return { selection };
  const ledger = cliLedger(connected.client, connected.indexPrefix, flags.requestTimeout);
  // Entries written by earlier runs become searchable at the next refresh: make it now.
  await ledger.refresh();
  return { selection, alreadyIndexed: (refs: ObjectRef[]) => completeObjects(ledger, refs) };
}

/** --from/--to/--accounts/--regions: only the matching CloudTrail date prefixes are listed. */
function selectionOf(flags: IndexFlags) {
  const days = flags.from ?? flags.to;
  const selection =
    days || flags.accounts || flags.regions
      ? {
          ...(days ? dayRange(flags.from ?? days, flags.to ?? days) : {}),
          accounts: flags.accounts,
          regions: flags.regions,
        }
      : undefined;
  return { selection };
}

/** The alerts extension when ALERT_* configure a destination; a bad setting or rules file is a usage error. */
async function alertsFor(flags: IndexFlags, indexPrefix: string, s3: () => S3Client) {
  try {
    const config = alertsConfigOf(process.env);
    return config && (await buildAlerts(config, { region: flags.region, indexPrefix, s3 }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function progressMode(flags: IndexFlags): ProgressMode {
  if (flags.quiet) return 'none';
  if (flags.progress !== 'auto') return flags.progress;
  return process.stderr.isTTY ? 'live' : 'lines';
}

function fileLine(outcome: FileOutcome): string {
  const counts = `read ${outcome.read}, indexed ${outcome.indexed}, duplicates ${outcome.duplicates}, dead-lettered ${outcome.deadLettered}`;
  return outcome.error ? `${counts}; FAILED` : counts;
}

/**
 * Makes what was written searchable now (the template refreshes every 30 s), and says so: a user who
 * counts documents right after the run would otherwise see fewer than the summary.
 */
async function searchableLine(
  connected: Connected,
  flags: IndexFlags,
  totals: IndexTotals,
  invocation: Invocation,
): Promise<string> {
  const label = 'searchable:   ';
  if (totals.indexed + totals.deadLettered === 0) return `${label} yes (nothing new was written)`;
  if (!flags.refresh) return `${label} within ${TEMPLATE_REFRESH} (the refresh interval; --no-refresh given)`;
  const { resolved, indexPrefix } = connected;
  if (resolved.auth === 'sigv4' && resolved.service === 'aoss') {
    return `${label} within about 10 s (OpenSearch Serverless refreshes on its own)`;
  }
  const indices = [`${indexPrefix}*`];
  const deadLetter = flags.deadLetter;
  if (deadLetter?.kind === 'index' && !deadLetter.index.startsWith(indexPrefix))
    indices.push(deadLetter.index);
  try {
    // Through the HTTP layer, so the refresh has the run's deadline and a bounded answer.
    const refresh = {
      method: 'POST' as const,
      path: `/${indices.map(encodeURIComponent).join(',')}/_refresh`,
      querystring: { allow_no_indices: true, ignore_unavailable: true },
    };
    accepted(
      await clientHttp(connected.client, { timeoutMs: flags.requestTimeout }).request(refresh),
      refresh,
    );
    return `${label} now (refreshed ${indices.join(', ')})`;
  } catch (error) {
    const reason = describeError(error, invocation.errorContext).message;
    return `${label} within ${TEMPLATE_REFRESH} (the refresh interval; refreshing failed: ${reason})`;
  }
}
