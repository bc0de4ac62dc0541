/**
 * The ledger: one document per S3 object the indexer processed (a log file or a digest file), in the
 * index `<INDEX_PREFIX>ledger`, so an audit can prove that every file CloudTrail delivered is searchable.
 * The document id is derived from bucket and key, so a replay of a file updates its one entry.
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import { RetryingCaller, type CallSettings } from '../http/calls.js';
import type { Client } from '@opensearch-project/opensearch';
import { clientHttp, requestName, type HttpCaller, type HttpRequest } from '../http/request.js';
import { DEFAULT_RETRY } from '../http/retry.js';

export type LedgerStatus = 'complete' | 'partial' | 'failed';

/** What every ledger entry holds, whatever the object is. */
interface EntryBase {
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** Hex SHA-256 of the object's uncompressed bytes (what CloudTrail's digests list). */
  sha256?: string;
  /** How many times the object was processed (a replay adds one). */
  attempts: number;
  firstProcessed: string;
  lastProcessed: string;
}

export interface LogFileEntry extends EntryBase {
  kind: 'log';
  status: LedgerStatus;
  read: number;
  indexed: number;
  duplicates: number;
  deadLettered: number;
  undelivered: number;
  oldestEventTime?: string;
  newestEventTime?: string;
  /** The daily indices this file's records went to. */
  indices: string[];
  error?: string;
}

export interface DigestEntry extends EntryBase {
  kind: 'digest';
  status: LedgerStatus;
  account: string;
  region: string;
  trail: string;
  /** A late digest (`_backfill`) listing files an earlier digest missed. */
  backfill: boolean;
  /** The digest's own fields, as CloudTrail wrote them (see src/digest/digest.ts). */
  digest: Record<string, unknown>;
  logFileCount: number;
  /** Hex signature and algorithm from the object's S3 metadata. */
  signature?: string;
  signatureAlgorithm?: string;
  error?: string;
}

export type LedgerEntry = LogFileEntry | DigestEntry;

/** Fields an audit searches or sorts on; everything else is kept in `_source` only. */
export const LEDGER_MAPPINGS = {
  dynamic: false,
  properties: {
    kind: { type: 'keyword' },
    bucket: { type: 'keyword' },
    key: { type: 'keyword', ignore_above: 2048 },
    size: { type: 'long' },
    etag: { type: 'keyword' },
    versionId: { type: 'keyword' },
    sha256: { type: 'keyword' },
    status: { type: 'keyword' },
    attempts: { type: 'integer' },
    firstProcessed: { type: 'date' },
    lastProcessed: { type: 'date' },
    read: { type: 'long' },
    indexed: { type: 'long' },
    duplicates: { type: 'long' },
    deadLettered: { type: 'long' },
    undelivered: { type: 'long' },
    oldestEventTime: { type: 'date' },
    newestEventTime: { type: 'date' },
    indices: { type: 'keyword' },
    account: { type: 'keyword' },
    region: { type: 'keyword' },
    trail: { type: 'keyword' },
    backfill: { type: 'boolean' },
    logFileCount: { type: 'integer' },
    // The digest as CloudTrail wrote it (a digest may list hundreds of files): stored, not indexed.
    digest: { type: 'object', enabled: false },
    error: { type: 'text' },
  },
};

export function ledgerIndex(indexPrefix: string): string {
  return `${indexPrefix}ledger`;
}

/** The entry's document id: the same for the same object, whatever wrote it. */
export function ledgerId(bucket: string, key: string): string {
  return createHash('sha256').update(`${bucket}\u0000${key}`).digest('hex');
}

/** Ledger entries read and written over the product's HTTP layer, retried like every other call. */
export class LedgerStore {
  private readonly calls: RetryingCaller;
  private created: Promise<void> | undefined;
  private readonly createdIndices: Set<string> | undefined;

  /**
   * `createdIndices`: ledger indices already created, shared by the stores of one process's files, so
   * that each file does not ask the cluster to create the index again.
   */
  constructor(
    readonly index: string,
    http: HttpCaller,
    settings: CallSettings & { createdIndices?: Set<string> },
  ) {
    this.calls = new RetryingCaller(http, settings);
    this.createdIndices = settings.createdIndices;
  }

