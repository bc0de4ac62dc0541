/**
 * Indexer Lambda entry point (handler `index.handler`).
 *
 * Triggered by S3 notifications, SNS, SQS or EventBridge. Every shape is normalised to a list of S3
 * objects (src/trigger/normalise.ts); each object is streamed through the pipeline
 * (src/pipeline/indexFile.ts). For SQS, only the messages whose files failed are reported back
 * (`batchItemFailures`), so only those are redelivered. For every other trigger, any failed file fails
 * the invocation so Lambda retries it; document ids make the retry safe.
 */
import { buildAlerts, alertsConfigOf } from './src/alerts/settings.js';
import type { AlertsExtension } from './src/alerts/extension.js';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSRecord } from 'aws-lambda';
import { loadIndexerConfig, type IndexerConfig } from './src/config.js';
import { ClusterHealth } from './src/http/health.js';
import { lambdaTelemetry, type Telemetry } from './src/observability/telemetry.js';
import type { Client } from '@opensearch-project/opensearch';
import { KinesisExtension } from './src/kinesis/extension.js';
import { createClient } from './src/opensearch/client.js';
import { describedError, LAMBDA_SETTINGS, lambdaErrorContext } from './src/opensearch/errors.js';
import { clientHttp } from './src/http/request.js';
import { DigestError } from './src/digest/digest.js';
import { DigestRecorder } from './src/ledger/digests.js';
import { LedgerExtension } from './src/ledger/extension.js';
import { ledgerIndex } from './src/ledger/ledger.js';
import { filesInFlight, Slots } from './src/pipeline/fileSlots.js';
import { emptyOutcome, messageOf } from './src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from './src/pipeline/indexer.js';
import { lambdaS3Client } from './src/source/s3.js';
import { normaliseEvent } from './src/trigger/normalise.js';
import type { FileOutcome, TriggerUnit } from './src/types.js';

interface Runtime {
  config: IndexerConfig;
  /** Errors leaving the handler name its endpoint and auth mode (src/opensearch/errors.ts). */
  client: Client;
  indexer: Indexer;
  telemetry: Telemetry;
  /** Bounds the files indexed at once across an SQS batch's parallel messages (see fileSlots.ts). */
  slots: Slots;
  /** Digest files named by triggers go to the ledger (src/ledger/digests.ts). */
  digests: DigestRecorder;
  /** Alerts (src/alerts/), when a destination is configured. */
  alerts?: AlertsExtension;
}

// Built once per cold start. A configuration error is kept and reported on every invocation, so the
// error names the bad variable in each failed invocation's log rather than only in the first.
let runtime: Promise<Runtime | Error> | undefined;

async function getRuntime(): Promise<Runtime> {
  runtime ??= buildRuntime();
  const built = await runtime;
  if (built instanceof Error) throw built;
  return built;
}

