/**
 * One CloudTrail file, start to finish: bytes → records → documents → bulk sender → outcome.
 * This is the single path used by the Lambda, the CLI and the tests.
 *
 * Counting contract (checked at the end): read = indexed + duplicates + deadLettered + undelivered,
 * where `healed` is the part of `indexed` that needed the self-heal rewrite.
 */
import type { Readable } from 'node:stream';
import { BulkFailure, BulkSender } from '../bulk/sender.js';
import type { BulkTransport } from '../bulk/transport.js';
import type { DeadLetterEntry, DeadLetterSink } from '../deadletter/entry.js';
import type { ClusterHealth } from '../http/health.js';
import { DeadLetterWindows } from '../deadletter/windows.js';
import { buildDocument, DocumentError } from '../documents/builder.js';
import { HASH_ID_PREFIX } from '../documents/documentId.js';
import { SourceArena, useArena } from '../documents/encoded.js';
import { healDocument } from '../documents/heal.js';
import type { Telemetry } from '../observability/telemetry.js';
import { readRecordBatches } from '../records/index.js';
import type { BulkDocument, FileOutcome } from '../types.js';

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
}

export interface FileJob {
  /** `s3://bucket/key` or a local path: used in every message about this file. */
  sourceName: string;
  bucket?: string;
  key: string;
  /** `YYYY-MM-DD` from the S3 key, used for records without a usable eventTime. */
  keyDate?: string;
  stream: Readable | AsyncIterable<Uint8Array>;
}

// Dead letters are written a window of records at a time, so a file full of bad records never piles up
// in memory, and a replay of the file writes the same chunks again (src/deadletter/windows.ts).
const DEAD_LETTER_WINDOW_RECORDS = 2000;

/**
 * Slab size of a file's document arena: twice a request, so most requests (consecutive documents of the
 * file) lie within one slab and are sent from it without a copy (see src/documents/encoded.ts).
 */
function arenaSlabBytes(bulkMaxBytes: number): number {
  return Math.min(64 << 20, Math.max(1 << 20, 2 * bulkMaxBytes));
}

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
            document: doc.source,
          });
          break;
      }
    },
    onRetry: (info) => {
      telemetry.metric('BulkRetries', 1);
      telemetry.log.warn('bulk retry', { source: job.sourceName, ...info });
    },
  });

  const context = { indexPrefix: settings.indexPrefix, sourceName: job.sourceName, keyDate: job.keyDate };
  // This file's documents are built back to back in their own arena, apart from other files' in flight.
  const arena = new SourceArena(arenaSlabBytes(settings.bulkMaxBytes));
  try {
    const batches = readRecordBatches(job.stream, {
      maxDecompressedBytes: settings.maxDecompressedBytes,
      maxRecordBytes: settings.maxRecordBytes,
      sourceName: job.sourceName,
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
            document: record.bytes.toString('utf8', 0, Math.min(record.bytes.length, 65536)),
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
    arena.close();
  }
  await writeDeadLetters(deadLetters.takeAll());

  if (errors.length > 0) outcome.error = errors.join('; ');
  reportFile(outcome, newestEventMs, job, telemetry);
  return outcome;

  function buildOrDeadLetter(bytes: Buffer, recordIndex: number): BulkDocument | undefined {
    try {
      // Set for each record: other files' records are built while this one awaits.
      useArena(arena);
      return buildDocument(bytes, recordIndex, context);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      deadLetter(recordIndex, {
        reason: error.message,
        document: bytes.toString('utf8', 0, Math.min(bytes.length, 65536)),
      });
      return undefined;
    }
  }
}

function reportFile(
  outcome: FileOutcome,
  newestEventMs: number | undefined,
  job: FileJob,
  telemetry: Telemetry,
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
  const summary = { source: job.sourceName, ...outcome, bucket: undefined, key: undefined };
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
