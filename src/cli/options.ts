/**
 * Option definitions shared by several commands, and the value checks behind them. A bad value is
 * refused by commander with the option's name, the value and what is expected (exit 2), before any
 * work starts. Defaults shown in `--help` come from the same constants the code uses.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DeadLetterTarget } from '../config.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../http/retry.js';
import type { AuthMode, AwsService } from '../opensearch/client.js';
import { parseS3Url } from '../source/s3Url.js';

/** A mistake in how the command was called or configured: reported as is, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A whole number within [min, max], as commander's argument parser. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
      throw new InvalidArgumentError(`Expected ${expected}.`);
    }
    return number;
  };
}

/** A TCP port; 0 asks the system for a free one. */
export function portNumber(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65535) {
    throw new InvalidArgumentError('Expected a port number from 0 to 65535 (0 picks a free port).');
  }
  return number;
}

/** A positive number of `unit`s, fractions allowed (`0.5`). */
export function positiveNumber(unit: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0)) {
      throw new InvalidArgumentError(`Expected a positive number of ${unit}, e.g. 10 or 0.5.`);
    }
    return number;
  };
}

/**
 * Options the command cannot run without (shown as "(required)"). Checked once the command line is
 * parsed, so a misspelt option is reported as unknown rather than as a required one missing.
 */
export function requireOptions(command: Command, ...options: Option[]): Command {
  for (const option of options) {
    option.description += ' (required)';
    command.addOption(option);
  }
  return command.hook('preAction', (self) => {
    const missing = options.find((option) => self.getOptionValue(option.attributeName()) === undefined);
    if (missing) {
      self.error(`error: required option '${missing.flags}' not specified`, {
        code: 'commander.missingMandatoryOptionValue',
        exitCode: 2,
      });
    }
  });
}

/** What `addConnectionOptions` adds, as commander hands it to the action. */
export interface ConnectionFlags {
  endpoint?: string;
  auth?: AuthMode;
  region?: string;
  service?: AwsService;
  indexPrefix?: string;
  requestTimeout: number;
}

/** --endpoint, --auth, --region, --service, --index-prefix, --request-timeout. */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--endpoint <url>',
        'OpenSearch URL: https://search-NAME.REGION.es.amazonaws.com, https://ID.REGION.aoss.amazonaws.com ' +
          `or http(s)://host:port ${ENDPOINT_DEFAULT_HELP}`,
      ),
    )
    .addOption(
      new Option(
        '--auth <mode>',
        'how requests are authenticated; basic reads $OPENSEARCH_USERNAME and $OPENSEARCH_PASSWORD ' +
          '(default: basic when both are set, sigv4 for *.es/*.aoss.amazonaws.com, else none)',
      ).choices(['none', 'basic', 'sigv4']),
    )
    .addOption(
      new Option(
        '--region <region>',
        'AWS region for SigV4 and S3 (default: SigV4 from an AWS endpoint host, else $AWS_REGION, else ' +
          "$AWS_DEFAULT_REGION; S3 $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1, then the bucket's own)",
      ),
    )
    .addOption(
      new Option(
        '--service <name>',
        'SigV4 service: es (managed domain) or aoss (Serverless) (default: from the host, else es)',
      ).choices(['es', 'aoss']),
    )
    .addOption(
      new Option(
        '--index-prefix <prefix>',
        'daily indices are PREFIX + YYYY-MM-DD (default: $INDEX_PREFIX, else cloudtrail-)',
      ),
    )
    .addOption(
      new Option(
        '--request-timeout <ms>',
        'deadline of each request to the cluster, connecting and reading the whole answer (100-900000, as REQUEST_TIMEOUT_MS)',
      )
        .argParser(wholeNumber(100, 900_000))
        .default(DEFAULT_REQUEST_TIMEOUT_MS),
    );
}

/**
 * The cluster's URL: --endpoint, else $OPENSEARCH_URL (the CLI's own name), else $OPENSEARCH_ENDPOINT
 * (the Lambdas' name), so the environment a Lambda is tested with also works for every command.
 */
export function endpointOf(flags: { endpoint?: string }): string | undefined {
  return flags.endpoint ?? process.env.OPENSEARCH_URL ?? process.env.OPENSEARCH_ENDPOINT;
}

/** How every --endpoint's help says where its default comes from (endpointOf). */
export const ENDPOINT_DEFAULT_HELP = '(default: $OPENSEARCH_URL, else $OPENSEARCH_ENDPOINT)';

/** The index prefix from the flag, then $INDEX_PREFIX, then the product default. */
export function indexPrefixOf(flags: { indexPrefix?: string }): string {
  return flags.indexPrefix ?? process.env.INDEX_PREFIX ?? 'cloudtrail-';
}

/** `index:NAME` or `s3://bucket/prefix`: where dead letters are written (index) or read (redrive). */
export function deadLetterTarget(value: string): DeadLetterTarget {
  if (value.startsWith('index:') && value.length > 'index:'.length) {
    return { kind: 'index', index: value.slice('index:'.length) };
  }
  const s3 = parseS3Url(value);
  if (s3) return { kind: 's3', bucket: s3.bucket, prefix: s3.prefix };
  throw new InvalidArgumentError('Expected index:NAME or s3://bucket/prefix.');
}
