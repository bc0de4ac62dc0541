/**
 * The indexer engine shared by the Lambda and the CLI: it owns the connections, makes sure the index
 * template is installed before the first write, and indexes one object or local file at a time.
 */
import { errors, type Client } from '@opensearch-project/opensearch';
import type { S3Client } from '@aws-sdk/client-s3';
import { backoffDelay } from '../bulk/backoff.js';
import { DEFAULT_RETRY } from '../bulk/sender.js';
import { DEFAULTS } from '../config.js';
import { clientTransport, type BulkTransport } from '../bulk/transport.js';
import type { DeadLetterSink } from '../deadletter/entry.js';
import { IndexDeadLetterSink } from '../deadletter/indexSink.js';
import { S3DeadLetterSink } from '../deadletter/s3Sink.js';
import { DocumentMemory } from '../documents/builder.js';
import type { Telemetry } from '../observability/telemetry.js';
import { resolvedConnectionOf } from '../opensearch/client.js';
import { detectCluster, type ClusterInfo } from '../opensearch/cluster.js';
import { describeAuthFailure } from '../opensearch/errors.js';
import { localFileTimeMs, openLocalFile } from '../source/local.js';
import { indexTemplate } from '../template/template.js';
import { installTemplate } from '../template/install.js';
import { keyDate } from '../trigger/keyDate.js';
import type { FileOutcome, ObjectRef } from '../types.js';
import { emptyOutcome, indexFile, messageOf, type FileJob, type PipelineSettings } from './indexFile.js';

export interface IndexerOptions extends PipelineSettings {
  /** `s3://bucket/prefix` or `index:NAME`; default `index:<indexPrefix>deadletter`. */
  deadLetter?: { kind: 's3'; bucket: string; prefix: string } | { kind: 'index'; index: string };
  service?: 'es' | 'aoss';
  /** Retries of prepare() (GET / and the template install) on 429, 5xx and network errors. */
  prepareRetry?: { baseMs: number; maxMs: number; maxAttempts: number };
  /** The cluster as another Indexer already prepared it (worker threads): prepare() sends nothing. */
  cluster?: ClusterInfo;
}

const DEFAULT_PREPARE_RETRY = { baseMs: 200, maxMs: 5_000, maxAttempts: 6 };

/** The same defaults as the Lambda's environment (src/config.ts), for the CLI, the demo and tests. */
export const DEFAULT_PIPELINE_SETTINGS: Omit<PipelineSettings, 'indexPrefix'> = {
  maxDecompressedBytes: DEFAULTS.maxDecompressedBytes,
  maxRecordBytes: DEFAULTS.maxRecordBytes,
  bulkMaxBytes: DEFAULTS.bulkMaxBytes,
  bulkMaxDocs: DEFAULTS.bulkMaxDocs,
  bulkConcurrency: DEFAULTS.bulkConcurrency,
  requestTimeoutMs: 30_000,
  retry: DEFAULT_RETRY,
};

export class Indexer {
  private ready: Promise<ClusterInfo> | undefined;
  private readonly transport: BulkTransport;
  private readonly deadLetterSink: DeadLetterSink;
  /** Document memory reused from file to file. */
  private readonly documentMemory = new DocumentMemory();

  constructor(
    private readonly client: Client,
    private readonly options: IndexerOptions,
    private readonly telemetry: Telemetry,
    private readonly s3?: S3Client,
  ) {
    this.transport = clientTransport(client);
    this.deadLetterSink = makeDeadLetterSink(client, options, s3);
    if (options.cluster) this.ready = Promise.resolve(options.cluster);
  }

  get deadLetterTarget(): string {
    return this.deadLetterSink.target;
  }

