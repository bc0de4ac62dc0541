/**
 * Configuration of the indexer and cleanup Lambdas, read from environment variables and validated at
 * cold start. Every problem is collected and reported at once in one ConfigError, one line each, in
 * the form `NAME="value": expected ...`, so a deploy is fixed in one round trip rather than one
 * variable per failed invocation.
 *
 * Values are trimmed, and an empty value counts as unset: CloudFormation passes '' for optional
 * parameters left blank.
 */

import { redactCredentials } from './http/redact.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './http/retry.js';
import type { LogLevel } from './observability/telemetry.js';

export type { LogLevel };
export type OpenSearchService = 'es' | 'aoss';
export type DeadLetterTarget =
  { kind: 's3'; bucket: string; prefix: string } | { kind: 'index'; index: string };

export interface ConnectionConfig {
  /** Origin plus optional path, without a trailing slash. */
  endpoint: string;
  indexPrefix: string;
  /** SigV4 service name; undefined means no AWS signing (plain http or basic auth). */
  service?: OpenSearchService;
  region?: string;
  logLevel: LogLevel;
  /** Deadline of every request to the cluster and to S3: connect plus the whole answer. */
  requestTimeoutMs: number;
}

export interface IndexerConfig extends ConnectionConfig {
  bulkMaxBytes: number;
  bulkMaxDocs: number;
  bulkConcurrency: number;
  deadLetter?: DeadLetterTarget;
  maxDecompressedBytes: number;
  maxRecordBytes: number;
  includeInsights: boolean;
  /** KINESIS_STREAM: every record also goes to this Kinesis data stream; off when unset. */
  kinesisStream?: KinesisStreamTarget;
}

