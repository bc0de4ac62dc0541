/**
 * Re-drive: after the cause of dead letters is fixed (a mapping, a template, a cluster limit), send every
 * stored entry again through the same BulkSender the pipeline uses. Each entry goes to the index and id
 * it was meant for with `create`, so an entry whose document is already there (409) counts as done.
 * Entries that hold a raw record (no document was built) are rebuilt with the document builder.
 * Entries are removed from the dead letter only on request (`deleteAfter`) and only once they are in.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import type { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BulkFailure, BulkSender } from '../bulk/sender.js';
import { bulkTransport, supportsFilterPath } from '../bulk/transport.js';
import { buildDocument, DocumentError } from '../documents/builder.js';
import { readAtMost } from '../http/awsAnswer.js';
import { RetryingCaller } from '../http/calls.js';
import { NetworkError } from '../http/errors.js';
import { clientHttp } from '../http/request.js';
import type { RetryPolicy, TimeBudget } from '../http/retry.js';
import { healDocument } from '../documents/heal.js';
import { documentFromText } from '../documents/memory.js';
import { keyDate } from '../trigger/keyDate.js';
import type { BulkDocument } from '../types.js';
import type { DeadLetterEntry } from './entry.js';
import { parseDeadLetterLines } from './s3Sink.js';

export type RedriveFrom = { kind: 'index'; index: string } | { kind: 's3'; bucket: string; prefix: string };

/** The indexer's sender settings (the CLI passes the pipeline's defaults and its own flags). */
export interface RedriveSenderSettings {
  bulkMaxBytes: number;
  bulkMaxDocs: number;
  bulkConcurrency: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
}

export interface RedriveOptions {
  client: Client;
  s3?: S3Client;
  from: RedriveFrom;
  /** For raw-record entries: the prefix of the daily index the rebuilt document goes to. */
  indexPrefix: string;
  deleteAfter: boolean;
  settings: RedriveSenderSettings;
}

export interface RedriveResult {
  entries: number;
  /** Created now. */
  indexed: number;
  /** Already in the index (409): nothing to do. */
  duplicates: number;
  /** Rejected again by the cluster, or the record still cannot become a document. */
  stillFailing: number;
  /** Not sent: a transient failure stopped the sender (run again). */
  undelivered: number;
  /** Entries with nothing to re-send (e.g. a record over MAX_RECORD_BYTES is not stored). */
  notRedrivable: number;
  deleted: number;
  /** One line per entry that is still failing (capped), and the sender's failure if any. */
  problems: string[];
}

/** A stored entry and where it lives, so it can be removed once re-driven. */
interface Stored {
  entry: DeadLetterEntry;
  /** Index source: the dead-letter document's _id. S3 source: the object key. */
  location: string;
}

const PAGE = 500;
const MAX_PROBLEMS = 50;
// OpenSearch's default index.max_result_window: paging by from/size cannot go past it.
const RESULT_WINDOW = 10_000;
/**
 * Bound on one page of dead letters read back (each holds a document of up to MAX_RECORD_BYTES). A page
 * over it is read again in halves.
 */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
/** Bound on one dead-letter object read back from S3, compressed and inflated. */
const MAX_OBJECT_BYTES = 256 * 1024 * 1024;

export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const result: RedriveResult = {
    entries: 0,
    indexed: 0,
    duplicates: 0,
    stillFailing: 0,
    undelivered: 0,
    notRedrivable: 0,
    deleted: 0,
    problems: [],
  };
  const { settings } = options;
  const budget: TimeBudget = { requestTimeoutMs: settings.requestTimeoutMs, remainingTimeMs: () => Infinity };
  const http = clientHttp(options.client, { timeoutMs: settings.requestTimeoutMs });
  const calls = new RetryingCaller(http, { policy: settings.retry, budget });
  const stored =
    options.from.kind === 'index'
      ? await readIndex(calls, options.from.index)
      : await readS3(requireS3(options), options.from);
  result.entries = stored.length;

  const done = new Set<Stored>();
  const byDocument = new Map<BulkDocument, Stored>();
  const problem = (text: string) => {
    if (result.problems.length < MAX_PROBLEMS) result.problems.push(text);
  };
  const sender = new BulkSender({
    transport: bulkTransport(http, { filterPath: supportsFilterPath(options.client) }),
    maxBytes: settings.bulkMaxBytes,
    maxDocs: settings.bulkMaxDocs,
    concurrency: settings.bulkConcurrency,
    requestTimeoutMs: settings.requestTimeoutMs,
    remainingTimeMs: budget.remainingTimeMs,
    retry: settings.retry,
    heal: healDocument,
    onOutcome: (doc, outcome) => {
      const item = byDocument.get(doc)!;
      if (outcome.kind === 'dead-letter') {
        result.stillFailing++;
        problem(`${describe(item.entry)}: ${outcome.reason}`);
        return;
      }
      if (outcome.kind === 'duplicate') result.duplicates++;
      else result.indexed++;
      done.add(item);
    },
  });

  let failure: BulkFailure | undefined;
  for (const item of stored) {
    const doc = documentOf(item.entry, options.indexPrefix);
    if (typeof doc === 'string') {
      if (item.entry.document === undefined) result.notRedrivable++;
      else result.stillFailing++;
      problem(`${describe(item.entry)}: ${doc}`);
      continue;
    }
    byDocument.set(doc, item);
    try {
      await sender.add(doc);
    } catch (error) {
      if (!(error instanceof BulkFailure)) throw error;
      break; // close() below reports the final undelivered count
    }
  }
  try {
    await sender.close();
  } catch (error) {
    if (!(error instanceof BulkFailure)) throw error;
    failure = error;
  }
  // Undelivered: every entry that was sent (or was going to be) without an outcome.
  result.undelivered =
    result.entries - result.indexed - result.duplicates - result.stillFailing - result.notRedrivable;
  if (failure) result.problems.push(failure.message);

  if (options.deleteAfter && done.size > 0) {
    result.deleted =
      options.from.kind === 'index'
        ? await deleteFromIndex(calls, options.from.index, [...done])
        : await deleteFromS3(requireS3(options), options.from.bucket, stored, done);
  }
  return result;
}

