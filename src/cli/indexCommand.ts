/** `cloudtrail-opensearch index <path|s3://bucket/prefix>... --endpoint URL`: backfills and local files. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS, parseStreamTarget, type DeadLetterTarget, type KinesisStreamTarget } from '../config.js';
import { DEFAULT_FILES_PER_THREAD, DEFAULT_THREADS } from '../pipeline/threads.js';
import { EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import {
  addConnectionOptions,
  deadLetterTarget,
  positiveNumber,
  wholeNumber,
  type ConnectionFlags,
} from './options.js';
import type { ProgressMode } from './progress.js';
import { queueUrl } from './queueOption.js';
import { addSelectionOptions, type SelectionFlags } from './selectionOptions.js';

export interface IndexFlags extends ConnectionFlags, SelectionFlags {
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
export const TEMPLATE_REFRESH = '30 s';

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
        .default(DEFAULTS.bulkConcurrency),
    )
    .addOption(
      new Option('--max-bytes <bytes>', 'largest bulk request body (stay under the domain limit, 10 MiB)')
        .argParser(wholeNumber(1024))
        .default(DEFAULTS.bulkMaxBytes),
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
      const { runIndex } = await import('./indexAction.js');
      invocation.exitCode = await runIndex(paths, flags, invocation);
    });
  return command;
}

function kinesisStream(value: string): KinesisStreamTarget {
  const parsed = parseStreamTarget(value);
  if (typeof parsed === 'string')
    throw new InvalidArgumentError(`Expected ${parsed.replace(/^expected /, '')}.`);
  return parsed;
}
