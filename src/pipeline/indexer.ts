/**
 * The indexer engine shared by the Lambda and the CLI: it owns the connections, makes sure the index
 * template is installed before the first write, and indexes one object or local file at a time.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULTS } from '../config.js';
import { bulkTransport, supportsFilterPath } from '../bulk/transport.js';
import type { DeadLetterStore } from '../deadletter/entry.js';
import { IndexDeadLetterStore } from '../deadletter/indexSink.js';
import { S3DeadLetterStore } from '../deadletter/s3Sink.js';
import { DocumentMemory } from '../documents/builder.js';
import { HttpError, troubleOf } from '../http/errors.js';
import type { ClusterHealth } from '../http/health.js';
import { clientHttp, type HttpCaller } from '../http/request.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY,
  outOfTimeSignal,
  withRetry,
  type RetryPolicy,
  type TimeBudget,
} from '../http/retry.js';
import { RequestWatch, watchedCaller } from '../http/watch.js';
import type { Telemetry } from '../observability/telemetry.js';
import { resolvedConnectionOf } from '../opensearch/client.js';
import { detectCluster, type ClusterInfo } from '../opensearch/cluster.js';
import { describeAuthFailure, describeError, type SettingNames } from '../opensearch/errors.js';
import { localFileTimeMs, openLocalFile } from '../source/local.js';
import type { FileExtension } from './extensions.js';
import { indexTemplate } from '../template/template.js';
import { installTemplate } from '../template/install.js';
import { keyDate } from '../trigger/keyDate.js';
import type { FileOutcome, ObjectRef } from '../types.js';
import { emptyOutcome, indexFile, messageOf, type FileJob, type PipelineSettings } from './indexFile.js';

export interface IndexerOptions extends PipelineSettings {
  /** `s3://bucket/prefix` or `index:NAME`; default `index:<indexPrefix>deadletter`. */
  deadLetter?: { kind: 's3'; bucket: string; prefix: string } | { kind: 'index'; index: string };
  service?: 'es' | 'aoss';
  /** Retries of prepare() (GET / and the template install); default: `retry`, the one policy. */
  prepareRetry?: RetryPolicy;
  /** The cluster as another Indexer already prepared it (worker threads): prepare() sends nothing. */
  cluster?: ClusterInfo;
  /** How messages name the settings that fix a failure (the CLI's options by default, or the Lambda's variables). */
  errorSettings?: SettingNames;
}

/** The same defaults as the Lambda's environment (src/config.ts), for the CLI, the demo and tests. */
export const DEFAULT_PIPELINE_SETTINGS: Omit<PipelineSettings, 'indexPrefix'> = {
  maxDecompressedBytes: DEFAULTS.maxDecompressedBytes,
  maxRecordBytes: DEFAULTS.maxRecordBytes,
  bulkMaxBytes: DEFAULTS.bulkMaxBytes,
  bulkMaxDocs: DEFAULTS.bulkMaxDocs,
  bulkConcurrency: DEFAULTS.bulkConcurrency,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  retry: DEFAULT_RETRY,
};

/** One file's view of the connection: its time, the run's health, and a watch on what its requests said. */
interface FileRun {
  budget: TimeBudget;
  health?: ClusterHealth;
  watch: RequestWatch;
  http: HttpCaller;
  /** For the extensions: the same time and health, outside the file's watch. */
  extensionHttp: HttpCaller;
}

export class Indexer {
  private ready: Promise<ClusterInfo> | undefined;
  private readonly http: HttpCaller;
  private readonly filterPath: boolean;
  private readonly deadLetterStore: DeadLetterStore;
  /** Document memory reused from file to file. */
  private readonly documentMemory = new DocumentMemory();

  constructor(
    private readonly client: Client,
    private readonly options: IndexerOptions,
    private readonly telemetry: Telemetry,
    private readonly s3?: S3Client,
    /** Per-file features (ledger, alerts, other destinations): src/pipeline/extensions.ts. */
    private readonly extensions: readonly FileExtension[] = [],
  ) {
    this.http = clientHttp(client, { timeoutMs: options.requestTimeoutMs });
    this.filterPath = supportsFilterPath(client);
    this.deadLetterStore = makeDeadLetterStore(options, s3);
    if (options.cluster) this.ready = Promise.resolve(options.cluster);
  }

  get deadLetterTarget(): string {
    return this.deadLetterStore.target;
  }