  /**
   * Writes the entry of an object processed again or for the first time: attempts and first processed
   * time carry on from the entry already there, so a replay leaves one entry that counts it.
   *
   * The common case, an object seen for the first time, costs one request: the entry is created
   * (`_create`, which fails with 409 when it exists). Only a replay reads the entry and replaces it, on
   * the condition that nobody wrote it in between (`if_seq_no`/`if_primary_term`); when somebody did (two
   * invocations processing the same object at once) it reads again and retries, so each processing is
   * counted once, where an unconditional read-then-write would lose one of two concurrent updates.
   */
  async record<T extends LedgerEntry>(
    entry: Omit<T, 'attempts' | 'firstProcessed' | 'lastProcessed'>,
    processedAt: Date,
  ): Promise<T> {
    await this.ensureIndex();
    const id = ledgerId(entry.bucket, entry.key);
    const now = processedAt.toISOString();
    const firstEntry = { ...entry, attempts: 1, firstProcessed: now, lastProcessed: now } as T;
    let written = await this.create(id, firstEntry);
    for (let conflicts = 1; written === undefined; conflicts++) {
      if (conflicts > MAX_WRITE_CONFLICTS) {
        throw new Error(
          `the ledger entry ${id} kept changing while being updated (${conflicts - 1} conflicts)`,
        );
      }
      const current = await this.versioned(id);
      // Gone since the create failed (deleted by hand): this processing is the first again.
      written =
        current === undefined
          ? await this.create(id, firstEntry)
          : await this.replace(id, current, { ...entry, ...carriedOn(current.entry, now) } as T);
    }
    return written;
  }

  /** The entries of many objects at once (found ones only), keyed by ledger id. */
  async lookup(objects: readonly { bucket: string; key: string }[]): Promise<Map<string, LedgerEntry>> {
    const found = new Map<string, LedgerEntry>();
    const ids = [...new Set(objects.map((o) => ledgerId(o.bucket, o.key)))];
    for (let start = 0; start < ids.length; start += LOOKUP_BATCH) {
      const batch = ids.slice(start, start + LOOKUP_BATCH);
      const request: HttpRequest = {
        method: 'POST',
        path: `/${encodeURIComponent(this.index)}/_search`,
        querystring: { ignore_unavailable: true },
        body: { size: batch.length, query: { terms: { _id: batch } } },
      };
      const response = await this.calls.call(request);
      const hits = (response.body as { hits?: { hits?: { _id: string; _source: LedgerEntry }[] } }).hits;
      for (const hit of hits?.hits ?? []) found.set(hit._id, hit._source);
    }
    return found;
  }

  /** Makes entries written so far visible to `lookup` (searches see only refreshed documents). */
  async refresh(): Promise<void> {
    const request: HttpRequest = {
      method: 'POST',
      path: `/${encodeURIComponent(this.index)}/_refresh`,
      querystring: { ignore_unavailable: true },
    };
    await this.calls.call(request);
  }

  /** The entry written as the object's first, or undefined when the object already has one. */
  private async create<T extends LedgerEntry>(id: string, entry: T): Promise<T | undefined> {
    const request: HttpRequest = {
      method: 'PUT',
      path: `/${encodeURIComponent(this.index)}/_create/${id}`,
      body: entry,
    };
    const response = await this.calls.call(request, [409]);
    return response.statusCode === 409 ? conflictOrThrow(response.body, request) : entry;
  }

  /** The entry replacing `current`, or undefined when `current` is no longer the entry stored. */
  private async replace<T extends LedgerEntry>(
    id: string,
    current: VersionedEntry,
    entry: T,
  ): Promise<T | undefined> {
    const request: HttpRequest = {
      method: 'PUT',
      path: this.docPath(id),
      querystring: { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm },
      body: entry,
    };
    const response = await this.calls.call(request, [409]);
    return response.statusCode === 409 ? conflictOrThrow(response.body, request) : entry;
  }

  /** The stored entry with the sequence number and primary term a conditional write names. */
  private async versioned(id: string): Promise<VersionedEntry | undefined> {
    const request: HttpRequest = { method: 'GET', path: this.docPath(id) };
    const response = await this.calls.call(request, [404]);
    const body = response.body as
      { found?: boolean; _source?: LedgerEntry; _seq_no?: number; _primary_term?: number } | undefined;
    if (response.statusCode === 404 || !body?.found || body._source === undefined) return undefined;
    if (typeof body._seq_no !== 'number' || typeof body._primary_term !== 'number') {
      throw new HttpError(
        response.statusCode,
        body,
        `reading the ledger entry ${id}: no _seq_no/_primary_term`,
      );
    }
    return { entry: body._source, seqNo: body._seq_no, primaryTerm: body._primary_term };
  }

