/**
 * One CloudTrail file, start to finish: bytes → records → documents → bulk sender → outcome.
 * This is the single path used by the Lambda, the CLI and the tests.
 *
 * Counting contract (checked at the end): read = indexed + duplicates + deadLettered + undelivered,
 * where `healed` is the part of `indexed` that needed the self-heal rewrite.
 */
import type { Readable } from 'node:stream';
import { actionLineRoom } from '../bulk/action.js';
import { BulkFailure, BulkSender } from '../bulk/sender.js';
import type { BulkTransport } from '../bulk/transport.js';
import type { DeadLetterEntry, DeadLetterSink } from '../deadletter/entry.js';
import type { ClusterHealth } from '../http/health.js';
import type { HttpCaller } from '../http/request.js';
import { DeadLetterWindows } from '../deadletter/windows.js';
import { DocumentError, DocumentMemory } from '../documents/builder.js';
import { HASH_ID_PREFIX } from '../documents/documentId.js';
import { healDocument } from '../documents/heal.js';
import { slabBytesFor, sourceText } from '../documents/memory.js';
import type { Telemetry } from '../observability/telemetry.js';
import { readRecordBatches } from '../records/index.js';
import type { BulkDocument, FileOutcome } from '../types.js';
import { FileExtensions, type FileExtension } from './extensions.js';

export interface PipelineSettings {
  indexPrefix: string;
  maxDecompressedBytes: number;
  maxRecordBytes: number;
  bulkMaxBytes: number;
  bulkMaxDocs: number;
  bulkConcurrency: number;
  requestTimeoutMs: number;
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
}

export interface PipelineDeps {
  transport: BulkTransport;
  deadLetter: DeadLetterSink;
  telemetry: Telemetry;
  /** Milliseconds left before the caller must stop (Lambda's remaining time; Infinity for the CLI). */
  remainingTimeMs: () => number;
  /** The run's shared state (src/http/health.ts): the sender stops once the run gives up on the cluster. */
  health?: ClusterHealth;
  /** Turns a 401/403 into advice naming the likely cause (IAM policy, access policy, role mapping). */
  describeAuth?: (status: 401 | 403, body: unknown) => string;
  /** Document memory reused from file to file (one per indexer, so per thread); else the file's own. */
  documentMemory?: DocumentMemory;
  /** Features that ride along each file (src/pipeline/extensions.ts). */
  extensions?: readonly FileExtension[];
  /** The file's requests to the cluster (budget and health applied), for extensions that write there. */
  http?: HttpCaller;
}

export interface FileJob {
  /** `s3://bucket/key` or a local path: used in every message about this file. */
  sourceName: string;
  bucket?: string;
  key: string;
  /** `YYYY-MM-DD` from the S3 key, used for records without a usable eventTime. */
  keyDate?: string;
  /**
   * When the object was written (S3 LastModified, a local file's modification time): bounds a
   * plausible eventTime and is the time of last resort (see TimeRules, docs/field-model.md).
   */
  objectTimeMs?: number;
  /** The S3 object's size, ETag and version (for extensions such as the ledger). */
  object?: { size?: number; etag?: string; versionId?: string };
  stream: Readable | AsyncIterable<Uint8Array>;
}

// Dead letters are written a window of records at a time, so a file full of bad records never piles up
// in memory, and a replay of the file writes the same chunks again (src/deadletter/windows.ts).
const DEAD_LETTER_WINDOW_RECORDS = 2000;