  /**
   * Detects the cluster flavour and installs the index template, once; a failure is retried next call.
   * Transient failures (see src/http/errors.ts) are retried with the one retry policy, within the time left.
   */
  prepare(remainingTimeMs: () => number = () => Infinity, health?: ClusterHealth): Promise<ClusterInfo> {
    this.ready ??= this.installWithRetry(this.fileRun(remainingTimeMs, health)).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async installWithRetry(run: FileRun): Promise<ClusterInfo> {
    try {
      return await withRetry((timeoutMs) => this.install(run.http, timeoutMs), {
        policy: this.options.prepareRetry ?? this.options.retry,
        budget: run.budget,
        what: 'preparing the cluster (GET / and the index template)',
        health: run.health,
        onRetry: ({ attempt, delayMs, error }) =>
          this.telemetry.log.warn('cluster not ready, retrying', {
            attempt,
            delayMs,
            error: messageOf(error),
          }),
      });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
        throw new AuthRefusedError(this.describeAuth(error.status, error.body), { cause: error });
      }
      throw error;
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

  private async install(http: HttpCaller, timeoutMs: number): Promise<ClusterInfo> {
    const cluster = await detectCluster(this.client, this.options.service, http, { timeoutMs });
    const template = indexTemplate({ indexPrefix: this.options.indexPrefix, cluster });
    const result = await installTemplate(http, template, { timeoutMs });
    this.telemetry.log.info('index template checked', {
      template: template.name,
      result,
      cluster: `${cluster.distribution} ${cluster.version}`,
    });
    return cluster;
  }

  /**
   * Indexes one S3 object. Never rejects for the file's sake: a cluster that cannot be prepared, an object
   * that cannot be read, are the outcome's `error`. `health` is the run's (breaker and shared pause).
   */
  async indexS3Object(
    ref: ObjectRef,
    remainingTimeMs: () => number,
    health?: ClusterHealth,
  ): Promise<FileOutcome> {
    const sourceName = `s3://${ref.bucket}/${ref.key}`;
    const run = this.fileRun(remainingTimeMs, health);
    const unprepared = await this.prepareFor(run, ref.key, sourceName, ref.bucket);
    if (unprepared) return unprepared;
    let opened;
    try {
      // Imported on first use: the AWS SDK costs ~14 MB of memory per thread that never reads S3.
      const { openS3Object } = await import('../source/s3.js');
      opened = await openS3Object(this.s3!, ref, outOfTimeSignal(run.budget));
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
        object: { size: opened.size, etag: opened.etag, versionId: opened.versionId },
        stream: opened.stream,
      },
      run,
    );
  }

  async indexLocalFile(
    path: string,
    remainingTimeMs: () => number = () => Infinity,
    health?: ClusterHealth,
  ): Promise<FileOutcome> {
    const run = this.fileRun(remainingTimeMs, health);
    const unprepared = await this.prepareFor(run, path, path);
    if (unprepared) return unprepared;
    const objectTimeMs = await localFileTimeMs(path);
    return this.run(
      { sourceName: path, key: path, keyDate: keyDate(path), objectTimeMs, stream: openLocalFile(path) },
      run,
    );
  }

  private fileRun(remainingTimeMs: () => number, health: ClusterHealth | undefined): FileRun {
    const budget = { requestTimeoutMs: this.options.requestTimeoutMs, remainingTimeMs };
    const watch = new RequestWatch();
    return {
      budget,
      health,
      watch,
      http: watchedCaller(this.http, { health, watch, budget }),
      // Extensions' writes (ledger entry, alerts) happen after delivery; were they watched, their
      // success would hide the file's refused bulk requests from the circuit breaker.
      extensionHttp: watchedCaller(this.http, { health, budget }),
    };
  }

  /** undefined once the cluster is prepared; otherwise the file's failed outcome (nothing read). */
  private async prepareFor(
    run: FileRun,
    key: string,
    sourceName: string,
    bucket?: string,
  ): Promise<FileOutcome | undefined> {
    try {
      await this.prepare(run.budget.remainingTimeMs, run.health);
      return undefined;
    } catch (error) {
      // The cluster's failure is this file's verdict too: files that cannot even start count for the breaker.
      const cause = error instanceof AuthRefusedError ? error.cause : error;
      run.health?.noteFile(troubleOf(cause) ?? 'no-request', messageOf(error));
      return this.failedBeforeReading(key, sourceName, error, bucket);
    }
  }

  private async run(job: FileJob, run: FileRun): Promise<FileOutcome> {
    const outcome = await indexFile(job, this.options, {
      transport: bulkTransport(run.http, { filterPath: this.filterPath }),
      deadLetter: this.deadLetterStore.forFile(run),
      telemetry: this.telemetry,
      remainingTimeMs: run.budget.remainingTimeMs,
      health: run.health,
      describeAuth: (status, body) => this.describeAuth(status, body),
      documentMemory: this.documentMemory,
      extensions: this.extensions,
      http: run.extensionHttp,
    });
    const failed = outcome.error !== undefined || outcome.undelivered > 0;
    run.health?.noteFile(run.watch.verdict(failed), run.watch.detail);
    return outcome;
  }

  private failedBeforeReading(key: string, sourceName: string, error: unknown, bucket?: string): FileOutcome {
    // Described like every other failure the operator reads: what is wrong and which setting fixes it.
    const connection = resolvedConnectionOf(this.client);
    const { message } = describeError(error, {
      endpoint: connection?.endpoint,
      auth: connection?.auth,
      settings: this.options.errorSettings,
    });
    const outcome = { ...emptyOutcome(key, bucket), error: message };
    this.telemetry.metric('FilesFailed', 1);
    this.telemetry.log.error('file failed', { source: sourceName, error: outcome.error });
    return outcome;
  }
}

/** A 401/403 while preparing the cluster, described as advice (the HttpError is its cause). */
export class AuthRefusedError extends Error {
  override readonly name = 'AuthRefusedError';
}

function makeDeadLetterStore(options: IndexerOptions, s3: S3Client | undefined): DeadLetterStore {
  const target = options.deadLetter ?? { kind: 'index', index: `${options.indexPrefix}deadletter` };
  if (target.kind === 'index') return new IndexDeadLetterStore(target.index, options.retry);
  if (!s3) throw new Error(`DEAD_LETTER=s3://${target.bucket}/${target.prefix} needs an S3 client`);
  return new S3DeadLetterStore(s3, target.bucket, target.prefix);
}