export interface CleanupConfig extends ConnectionConfig {
  keepDays: number;
  maxDeletions: number;
  dryRun: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

export const DEFAULTS = {
  indexPrefix: 'cloudtrail-',
  // Half of the smallest AWS request limit (10 MiB on small OpenSearch Service instance types), so a
  // batch never trips it; raising this above 10 MiB works only on larger instance types.
  bulkMaxBytes: 5 * MIB,
  bulkMaxDocs: 5000,
  bulkConcurrency: 2,
  // Gzip-bomb guard. CloudTrail files are typically under 50 MB compressed (JSON compresses ~10-20x),
  // so 2 GiB leaves ample room for real files while bounding the bytes any one file can feed us.
  maxDecompressedBytes: 2 * GIB,
  // CloudTrail caps one event at 256 KB; 1 MiB is 4x that, room for re-serialisation growth. A record
  // beyond it is almost certainly corruption, and the cap bounds what the splitter ever buffers.
  maxRecordBytes: 1 * MIB,
  includeInsights: false,
  logLevel: 'INFO' as LogLevel,
  maxDeletions: 30,
  dryRun: false,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
} as const;

/** The variables both Lambdas read to reach the cluster and log (readConnection). */
export const CONNECTION_ENV_VARS: readonly string[] = [
  'OPENSEARCH_ENDPOINT',
  'INDEX_PREFIX',
  'OPENSEARCH_SERVICE',
  'AWS_REGION',
  'LOG_LEVEL',
  'REQUEST_TIMEOUT_MS',
];

/** Every variable loadIndexerConfig reads (the CloudFormation check compares the template to this). */
export const INDEXER_ENV_VARS: readonly string[] = [
  ...CONNECTION_ENV_VARS,
  'BULK_MAX_BYTES',
  'BULK_MAX_DOCS',
  'BULK_CONCURRENCY',
  'DEAD_LETTER',
  'MAX_DECOMPRESSED_BYTES',
  'MAX_RECORD_BYTES',
  'INCLUDE_INSIGHTS',
  'KINESIS_STREAM',
];

/** Every variable loadCleanupConfig reads. */
export const CLEANUP_ENV_VARS: readonly string[] = [
  ...CONNECTION_ENV_VARS,
  'KEEP_DAYS',
  'MAX_DELETIONS',
  'DRY_RUN',
];

/** Every variable the query API Lambda (src/api/lambda.ts) reads: the connection alone (loadConnectionConfig). */
export const QUERY_API_ENV_VARS: readonly string[] = [...CONNECTION_ENV_VARS];

/** Set by the Lambda runtime and not allowed in a function's Environment block. */
export const LAMBDA_RESERVED_ENV_VARS: readonly string[] = ['AWS_REGION'];

type Env = Record<string, string | undefined>;

export function loadIndexerConfig(env: Env): IndexerConfig {
  const read = new EnvReader(env);
  const connection = readConnection(read);
  const bulkMaxBytes = read.integer('BULK_MAX_BYTES', DEFAULTS.bulkMaxBytes, KIB, 100 * MIB, 'bytes');
  const bulkMaxDocs = read.integer('BULK_MAX_DOCS', DEFAULTS.bulkMaxDocs, 1, 100_000, 'documents');
  const bulkConcurrency = read.integer('BULK_CONCURRENCY', DEFAULTS.bulkConcurrency, 1, 16);
  const deadLetter = readDeadLetter(read, connection.indexPrefix);
  const maxDecompressedBytes = read.integer(
    'MAX_DECOMPRESSED_BYTES',
    DEFAULTS.maxDecompressedBytes,
    MIB,
    64 * GIB,
    'bytes',
  );
  // A record larger than a whole bulk request could never be sent: the default shrinks to fit a small
  // BULK_MAX_BYTES, and an explicit value that does not fit is reported now rather than per record.
  const maxRecordBytes = read.integer(
    'MAX_RECORD_BYTES',
    Math.min(DEFAULTS.maxRecordBytes, bulkMaxBytes),
    KIB,
    100 * MIB,
    'bytes',
  );
  if (read.isValid('MAX_RECORD_BYTES') && read.isValid('BULK_MAX_BYTES') && maxRecordBytes > bulkMaxBytes) {
    read.problem(
      'MAX_RECORD_BYTES',
      `expected at most BULK_MAX_BYTES (${bulkMaxBytes}), so any accepted record fits in one bulk request`,
    );
  }
  const includeInsights = read.boolean('INCLUDE_INSIGHTS', DEFAULTS.includeInsights);
  const kinesisStream = readKinesisStream(read);
  read.throwIfProblems();
  return {
    ...connection,
    bulkMaxBytes,
    bulkMaxDocs,
    bulkConcurrency,
    ...(deadLetter ? { deadLetter } : {}),
    maxDecompressedBytes,
    maxRecordBytes,
    includeInsights,
    ...(kinesisStream ? { kinesisStream } : {}),
  };
}

/*
 * Which Kinesis data stream the records also go to, from KINESIS_STREAM / --kinesis-stream: a stream name
 * (in the function's own account and region) or a stream ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`,
 * which also names the region to call). Here rather than in src/kinesis/ so that reading the settings does
 * not load the Kinesis sender.
 */

/** Kinesis stream names: 1 to 128 of letters, digits, `_`, `-` and `.`. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN = /^arn:(aws[a-zA-Z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

export interface KinesisStreamTarget {
  /** As configured: what messages name. */
  readonly text: string;
  readonly name: string;
  /** Set when configured as an ARN: PutRecords is then addressed by ARN. */
  readonly arn?: string;
  /** The ARN's region, when configured as an ARN. */
  readonly region?: string;
}

/** The target, or a message saying what is wrong with the value (without the setting's name). */
export function parseStreamTarget(value: string): KinesisStreamTarget | string {
  const text = value.trim();
  const arn = STREAM_ARN.exec(text);
  if (arn) return { text, name: arn[4] as string, arn: text, region: arn[2] as string };
  if (text.startsWith('arn:'))
    return 'expected a Kinesis stream ARN of the form arn:aws:kinesis:REGION:ACCOUNT:stream/NAME';
  if (STREAM_NAME.test(text)) return { text, name: text };
  return 'expected a Kinesis stream name (1 to 128 letters, digits, "_", "-" or ".") or a stream ARN';
}

function readKinesisStream(read: EnvReader): KinesisStreamTarget | undefined {
  const value = read.value('KINESIS_STREAM');
  if (value === undefined) return undefined;
  const parsed = parseStreamTarget(value);
  if (typeof parsed === 'string') read.problem('KINESIS_STREAM', parsed);
  return typeof parsed === 'string' ? undefined : parsed;
}

export function loadCleanupConfig(env: Env): CleanupConfig {
  const read = new EnvReader(env);
  const connection = readConnection(read);
  const keepDays = read.requiredInteger('KEEP_DAYS', 1, 36_500, 'days');
  const maxDeletions = read.integer('MAX_DELETIONS', DEFAULTS.maxDeletions, 1, 10_000, 'indices');
  const dryRun = read.boolean('DRY_RUN', DEFAULTS.dryRun);
  read.throwIfProblems();
  return { ...connection, keepDays, maxDeletions, dryRun };
}