export async function indexFile(
  job: FileJob,
  settings: PipelineSettings,
  deps: PipelineDeps,
): Promise<FileOutcome> {
  const { telemetry } = deps;
  const outcome = emptyOutcome(job.key, job.bucket);
  const deadLetters = new DeadLetterWindows(DEAD_LETTER_WINDOW_RECORDS);
  let newestEventMs: number | undefined;
  const errors: string[] = [];

  const deadLetter = (
    recordIndex: number,
    entry: Omit<DeadLetterEntry, 'failedAt' | 'source' | 'recordIndex'>,
  ) => {
    deadLetters.settle(recordIndex, {
      source: job.sourceName,
      recordIndex,
      failedAt: new Date().toISOString(),
      ...entry,
    });
  };
  const writeDeadLetters = async (chunks: DeadLetterEntry[][]) => {
    for (const entries of chunks) {
      try {
        await deps.deadLetter.write(entries);
        outcome.deadLettered += entries.length;
      } catch (error) {
        // The dead letter is part of delivery: if it fails, these records are undelivered and the file is retried.
        outcome.undelivered += entries.length;
        errors.push(`dead letter ${deps.deadLetter.target} failed: ${messageOf(error)}`);
      }
    }
  };

  const extensions = new FileExtensions(
    deps.extensions ?? [],
    {
      sourceName: job.sourceName,
      bucket: job.bucket,
      key: job.key,
      keyDate: job.keyDate,
      objectTimeMs: job.objectTimeMs,
      ...job.object,
      indexPrefix: settings.indexPrefix,
    },
    {
      http: deps.http,
      budget: { requestTimeoutMs: settings.requestTimeoutMs, remainingTimeMs: deps.remainingTimeMs },
      health: deps.health,
      telemetry,
      deadLetter: deps.deadLetter,
    },
  );

  const sender = new BulkSender({
    transport: deps.transport,
    maxBytes: settings.bulkMaxBytes,
    maxDocs: settings.bulkMaxDocs,
    concurrency: settings.bulkConcurrency,
    requestTimeoutMs: settings.requestTimeoutMs,
    remainingTimeMs: deps.remainingTimeMs,
    health: deps.health,
    retry: settings.retry,
    heal: healDocument,
    // Sources are read below only while the outcome is handled (dead letters copy them), never later.
    releaseSources: true,
    onOutcome: (doc: BulkDocument, itemOutcome) => {
      if (extensions.observesOutcomes) extensions.outcome(doc, itemOutcome);
      switch (itemOutcome.kind) {
        case 'indexed':
          outcome.indexed++;
          deadLetters.settle(doc.recordIndex);
          break;
        case 'healed':
          outcome.indexed++;
          outcome.healed++;
          deadLetters.settle(doc.recordIndex);
          break;
        case 'duplicate':
          outcome.duplicates++;
          deadLetters.settle(doc.recordIndex);
          break;
        case 'dead-letter':
          deadLetter(doc.recordIndex, {
            reason: itemOutcome.reason,
            index: doc.index,
            id: doc.id,
            document: sourceText(doc),
          });
          break;
      }
    },
    onRetry: (info) => {
      telemetry.metric('BulkRetries', 1);
      telemetry.log.warn('bulk retry', { source: job.sourceName, ...info });
    },
  });

  // This file's documents are built back to back in their own arena, apart from other files' in flight,
  // with room in front of each for its bulk action line (framed in place), each request's documents in
  // one slab (sent without a copy): the file holds at most BULK_CONCURRENCY + 2 slabs, whatever its size.
  const memory = deps.documentMemory ?? new DocumentMemory();
  const builder = memory.open(
    {
      indexPrefix: settings.indexPrefix,
      sourceName: job.sourceName,
      keyDate: job.keyDate,
      objectTimeMs: job.objectTimeMs,
    },
    {
      slabBytes: slabBytesFor(settings.bulkMaxBytes),
      spareBefore: actionLineRoom(settings.indexPrefix),
      batch: { maxBytes: settings.bulkMaxBytes, maxDocs: settings.bulkMaxDocs },
    },
  );
  try {
    const batches = readRecordBatches(job.stream, {
      maxDecompressedBytes: settings.maxDecompressedBytes,
      maxRecordBytes: settings.maxRecordBytes,
      sourceName: job.sourceName,
      onDecoded: extensions.observesBytes ? (chunk) => extensions.decoded(chunk) : undefined,
    });
    // The records of one decoded chunk at a time, in a plain loop: no await per record unless the
    // sender has to wait for a free request slot.
    for await (const batch of batches) {
      for (const record of batch) {
        outcome.read++;
        deadLetters.read(record.index);
        if (record.tooLarge) {
          deadLetter(record.index, {
            reason: `record ${record.index} is larger than MAX_RECORD_BYTES (${settings.maxRecordBytes} bytes)`,
          });
        } else if (record.notObject) {
          deadLetter(record.index, {
            reason: `record ${record.index} is not a JSON object`,
            document: recordText(record.bytes),
          });
        } else {
          const document = buildOrDeadLetter(record.bytes, record.index);
          if (document) {
            if (document.eventTimeMs === undefined) outcome.inferredTime++;
            if (document.id.startsWith(HASH_ID_PREFIX)) outcome.inferredId++;
            if (
              document.eventTimeMs !== undefined &&
              (newestEventMs === undefined || document.eventTimeMs > newestEventMs)
            ) {
              newestEventMs = document.eventTimeMs;
            }
            if (extensions.observesRecords) {
              const observing = extensions.record({
                recordIndex: record.index,
                raw: record.bytes,
                document,
                fields: builder.fields,
              });
              if (observing) await observing;
            }
            const waiting = sender.offer(document);
            if (waiting) await waiting;
          }
        }
        if (deadLetters.hasReady) await writeDeadLetters(deadLetters.takeReady());
      }
    }
  } catch (error) {
    // A malformed file or a broken stream: records before the fault are still delivered below.
    if (!(error instanceof BulkFailure)) errors.push(messageOf(error));
  }

  try {
    await sender.close();
  } catch (error) {
    if (error instanceof BulkFailure) {
      outcome.undelivered += error.undelivered;
      errors.push(describeFailure(error, deps));
    } else {
      throw error;
    }
  } finally {
    memory.close(builder);
  }
  await writeDeadLetters(deadLetters.takeAll());

  if (errors.length > 0) outcome.error = errors.join('; ');
  // Extensions see the file's final counts and error, and may fail it (never change its counts).
  const extensionErrors = await extensions.finish(outcome);
  if (extensionErrors.length > 0)
    outcome.error = [outcome.error, ...extensionErrors].filter(Boolean).join('; ');
  outcome.fallbacks = builder.fallbacks;
  reportFile(outcome, newestEventMs, job, telemetry, builder.fallbackReasons);
  return outcome;

  /**
   * The record's document, or undefined when it went to the dead letter: one record never stops its
   * file. A DocumentError is the record's fault (not JSON, no usable time); anything else is a bug in
   * the builder, which is logged as one and still dead-letters only this record, with the error.
   */
  function buildOrDeadLetter(bytes: Buffer, recordIndex: number): BulkDocument | undefined {
    try {
      return builder.build(bytes, recordIndex);
    } catch (error) {
      let reason: string;
      if (error instanceof DocumentError) reason = error.message;
      else {
        reason = `${job.sourceName} record ${recordIndex}: the document builder failed: ${describeError(error)}`;
        telemetry.log.error('document builder failed', {
          source: job.sourceName,
          recordIndex,
          error: reason,
        });
      }
      deadLetter(recordIndex, { reason, document: recordText(bytes) });
      return undefined;
    }
  }
}