  private docPath(id: string): string {
    return `/${encodeURIComponent(this.index)}/_doc/${id}`;
  }

  private ensureIndex(): Promise<void> {
    if (this.createdIndices?.has(this.index)) return Promise.resolve();
    this.created ??= this.createIndex()
      .then(() => void this.createdIndices?.add(this.index))
      .catch((error: unknown) => {
        this.created = undefined;
        throw error;
      });
    return this.created;
  }

  private async createIndex(): Promise<void> {
    const request: HttpRequest = {
      method: 'PUT',
      path: `/${encodeURIComponent(this.index)}`,
      body: { mappings: LEDGER_MAPPINGS },
    };
    const response = await this.calls.call(request, [400]);
    const error = (response.body as { error?: { type?: string } } | undefined)?.error;
    if (response.statusCode === 400 && error?.type !== 'resource_already_exists_exception') {
      throw new HttpError(400, response.body, `creating the ledger index ${this.index}`);
    }
  }
}

/** A stored entry and the version a conditional write of it names. */
interface VersionedEntry {
  entry: LedgerEntry;
  seqNo: number;
  primaryTerm: number;
}

/**
 * Conditional writes lost in a row before the store gives up (the file then fails and is retried):
 * each loss means another invocation wrote the same entry in between, which a handful of concurrent
 * deliveries of one object cannot do this many times.
 */
const MAX_WRITE_CONFLICTS = 10;

/** What a replay keeps of the entry before it: one more attempt, the first time, the latest time. */
function carriedOn(
  previous: LedgerEntry,
  now: string,
): Pick<LedgerEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'> {
  return {
    attempts: (previous.attempts ?? 0) + 1,
    firstProcessed: previous.firstProcessed ?? now,
    // ISO times of one format compare as strings; a concurrent writer's clock may be ahead of ours.
    lastProcessed:
      previous.lastProcessed !== undefined && previous.lastProcessed > now ? previous.lastProcessed : now,
  };
}

/** A 409 of a write to the ledger is a version conflict (undefined: try again); anything else is an error. */
function conflictOrThrow(body: unknown, request: HttpRequest): undefined {
  const type = (body as { error?: { type?: string } } | undefined)?.error?.type;
  if (type === 'version_conflict_engine_exception') return undefined;
  throw new HttpError(409, body, requestName(request));
}

/** Ids per ledger search: well under the default result window and a terms query's limits. */
const LOOKUP_BATCH = 1000;

/** A file's status from its counts: failed files are retried, partial ones have dead letters. */
export function statusOf(counts: {
  error?: string;
  undelivered: number;
  deadLettered: number;
}): LedgerStatus {
  if (counts.error !== undefined || counts.undelivered > 0) return 'failed';
  return counts.deadLettered > 0 ? 'partial' : 'complete';
}

/** The keys of `refs` whose entry is complete for the same object (same ETag): nothing left to index. */
export async function completeObjects(
  store: LedgerStore,
  refs: readonly { bucket: string; key: string; etag?: string }[],
): Promise<Set<string>> {
  const entries = await store.lookup(refs);
  const done = new Set<string>();
  for (const ref of refs) {
    const entry = entries.get(ledgerId(ref.bucket, ref.key));
    if (
      entry?.kind === 'log' &&
      entry.status === 'complete' &&
      ref.etag !== undefined &&
      entry.etag === ref.etag
    )
      done.add(ref.key);
  }
  return done;
}

/** The ledger of a command-line run: no deadline but each request's, the one retry policy. */
export function cliLedger(client: Client, indexPrefix: string, requestTimeoutMs: number): LedgerStore {
  return new LedgerStore(ledgerIndex(indexPrefix), clientHttp(client, { timeoutMs: requestTimeoutMs }), {
    policy: DEFAULT_RETRY,
    budget: { requestTimeoutMs, remainingTimeMs: () => Infinity },
  });
}
