/**
 * The Kinesis destination as a pipeline extension (src/pipeline/extensions.ts): every record that became
 * a document is also put to the stream, as the file holds it, with the document id (the eventID, or the
 * content hash when there is none) as partition key. The file succeeds only when Kinesis has every one of
 * those records or its dead letter; otherwise its error fails the file and the trigger retries it.
 *
 * What a retry of the file re-sends: within one run, a record Kinesis acknowledged is never sent again;
 * only the records it refused (and those of a call whose answer never came) are. A retry of the whole
 * file (SQS redelivery, a crash, the CLI run again) knows nothing of an earlier run and sends every
 * record again: delivery is at-least-once and consumers de-duplicate on the eventID.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { contentHashId } from '../documents/documentId.js';
import type { DeadLetterEntry } from '../deadletter/entry.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../http/retry.js';
import type {
  ExtensionContext,
  ExtensionFile,
  ExtensionSpec,
  FileExtension,
  FileObserver,
} from '../pipeline/extensions.js';
import { makeKinesisClient } from './client.js';
import { PARTITION_KEY_MAX_CHARS } from './limits.js';
import { KinesisFailure, KinesisSender } from './sender.js';
import type { KinesisStreamTarget } from '../config.js';
import { sdkKinesisTransport, type KinesisTransport } from './transport.js';

/** Plain data, so worker threads can make the same extension (ExtensionSpec.settings). */
export interface KinesisSettings {
  stream: KinesisStreamTarget;
  /** A Kinesis-compatible endpoint instead of AWS's (KINESIS_ENDPOINT, --kinesis-endpoint). */
  endpoint?: string;
  /** Used when the stream is given by name (an ARN names its region); default the SDK's (AWS_REGION). */
  region?: string;
  requestTimeoutMs: number;
  /** PutRecords calls in flight per file. */
  concurrency?: number;
  retry?: RetryPolicy;
  /** Lower than PutRecords' 500 (tests). */
  maxRecordsPerCall?: number;
}

export const KINESIS_EXTENSION_NAME = 'kinesis';
const DEFAULT_CONCURRENCY = 2;
/** Dead letters keep at most this much of the record's text, like the pipeline's own. */
const DEAD_LETTER_TEXT_CHARS = 65536;

/** The module's entry point for worker threads (see ExtensionSpec). */
export function createExtension(settings: KinesisSettings): FileExtension {
  return new KinesisExtension(settings);
}

/** How the CLI's worker threads make the same extension. */
export function kinesisExtensionSpec(settings: KinesisSettings): ExtensionSpec {
  return { module: import.meta.url, settings };
}

export class KinesisExtension implements FileExtension {
  readonly name = KINESIS_EXTENSION_NAME;
  private readonly transport: KinesisTransport;
  readonly client: KinesisClient | undefined;

  constructor(
    private readonly settings: KinesisSettings,
    transport?: KinesisTransport,
  ) {
    if (transport) this.transport = transport;
    else {
      this.client = makeKinesisClient({
        region: settings.stream.region ?? settings.region,
        endpoint: settings.endpoint,
        requestTimeoutMs: settings.requestTimeoutMs,
      });
      this.transport = sdkKinesisTransport(this.client, settings.stream);
    }
  }

  openFile(file: ExtensionFile, context: ExtensionContext): FileObserver {
    return new KinesisFileObserver(file, context, this.transport, this.settings);
  }
}

class KinesisFileObserver implements FileObserver {
  private readonly sender: KinesisSender;
  private readonly deadLetters: DeadLetterEntry[] = [];
  private readonly counts = { records: 0, put: 0, deadLettered: 0, undelivered: 0, throttles: 0, retries: 0 };
  /** The record being offered: the sender refuses one too large for Kinesis during offer(), while it is readable. */
  private offering: { recordIndex: number; raw: Buffer } | undefined;

  constructor(
    private readonly file: ExtensionFile,
    private readonly context: ExtensionContext,
    transport: KinesisTransport,
    settings: KinesisSettings,
  ) {
    const { budget, telemetry } = context;
    this.sender = new KinesisSender({
      transport,
      concurrency: settings.concurrency ?? DEFAULT_CONCURRENCY,
      requestTimeoutMs: budget.requestTimeoutMs,
      remainingTimeMs: budget.remainingTimeMs,
      retry: settings.retry ?? DEFAULT_RETRY,
      maxRecordsPerCall: settings.maxRecordsPerCall,
      onOutcome: (recordIndex, outcome) => {
        if (outcome.kind === 'put') this.counts.put++;
        else this.deadLetter(recordIndex, outcome.reason);
      },
      onThrottle: (count) => (this.counts.throttles += count),
      onRetry: (info) => {
        this.counts.retries++;
        telemetry.log.warn('kinesis retry', { source: file.sourceName, ...info });
      },
    });
  }

  onRecord({ recordIndex, raw, document }: { recordIndex: number; raw: Buffer; document: { id: string } }) {
    this.counts.records++;
    this.offering = { recordIndex, raw };
    try {
      return this.sender.offer({ recordIndex, data: raw, partitionKey: partitionKeyOf(document.id, raw) });
    } finally {
      this.offering = undefined;
    }
  }

  async finish() {
    const errors: string[] = [];
    try {
      await this.sender.close();
    } catch (error) {
      if (!(error instanceof KinesisFailure)) throw error;
      this.counts.undelivered += error.undelivered;
      errors.push(`${error.message}; ${error.undelivered} record(s) not delivered to Kinesis`);
    }
    if (this.deadLetters.length > 0) {
      try {
        await this.context.deadLetter.write(this.deadLetters);
        this.counts.deadLettered += this.deadLetters.length;
      } catch (error) {
        this.counts.undelivered += this.deadLetters.length;
        errors.push(`dead letter ${this.context.deadLetter.target} failed: ${messageOf(error)}`);
      }
    }
    const { records, put, deadLettered, undelivered } = this.counts;
    if (put + deadLettered + undelivered !== records) {
      // Should be impossible; if it ever happens the file must not pass as delivered.
      errors.push(`counts do not add up: ${records} records, ${put + deadLettered + undelivered} accounted`);
    }
    const { telemetry } = this.context;
    telemetry.metric('KinesisRecordsPut', this.counts.put);
    telemetry.metric('KinesisRecordsFailed', this.counts.undelivered);
    telemetry.metric('KinesisRecordsDeadLettered', this.counts.deadLettered);
    telemetry.metric('KinesisThrottles', this.counts.throttles);
    return { counts: { ...this.counts }, ...(errors.length > 0 ? { error: errors.join('; ') } : {}) };
  }

  private deadLetter(recordIndex: number, reason: string): void {
    const raw = this.offering?.recordIndex === recordIndex ? this.offering.raw : undefined;
    // No recordIndex on the entry: its id is then made from the reason (which names the record), so it
    // never replaces an OpenSearch dead letter of the same record.
    this.deadLetters.push({
      source: this.file.sourceName,
      reason: `Kinesis: ${reason}`,
      ...(raw ? { document: raw.toString('utf8', 0, Math.min(raw.length, DEAD_LETTER_TEXT_CHARS)) } : {}),
      failedAt: new Date().toISOString(),
    });
  }
}

/** The document id (eventID or content hash), unless it is longer than a partition key may be. */
export function partitionKeyOf(documentId: string, raw: Buffer): string {
  return documentId.length <= PARTITION_KEY_MAX_CHARS ? documentId : contentHashId(raw);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
