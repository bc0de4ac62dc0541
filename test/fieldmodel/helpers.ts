/**
 * Shared plumbing for the field-model acceptance tests: a dev server over HTTP, the real
 * pipeline (`Indexer` + the CLI's file walker), and small readers for what the cluster then holds.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Client } from '@opensearch-project/opensearch';
import { indexTargets, type IndexTotals } from '../../src/cli/indexRun.js';
import { startDevServer, type DevServer, type Flavor } from '../../devserver/index.js';
import { cliTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../../src/pipeline/indexer.js';
import { HIT_DOC_VALUE_FIELDS } from '../../src/template/mappings.js';
import { countMappedFields } from '../../src/template/template.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';

export const PREFIX = 'cloudtrail-';
export const DEAD_LETTER_INDEX = `${PREFIX}deadletter`;

export interface Harness {
  server: DevServer;
  client: Client;
  /** A fresh pipeline (new template check, new telemetry counters) on this server. */
  indexer(): { indexer: Indexer; counters: Map<string, number> };
  /** Indexes files or directories through the CLI's walker and the real `Indexer`. */
  index(...targets: string[]): Promise<IndexTotals & { counters: Map<string, number> }>;
  close(): Promise<void>;
}

export async function startHarness(flavor?: Flavor): Promise<Harness> {
  const server = await startDevServer({ port: 0, flavor });
  const client = createClient({ endpoint: server.url });
  const make = () => {
    const telemetry = cliTelemetry('ERROR');
    const indexer = new Indexer(client, { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: PREFIX }, telemetry);
    return { indexer, counters: telemetry.counters as Map<string, number> };
  };
  return {
    server,
    client,
    indexer: make,
    async index(...targets) {
      const { indexer, counters } = make();
      const totals = await indexTargets(indexer, targets, undefined);
      return { ...totals, counters };
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/** What a suite's hooks set up: a harness, a scratch directory, and an S3-compatible server when asked. */
export interface Suite {
  h: Harness;
  work: string;
  s3: TestS3;
}

/**
 * Registers the suite's before/after hooks (call it inside `describe`): a fresh dev server harness, a
 * scratch directory (`work`), and with `withS3` an s3rver. The returned object is filled in by `before`.
 */
export function useSuite(name: string, options: { withS3?: boolean } = {}): Suite {
  const suite = {} as Suite;
  before(async () => {
    suite.h = await startHarness();
    suite.work = await mkdtemp(join(tmpdir(), `ct-${name}-`));
    if (options.withS3) suite.s3 = await startS3();
  });
  after(async () => {
    await suite.h?.close();
    await suite.s3?.close();
    if (suite.work) await rm(suite.work, { recursive: true, force: true });
  });
  return suite;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A plain HTTP request (no client library in between), JSON in and out. */
export async function http(server: DevServer, method: string, path: string, body?: unknown): Promise<Answer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = {
      'content-type': path.includes('_bulk') ? 'application/x-ndjson' : 'application/json',
    };
  }
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** `GET /<index>/_mapping` → that index's `mappings`. */
export async function mappingOf(server: DevServer, index: string): Promise<Record<string, unknown>> {
  const answer = await http(server, 'GET', `/${index}/_mapping`);
  if (answer.status !== 200) throw new Error(`GET /${index}/_mapping: ${answer.status}`);
  return (answer.body as Record<string, { mappings: Record<string, unknown> }>)[index]!.mappings;
}

/** Fields of the live mapping as OpenSearch counts them against the limit (objects + fields + multi-fields). */
export async function fieldCount(server: DevServer, index: string): Promise<number> {
  return countMappedFields(await mappingOf(server, index));
}

/** Daily indices (names starting with the prefix and a year), sorted. */
export function dailyIndices(server: DevServer): string[] {
  return server.indexNames().filter((name) => /^cloudtrail-\d{4}-\d{2}-\d{2}$/.test(name));
}

export interface Hit {
  _index: string;
  _id: string;
  _source: Record<string, unknown> & { eventID?: unknown; ct: Record<string, unknown> };
  /** Doc values asked for: `ct.source`, `ct.recordIndex` (the template keeps them out of `_source`). */
  fields?: Record<string, unknown[]>;
}

/** Refreshes (the template sets a 30 s refresh interval) and returns every hit of `query`. */
export async function search(server: DevServer, pattern: string, query: unknown): Promise<Hit[]> {
  await http(server, 'POST', `/${pattern}/_refresh`);
  const body = { query, size: 10_000, docvalue_fields: HIT_DOC_VALUE_FIELDS };
  const answer = await http(server, 'POST', `/${pattern}/_search`, body);
  if (answer.status !== 200)
    throw new Error(`search failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const hits = (answer.body as { hits: { total: { value: number }; hits: Hit[] } }).hits;
  if (hits.total.value !== hits.hits.length) throw new Error('more hits than one page');
  return hits.hits;
}

/** The eventIDs of the hits, sorted (hits without a string eventID are listed by `_id`). */
export function idsOf(hits: Hit[]): string[] {
  return hits
    .map((hit) => (typeof hit._source.eventID === 'string' ? hit._source.eventID : `_id:${hit._id}`))
    .sort();
}

/**
 * Writes records as a CloudTrail log file (`{"Records":[...]}`, gzipped) at `path`; `edit` may change
 * the JSON text first (for records JSON.stringify cannot write, such as repeated keys).
 */
export async function writeCloudTrailFile(
  path: string,
  records: unknown[],
  edit: (json: string) => string = (json) => json,
): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gzipSync(edit(JSON.stringify({ Records: records }))));
  return path;
}

/** A CloudTrail-like key for day `date` (YYYY-MM-DD): the key date is the fallback day. */
export function logPath(root: string, date: string, name: string): string {
  const [y, m, d] = date.split('-');
  const stamp = `${y}${m}${d}T0000Z`;
  return `${root}/AWSLogs/111122223333/CloudTrail/us-east-1/${y}/${m}/${d}/111122223333_CloudTrail_us-east-1_${stamp}_${name}.json.gz`;
}