/** The connection settings alone, for a Lambda that reads its other settings itself (the scheduled audit). */
export function loadConnectionConfig(env: Env): ConnectionConfig {
  const read = new EnvReader(env);
  const connection = readConnection(read);
  read.throwIfProblems();
  return connection;
}

/** Collects problems instead of throwing at the first, and remembers which variables were bad. */
class EnvReader {
  private readonly problems: string[] = [];
  private readonly bad = new Set<string>();

  constructor(private readonly env: Env) {}

  value(name: string): string | undefined {
    const raw = this.env[name];
    if (typeof raw !== 'string') return undefined;
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  isValid(name: string): boolean {
    return !this.bad.has(name);
  }

  /** Records `NAME="current value": <what>` (or `NAME is not set: <what>`). */
  problem(name: string, what: string, shownValue = this.value(name)): void {
    this.bad.add(name);
    this.problems.push(
      shownValue === undefined ? `${name} is not set: ${what}` : `${name}=${quote(shownValue)}: ${what}`,
    );
  }

  integer(name: string, fallback: number, min: number, max: number, unit?: string): number {
    const value = this.value(name);
    return value === undefined ? fallback : (this.parseInteger(name, value, min, max, unit) ?? fallback);
  }

  requiredInteger(name: string, min: number, max: number, unit?: string): number {
    const value = this.value(name);
    if (value === undefined) {
      this.problem(name, integerExpectation(min, max, unit));
      return min;
    }
    return this.parseInteger(name, value, min, max, unit) ?? min;
  }

  private parseInteger(
    name: string,
    value: string,
    min: number,
    max: number,
    unit?: string,
  ): number | undefined {
    // Digits only: "12MB", "1e6", "5.5" and "0x10" are all mistakes worth reporting, not guessing at.
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.problem(name, integerExpectation(min, max, unit));
    return undefined;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.value(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === 'false') return value === 'true';
    this.problem(name, 'expected true or false');
    return fallback;
  }

  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    normalise: (v: string) => string,
  ): T | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    const match = allowed.find((candidate) => candidate === normalise(value));
    if (match === undefined) this.problem(name, `expected one of ${allowed.join(', ')}`);
    return match;
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

function integerExpectation(min: number, max: number, unit?: string): string {
  return `expected a whole number${unit ? ` of ${unit}` : ''} between ${min} and ${max}`;
}

const MAX_SHOWN_VALUE = 200;

/** JSON quoting keeps the message on one line whatever the value holds. */
function quote(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value);
}

function readConnection(read: EnvReader): ConnectionConfig {
  const endpoint = readEndpoint(read);
  const host = endpoint ? new URL(endpoint).hostname : '';
  const managed = managedDomain(host);

  const indexPrefix = read.value('INDEX_PREFIX') ?? DEFAULTS.indexPrefix;
  const prefixProblem = indexNameProblem(indexPrefix, DAILY_SUFFIX_BYTES);
  if (prefixProblem) read.problem('INDEX_PREFIX', `expected a valid index name prefix: ${prefixProblem}`);

  // An AWS-hosted endpoint tells us the service and region; explicit settings win (custom domains).
  const service =
    read.oneOf<OpenSearchService>('OPENSEARCH_SERVICE', ['es', 'aoss'], (v) => v.toLowerCase()) ??
    managed?.service;

  let region = read.value('AWS_REGION');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    read.problem('AWS_REGION', 'expected an AWS region code such as us-east-1');
  }
  region ??= managed?.region;
  if (service && region === undefined && read.isValid('OPENSEARCH_SERVICE')) {
    read.problem(
      'AWS_REGION',
      `expected an AWS region code such as us-east-1, to sign requests for service "${service}"`,
    );
  }

  const level = read.oneOf<LogLevel>('LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'], (v) => v.toUpperCase());
  // Lambda's own timeout is at most 15 minutes: a longer request could never finish.
  const requestTimeoutMs = read.integer(
    'REQUEST_TIMEOUT_MS',
    DEFAULTS.requestTimeoutMs,
    100,
    900_000,
    'milliseconds',
  );

  return {
    endpoint: endpoint ?? '',
    indexPrefix,
    ...(service ? { service } : {}),
    ...(region !== undefined ? { region } : {}),
    logLevel: level ?? DEFAULTS.logLevel,
    requestTimeoutMs,
  };
}

const ENDPOINT_EXAMPLE = 'https://search-mydomain-abc123.us-east-1.es.amazonaws.com';