async function buildRuntime(): Promise<Runtime | Error> {
  try {
    const config = loadIndexerConfig(process.env);
    const telemetry = lambdaTelemetry('cloudtrail-indexer', config.logLevel);
    const client = createClient(config);
    const s3 = lambdaS3Client(config);
    // The rules are read and checked at cold start: a bad rules file fails every invocation, named.
    const alertsConfig = alertsConfigOf(process.env);
    const alerts =
      alertsConfig &&
      (await buildAlerts(alertsConfig, {
        region: config.region,
        indexPrefix: config.indexPrefix,
        s3: () => s3,
      }));
    const indexer = new Indexer(
      client,
      {
        ...DEFAULT_PIPELINE_SETTINGS,
        indexPrefix: config.indexPrefix,
        bulkMaxBytes: config.bulkMaxBytes,
        bulkMaxDocs: config.bulkMaxDocs,
        bulkConcurrency: config.bulkConcurrency,
        maxDecompressedBytes: config.maxDecompressedBytes,
        maxRecordBytes: config.maxRecordBytes,
        deadLetter: config.deadLetter,
        service: config.service,
        requestTimeoutMs: config.requestTimeoutMs,
        errorSettings: LAMBDA_SETTINGS,
      },
      telemetry,
      s3,
      // The ledger last: it records the file's final state, including another extension's failure.
      [
        ...(alerts ? [alerts] : []),
        ...(config.kinesisStream
          ? [
              new KinesisExtension({
                stream: config.kinesisStream,
                endpoint: process.env.KINESIS_ENDPOINT,
                requestTimeoutMs: config.requestTimeoutMs,
              }),
            ]
          : []),
        new LedgerExtension(),
      ],
    );
    const digests = new DigestRecorder(
      s3,
      clientHttp(client, { timeoutMs: config.requestTimeoutMs }),
      ledgerIndex(config.indexPrefix),
    );
    const slots = new Slots(filesInFlight(Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)));
    return { config, client, indexer, telemetry, slots, digests, ...(alerts ? { alerts } : {}) };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Test hook: forget the cold-start state so the next invocation re-reads the environment. */
export function resetForTests(): void {
  runtime = undefined;
}

/** What one invocation's files share: the Lambda's clock and the cluster's health as seen so far. */
interface Invocation {
  remainingTimeMs: () => number;
  health: ClusterHealth;
}

export async function handler(event: unknown, context: Context): Promise<unknown> {
  const runtime = await getRuntime();
  const { config, client, telemetry, alerts } = runtime;
  // Per invocation: once several files in a row fail because of the cluster, the rest are not even
  // started (their messages fail at once and come back later) instead of each using up the time.
  const invocation: Invocation = {
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    health: ClusterHealth.create(),
  };
  alerts?.delivery.startInvocation();
  try {
    if (isSqsEvent(event)) {
      const processor = new BatchProcessor(EventType.SQS);
      // One SQS message at a time: its files are indexed, and it is reported failed if any file failed.
      const recordHandler = async (record: SQSRecord) => {
        const units = normaliseEvent({ Records: [record] }, { includeInsights: config.includeInsights });
        for (const unit of units) await indexUnit(unit, runtime, invocation);
      };
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    }
    const units = normaliseEvent(event, { includeInsights: config.includeInsights });
    for (const unit of units) await indexUnit(unit, runtime, invocation);
    return { status: 'ok' };
  } catch (error) {
    throw describedError(error, lambdaErrorContext(client));
  } finally {
    await alerts?.finishInvocation({
      budget: { requestTimeoutMs: config.requestTimeoutMs, ...invocation },
      telemetry,
    });
    telemetry.flush();
  }
}

async function indexUnit(
  unit: TriggerUnit & { error?: string },
  { indexer, telemetry, slots, digests, config }: Runtime,
  invocation: Invocation,
): Promise<void> {
  if (unit.error)
    throw new Error(`unusable trigger message${unit.messageId ? ` ${unit.messageId}` : ''}: ${unit.error}`);
  for (const skipped of unit.skipped) {
    telemetry.metric('FilesSkipped', 1);
    telemetry.log.info('object skipped', { ...skipped });
  }
  const failed: FileOutcome[] = [];
  const { health, remainingTimeMs } = invocation;
  const digestObjects = unit.skipped.filter((skipped) => skipped.reason === 'digest');
  const digestCount = digestObjects.length;
  for (const skipped of digestObjects) {
    const recorded = await digests
      .record(skipped.bucket, skipped.key, { requestTimeoutMs: config.requestTimeoutMs, remainingTimeMs })
      .catch((error: unknown) => ({
        ...emptyOutcome(skipped.key, skipped.bucket),
        error: `digest: ${messageOf(error)}`,
      }));
    if (recorded instanceof DigestError)
      telemetry.log.error('digest not usable', { error: recorded.message });
    else if ('read' in recorded) failed.push(recorded);
  }
  for (const ref of unit.objects) {
    const outcome = await slots.run(() => {
      // Looked at once the file has a slot: files waiting for one when the run stops are not started.
      const stopped = health.stopReason;
      if (stopped === undefined) return indexer.indexS3Object(ref, remainingTimeMs, health);
      return Promise.resolve({ ...emptyOutcome(ref.key, ref.bucket), error: `not attempted: ${stopped}` });
    });
    if (outcome.error || outcome.undelivered > 0) failed.push(outcome);
  }
  if (failed.length > 0) {
    const details = failed.map(
      (outcome) => `s3://${outcome.bucket}/${outcome.key}: ${outcome.error ?? 'undelivered records'}`,
    );
    throw new Error(
      `${failed.length} of ${unit.objects.length + digestCount} file(s) not fully indexed: ${details.join('; ')}`,
    );
  }
}

function isSqsEvent(event: unknown): event is { Records: SQSRecord[] } {
  const records = (event as { Records?: unknown })?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    (records[0] as { eventSource?: string })?.eventSource === 'aws:sqs'
  );
}
