/** `cloudtrail-opensearch index <path|s3://bucket/prefix>... --endpoint URL`: backfills and local files. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { S3Client } from '@aws-sdk/client-s3';
import { alertsConfigOf, buildAlerts } from '../alerts/settings.js';
import type { DeadLetterTarget } from '../config.js';
import { ClusterHealth } from '../http/health.js';
import { accepted, clientHttp } from '../http/request.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { KinesisExtension, kinesisExtensionSpec, type KinesisSettings } from '../kinesis/extension.js';
import { parseStreamTarget, type KinesisStreamTarget } from '../config.js';
import { describeError } from '../opensearch/errors.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../pipeline/indexer.js';
import { DEFAULT_FILES_PER_THREAD, DEFAULT_THREADS } from '../pipeline/parallel.js';
import { targetName } from '../pipeline/runner.js';
import { startRunners } from '../pipeline/workerRunner.js';
import { LedgerExtension, ledgerExtensionSpec } from '../ledger/extension.js';
import { cliLedger, completeObjects } from '../ledger/ledger.js';
import { s3Client } from '../source/s3.js';
import { checkEndpoint, connect, type Connected } from './connection.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exitCodes.js';
import { exitCodeOf, indexTargets, summaryLines, type IndexTotals } from './indexRun.js';
import type { Invocation } from './invocation.js';
import {
  addConnectionOptions,
  deadLetterTarget,
  positiveNumber,
  wholeNumber,
  type ConnectionFlags,
  UsageError,
} from './options.js';
import { Progress, type ProgressMode } from './progress.js';
import { checkTargets, SKIP_EXPLANATIONS } from './targets.js';
import type { FileOutcome, ObjectRef } from '../types.js';
import { addSelectionOptions, dayRange, type SelectionFlags } from './selectionOptions.js';
import { QueueSender } from '../queue/sender.js';
import { enqueueExitCode, enqueueSummaryLines, enqueueTargets } from './enqueueRun.js';
import { queueUrl } from './queueOption.js';

interface IndexFlags extends ConnectionFlags, SelectionFlags {
  resume: boolean;
  /** --enqueue: send the selected objects to this SQS queue instead of indexing them. */
  enqueue?: string;
  concurrency: number;
  maxBytes: number;
  deadLetter?: DeadLetterTarget;
  threads: number;
  filesPerThread: number;
  s3Endpoint?: string;
  includeInsights: boolean;
  kinesisStream?: KinesisStreamTarget;
  kinesisEndpoint?: string;
  refresh: boolean;
  progress: 'auto' | ProgressMode;
  progressInterval: number;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-alerts (backfills). */
  alerts: boolean;
}

/** The product's index template refreshes every 30 s (src/template/template.ts). */
const TEMPLATE_REFRESH = '30 s';