function readEndpoint(read: EnvReader): string | undefined {
  const name = 'OPENSEARCH_ENDPOINT';
  const value = read.value(name);
  if (value === undefined) {
    read.problem(name, `expected an http(s) URL such as ${ENDPOINT_EXAMPLE}`);
    return undefined;
  }
  // Never echo a password into logs: every problem shows the value with any user info masked, and
  // this also holds for a value that is not a URL at all.
  const shown = redactCredentials(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    read.problem(name, `expected an http(s) URL such as ${ENDPOINT_EXAMPLE}`, shown);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    read.problem(name, `expected an http(s) URL such as ${ENDPOINT_EXAMPLE}`, shown);
    return undefined;
  }
  if (url.username || url.password) {
    read.problem(
      name,
      'expected a URL without credentials (use OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD)',
      `${url.protocol}//***@${url.host}${url.pathname}`,
    );
    return undefined;
  }
  if (url.search || url.hash) {
    read.problem(name, 'expected a URL without a query string or fragment', shown);
    return undefined;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `search-x.us-east-1.es.amazonaws.com` → es/us-east-1; `id.eu-west-1.aoss.amazonaws.com` → aoss. */
function managedDomain(host: string): { service: OpenSearchService; region: string } | undefined {
  const match = /\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.(es|aoss)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (!match) return undefined;
  return { region: match[1]!, service: match[2] as OpenSearchService };
}

/** Bytes the daily suffix `YYYY-MM-DD` adds to INDEX_PREFIX. */
const DAILY_SUFFIX_BYTES = 10;
const MAX_INDEX_NAME_BYTES = 255;

/**
 * Why `name` is not a valid OpenSearch index name (or prefix, leaving `reserveBytes` for a suffix),
 * or undefined when it is. Leading `.` is refused too: such names are hidden/system indices.
 */
function indexNameProblem(name: string, reserveBytes = 0): string | undefined {
  if (name !== name.toLowerCase()) return 'lower case only';
  const forbidden = [...' "*\\<|,>/?#:'].filter((ch) => name.includes(ch));
  if (forbidden.length > 0) return `must not contain ${forbidden.map((ch) => JSON.stringify(ch)).join(' ')}`;
  if (/^[_\-+]/.test(name)) return 'must not start with _, - or +';
  if (name.startsWith('.')) return 'must not start with . (hidden and system indices)';
  const limit = MAX_INDEX_NAME_BYTES - reserveBytes;
  if (Buffer.byteLength(name) > limit) return `at most ${limit} bytes`;
  return undefined;
}

function readDeadLetter(read: EnvReader, indexPrefix: string): DeadLetterTarget | undefined {
  const name = 'DEAD_LETTER';
  const value = read.value(name);
  if (value === undefined) return undefined;

  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    const problem = bucketNameProblem(bucket);
    if (problem) {
      read.problem(name, `expected s3://BUCKET/PREFIX with a valid bucket name: ${problem}`);
      return undefined;
    }
    return { kind: 's3', bucket, prefix };
  }

  if (value.startsWith('index:')) {
    const index = value.slice('index:'.length);
    const problem =
      index === ''
        ? 'the name is empty'
        : (indexNameProblem(index) ??
          // Such a name would be mistaken for a daily index: mapped as CloudTrail data and deleted by cleanup.
          (isDailyIndexName(index, indexPrefix)
            ? `must not look like a daily index (${indexPrefix}YYYY-MM-DD)`
            : undefined));
    if (problem) {
      read.problem(name, `expected index:NAME with a valid index name: ${problem}`);
      return undefined;
    }
    return { kind: 'index', index };
  }

  read.problem(name, 'expected s3://BUCKET/PREFIX or index:NAME');
  return undefined;
}

function isDailyIndexName(index: string, indexPrefix: string): boolean {
  return index.startsWith(indexPrefix) && /^\d{4}-\d{2}-\d{2}$/.test(index.slice(indexPrefix.length));
}

/** S3 general purpose bucket naming rules (the legacy us-east-1 forms are not accepted). */
function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return '3 to 63 characters';
  if (!/^[a-z0-9.-]+$/.test(bucket)) return 'only lower-case letters, digits, "." and "-"';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(bucket)) return 'must start and end with a letter or digit';
  if (bucket.includes('..')) return 'no two adjacent periods';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not be formatted as an IP address';
  if (/^(xn--|sthree-)/.test(bucket)) return 'must not start with a reserved prefix (xn--, sthree-)';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket))
    return 'must not end with a reserved suffix';
  return undefined;
}