/** The bulk document to send again, or why there is none. */
function documentOf(entry: DeadLetterEntry, indexPrefix: string): BulkDocument | string {
  const recordIndex = entry.recordIndex ?? 0;
  if (entry.document === undefined) return 'no record stored in the dead letter: re-index the source file';
  if (entry.index && entry.id) {
    return documentFromText({ index: entry.index, id: entry.id, recordIndex }, entry.document);
  }
  try {
    return buildDocument(Buffer.from(entry.document, 'utf8'), recordIndex, {
      indexPrefix,
      sourceName: entry.source,
      keyDate: keyDate(entry.source),
      // The file's own time is not stored; when the entry was written is a fixed fact about it too.
      objectTimeMs: Date.parse(entry.failedAt),
    });
  } catch (error) {
    if (error instanceof DocumentError) return `still not a document: ${error.message}`;
    throw error;
  }
}

function describe(entry: DeadLetterEntry): string {
  return `${entry.source}${entry.recordIndex === undefined ? '' : ` record ${entry.recordIndex}`}`;
}

function requireS3(options: RedriveOptions): S3Client {
  if (!options.s3) throw new Error('re-driving from s3:// needs an S3 client');
  return options.s3;
}

async function readIndex(calls: RetryingCaller, index: string): Promise<Stored[]> {
  const stored: Stored[] = [];
  const path = `/${encodeURIComponent(index)}`;
  // Entries written in the last second are not searchable until a refresh.
  await calls.call({ method: 'POST', path: `${path}/_refresh` }, [404]);
  let page = PAGE;
  for (let from = 0; ;) {
    if (from >= RESULT_WINDOW) {
      throw new Error(
        `index:${index} holds more than ${RESULT_WINDOW} dead letters: re-drive with --delete-after and run again until it is empty`,
      );
    }
    const size = Math.min(page, RESULT_WINDOW - from);
    let response;
    try {
      response = await calls.call(
        {
          method: 'POST',
          path: `${path}/_search`,
          body: {
            from,
            size,
            sort: [{ failedAt: 'asc' }, { source: 'asc' }, { recordIndex: 'asc' }],
            query: { match_all: {} },
          },
        },
        [404],
        MAX_PAGE_BYTES,
      );
    } catch (error) {
      // Large documents: read the same entries in smaller pages, down to one entry at a time.
      if (!(error instanceof NetworkError && error.code === 'ERESPONSETOOLARGE') || page === 1) throw error;
      page = Math.max(1, Math.floor(page / 2));
      continue;
    }
    if (response.statusCode === 404) return stored;
    const hits =
      (response.body as { hits?: { hits?: { _id: string; _source: DeadLetterEntry }[] } }).hits?.hits ?? [];
    for (const hit of hits) stored.push({ entry: hit._source, location: hit._id });
    if (hits.length < size) return stored;
    from += hits.length;
  }
}

async function readS3(s3: S3Client, from: { bucket: string; prefix: string }): Promise<Stored[]> {
  const stored: Stored[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: from.bucket, Prefix: from.prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('.jsonl.gz')) continue;
      const where = `s3://${from.bucket}/${object.Key}`;
      if ((object.Size ?? 0) > MAX_OBJECT_BYTES) {
        throw new Error(`${where}: ${object.Size} bytes, over ${MAX_OBJECT_BYTES}`);
      }
      const response = await s3.send(new GetObjectCommand({ Bucket: from.bucket, Key: object.Key }));
      // The listed size may be stale (the object rewritten since): the read itself is bounded too.
      const bytes = await readAtMost(response.Body as Readable, MAX_OBJECT_BYTES, where);
      const text = gunzipSync(bytes, { maxOutputLength: MAX_OBJECT_BYTES }).toString('utf8');
      for (const entry of parseDeadLetterLines(text)) {
        stored.push({ entry, location: object.Key });
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return stored;
}

async function deleteFromIndex(calls: RetryingCaller, index: string, done: Stored[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < done.length; start += PAGE) {
    const lines = done
      .slice(start, start + PAGE)
      .map((item) => JSON.stringify({ delete: { _index: index, _id: item.location } }));
    const response = await calls.call({ method: 'POST', path: '/_bulk', ndjson: lines.join('\n') + '\n' });
    const items = (response.body as { items?: { delete?: { status?: number } }[] }).items ?? [];
    deleted += items.filter((item) => (item.delete?.status ?? 500) < 300).length;
  }
  return deleted;
}

/** Removes objects whose entries are all in; rewrites an object that still holds failing entries. */
async function deleteFromS3(
  s3: S3Client,
  bucket: string,
  stored: Stored[],
  done: Set<Stored>,
): Promise<number> {
  const byKey = new Map<string, Stored[]>();
  for (const item of stored) byKey.set(item.location, [...(byKey.get(item.location) ?? []), item]);
  let deleted = 0;
  for (const [key, items] of byKey) {
    const left = items.filter((item) => !done.has(item));
    if (left.length === items.length) continue;
    if (left.length === 0) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } else {
      const body = gzipSync(left.map((item) => JSON.stringify(item.entry)).join('\n') + '\n');
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
      );
    }
    deleted += items.length - left.length;
  }
  return deleted;
}