  /** Detects the cluster flavour and installs the index template, once; a failure is retried next call. */
  prepare(): Promise<ClusterInfo> {
    this.ready ??= this.installWithRetry().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** install() with exponential backoff (full jitter) on transient errors; anything else fails at once. */
  private async installWithRetry(): Promise<ClusterInfo> {
    const { baseMs, maxMs, maxAttempts } = this.options.prepareRetry ?? DEFAULT_PREPARE_RETRY;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.install();
      } catch (error) {
        const status = statusOf(error);
        if (status === 401 || status === 403)
          throw new Error(this.describeAuth(status, bodyOf(error)), { cause: error });
        if (attempt >= maxAttempts || !isTransient(error, status)) throw error;
        const delayMs = backoffDelay(attempt, { baseMs, maxMs, random: Math.random });
        this.telemetry.log.warn('cluster not ready, retrying', { attempt, delayMs, error: messageOf(error) });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** The advice for a 401/403 (IAM policy, domain access policy, role mapping), with the server's words. */
  private describeAuth(status: 401 | 403, body: unknown): string {
    const connection = resolvedConnectionOf(this.client);
    return describeAuthFailure(
      status,
      body,
      connection?.auth ?? 'none',
      connection?.endpoint ?? 'OpenSearch',
    );
  }

  private async install(): Promise<ClusterInfo> {
    const cluster = await detectCluster(this.client, this.options.service);
    const template = indexTemplate({ indexPrefix: this.options.indexPrefix, cluster });
    const result = await installTemplate(this.client, template);
    this.telemetry.log.info('index template checked', {
      template: template.name,
      result,
      cluster: `${cluster.distribution} ${cluster.version}`,
    });
    return cluster;
  }

  async indexS3Object(ref: ObjectRef, remainingTimeMs: () => number): Promise<FileOutcome> {
    const sourceName = `s3://${ref.bucket}/${ref.key}`;
    await this.prepare();
    let opened;
    try {
      // Imported on first use: the AWS SDK costs ~14 MB of memory per thread that never reads S3.
      const { openS3Object } = await import('../source/s3.js');
      opened = await openS3Object(this.s3!, ref);
    } catch (error) {
      return this.failedBeforeReading(ref.key, sourceName, error, ref.bucket);
    }
    return this.run(
      {
        sourceName,
        bucket: ref.bucket,
        key: ref.key,
        keyDate: keyDate(ref.key),
        objectTimeMs: opened.lastModifiedMs,
        stream: opened.stream,
      },
      remainingTimeMs,
    );
  }

  async indexLocalFile(path: string, remainingTimeMs: () => number = () => Infinity): Promise<FileOutcome> {
    await this.prepare();
    const objectTimeMs = await localFileTimeMs(path);
    return this.run(
      { sourceName: path, key: path, keyDate: keyDate(path), objectTimeMs, stream: openLocalFile(path) },
      remainingTimeMs,
    );
  }

  private run(job: FileJob, remainingTimeMs: () => number): Promise<FileOutcome> {
    return indexFile(job, this.options, {
      transport: this.transport,
      deadLetter: this.deadLetterSink,
      telemetry: this.telemetry,
      remainingTimeMs,
      describeAuth: (status, body) => this.describeAuth(status, body),
      documentMemory: this.documentMemory,
    });
  }

  private failedBeforeReading(key: string, sourceName: string, error: unknown, bucket?: string): FileOutcome {
    const outcome = { ...emptyOutcome(key, bucket), error: messageOf(error) };
    this.telemetry.metric('FilesFailed', 1);
    this.telemetry.log.error('file failed', { source: sourceName, error: outcome.error });
    return outcome;
  }
}

function makeDeadLetterSink(
  client: Client,
  options: IndexerOptions,
  s3: S3Client | undefined,
): DeadLetterSink {
  const target = options.deadLetter ?? { kind: 'index', index: `${options.indexPrefix}deadletter` };
  if (target.kind === 'index') return new IndexDeadLetterSink(client, target.index);
  if (!s3) throw new Error(`DEAD_LETTER=s3://${target.bucket}/${target.prefix} needs an S3 client`);
  return new S3DeadLetterSink(s3, target.bucket, target.prefix);
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof errors.ResponseError) return error.meta.statusCode ?? undefined;
  // installTemplate reports a refused PUT/GET as "... failed with HTTP <status>: ...".
  const match = /failed with HTTP (\d{3})/.exec(messageOf(error));
  return match ? Number(match[1]) : undefined;
}

function bodyOf(error: unknown): unknown {
  if (error instanceof errors.ResponseError) return error.meta.body;
  const text = messageOf(error);
  const json = text.indexOf(': {');
  return json >= 0 ? text.slice(json + 2) : text;
}

/** 408, 429, 5xx and network-level errors clear on their own; 4xx and malformed answers do not. */
function isTransient(error: unknown, status: number | undefined): boolean {
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  );
}