/** A record's text for its dead letter (the first 64 KiB: enough to read it, bounded in size). */
function recordText(bytes: Buffer): string {
  return bytes.toString('utf8', 0, Math.min(bytes.length, 65536));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function reportFile(
  outcome: FileOutcome,
  newestEventMs: number | undefined,
  job: FileJob,
  telemetry: Telemetry,
  fallbackReasons: ReadonlyMap<string, number>,
) {
  const accounted = outcome.indexed + outcome.duplicates + outcome.deadLettered + outcome.undelivered;
  if (accounted !== outcome.read) {
    // Should be impossible; if it ever happens the operator must hear about it.
    outcome.error = `${outcome.error ? outcome.error + '; ' : ''}counts do not add up: read ${outcome.read}, accounted ${accounted}`;
  }
  telemetry.metric('RecordsRead', outcome.read);
  telemetry.metric('RecordsIndexed', outcome.indexed);
  telemetry.metric('RecordsDuplicate', outcome.duplicates);
  telemetry.metric('RecordsHealed', outcome.healed);
  telemetry.metric('RecordsDeadLettered', outcome.deadLettered);
  telemetry.metric('RecordsUndelivered', outcome.undelivered);
  telemetry.metric(outcome.error ? 'FilesFailed' : 'FilesIndexed', 1);
  if (newestEventMs !== undefined)
    telemetry.metric('IndexingLagSeconds', Math.max(0, (Date.now() - newestEventMs) / 1000), 'Seconds');
  const summary = {
    source: job.sourceName,
    ...outcome,
    bucket: undefined,
    key: undefined,
    fallbackReasons: fallbackReasons.size > 0 ? Object.fromEntries(fallbackReasons) : undefined,
  };
  if (outcome.error) telemetry.log.error('file failed', summary);
  else telemetry.log.info('file indexed', summary);
}

/** A BulkFailure as the operator should read it: an auth refusal becomes advice on what to fix. */
function describeFailure(error: BulkFailure, deps: PipelineDeps): string {
  if (error.kind !== 'auth' || !deps.describeAuth) return error.message;
  const status = error.status === 401 ? 401 : 403;
  return `bulk indexing failed (auth): ${deps.describeAuth(status, error.body)}; ${error.undelivered} document(s) undelivered`;
}

/** A file's counts before anything is read. */
export function emptyOutcome(
  key: string,
  bucket?: string,
): FileOutcome & { inferredTime: number; inferredId: number } {
  return {
    bucket,
    key,
    read: 0,
    indexed: 0,
    duplicates: 0,
    healed: 0,
    deadLettered: 0,
    undelivered: 0,
    inferredTime: 0,
    inferredId: 0,
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