export function indexCommand(invocation: Invocation): Command {
  const command = new Command('index')
    .summary('index CloudTrail log files (local paths, s3:// prefixes) into daily indices')
    .description(
      'Index every CloudTrail log file under the given paths into daily indices PREFIX + YYYY-MM-DD, through ' +
        'the same pipeline as the Lambda. Directories are searched recursively; s3:// URLs list the prefix. ' +
        'Running the same command again is always safe: records already indexed count as duplicates.',
    )
    .argument('<paths...>', 'local files or directories, and s3://bucket/prefix URLs');
  addSelectionOptions(addConnectionOptions(command), { from: 'the --to day', to: 'the --from day' })
    .addOption(
      new Option('--concurrency <n>', 'bulk requests in flight per file')
        .argParser(wholeNumber(1))
        .default(DEFAULT_PIPELINE_SETTINGS.bulkConcurrency),
    )
    .addOption(
      new Option('--max-bytes <bytes>', 'largest bulk request body (stay under the domain limit, 10 MiB)')
        .argParser(wholeNumber(1024))
        .default(DEFAULT_PIPELINE_SETTINGS.bulkMaxBytes),
    )
    .addOption(
      new Option(
        '--dead-letter <target>',
        'where records that cannot be indexed go: index:NAME or s3://bucket/prefix (default: index:PREFIXdeadletter)',
      ).argParser(deadLetterTarget),
    )
    .addOption(
      new Option('--threads <n>', 'indexing threads (each adds about 60-100 MB of memory)')
        .argParser(wholeNumber(1))
        .default(DEFAULT_THREADS, `one per CPU core, at most 4: ${DEFAULT_THREADS} here`),
    )
    .addOption(
      new Option('--files-per-thread <n>', 'files each thread indexes at once')
        .argParser(wholeNumber(1))
        .default(DEFAULT_FILES_PER_THREAD),
    )
    .addOption(
      new Option(
        '--s3-endpoint <url>',
        'an S3-compatible endpoint instead of AWS S3, path-style (default: $S3_ENDPOINT, else AWS S3)',
      ),
    )
    .addOption(
      new Option(
        '--no-alerts',
        'send no alerts for these files (backfills); alerts are on when ALERT_SLACK_WEBHOOK_SECRET or ALERT_SNS_TOPIC_ARN is set',
      ),
    )
    .addOption(new Option('--include-insights', 'also index CloudTrail Insights files').default(false))
    .addOption(
      new Option(
        '--kinesis-stream <name|arn>',
        'also put every record, as the file holds it, to this Kinesis data stream, at-least-once, partition key eventID (default: off)',
      ).argParser(kinesisStream),
    )
    .addOption(
      new Option(
        '--kinesis-endpoint <url>',
        'a Kinesis-compatible endpoint instead of AWS Kinesis (default: $KINESIS_ENDPOINT, else AWS)',
      ),
    )
    .addOption(
      new Option(
        '--resume',
        'skip S3 objects whose ledger entry is complete with the same ETag (a backfill run again continues)',
      ).default(false),
    )
    .addOption(
      new Option(
        '--enqueue <queue-url>',
        "send the selected S3 objects to the stack's SQS queue (its QueueUrl output) instead of indexing them here: the indexer Lambda indexes them (default: off, index here)",
      ).argParser(queueUrl),
    )
    .addOption(
      new Option(
        '--no-refresh',
        `do not refresh the written indices at the end: new documents then become searchable within the refresh interval (${TEMPLATE_REFRESH})`,
      ),
    )
    .addOption(
      new Option(
        '--progress <mode>',
        'progress on stderr: live (a line redrawn in place), lines (a line every --progress-interval), none; ' +
          'auto is live on a terminal, else lines',
      )
        .choices(['auto', 'live', 'lines', 'none'])
        .default('auto'),
    )
    .addOption(
      new Option('--progress-interval <seconds>', 'seconds between progress lines (--progress lines)')
        .argParser(positiveNumber('seconds'))
        .default(10),
    )
    .addOption(new Option('-q, --quiet', 'no progress output (same as --progress none)').default(false))
    .addOption(
      new Option('-v, --verbose', 'name every file as it is indexed or skipped, and why').default(false),
    )
    .addHelpText(
      'after',
      `
Examples:
  cloudtrail-opensearch index s3://my-trail-bucket/AWSLogs/123456789012/CloudTrail/ \\
      --endpoint https://search-logs-abc123.eu-west-1.es.amazonaws.com --region eu-west-1
  cloudtrail-opensearch index ./downloaded-logs --endpoint http://127.0.0.1:9200

The summary goes to stdout; progress, warnings and --verbose lines to stderr. At the end the
indices are refreshed, so what was indexed is searchable at once (unless --no-refresh).

${EXIT_CODES_HELP}
  An empty directory or a prefix with no log file is exit 2 (nothing to index).`,
    )
    .action(async (paths: string[], flags: IndexFlags) => {
      invocation.exitCode = await runIndex(paths, flags, invocation);
    });
  return command;
}

async function runIndex(paths: string[], flags: IndexFlags, invocation: Invocation): Promise<ExitCode> {
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

function kinesisStream(value: string): KinesisStreamTarget {
  const parsed = parseStreamTarget(value);
  if (typeof parsed === 'string')
    throw new InvalidArgumentError(`Expected ${parsed.replace(/^expected /, '')}.`);
  return parsed;
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
