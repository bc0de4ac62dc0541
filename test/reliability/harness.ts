/**
 * Shared rig for the reliability tests: the dev server (with fault injection), s3rver, the Lambda
 * handler wired to both through the environment, generated CloudTrail files with their expected ids,
 * and ways to read back exactly what the index and the dead letter hold.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../index.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { gunzipRecords, SAMPLES_DIR } from '../helpers/samples.js';
import { seededRandom } from '../../src/util/random.js';
import type { DeadLetterEntry } from '../../src/deadletter/entry.js';
import { INDEXER_ENV_VARS } from '../../src/config.js';

export const BUCKET = 'reliability-trail';
export const DEAD_LETTER_INDEX = 'cloudtrail-deadletter';

export interface Rig {
  server: DevServer;
  s3: TestS3;
  workDir: string;
  close(): Promise<void>;
}

// Every variable the indexer reads, and what the tests set besides: a test's settings (say
// BULK_CONCURRENCY) must not leak into the next test or the next file, which share this process.
const ENV_KEYS = [...INDEXER_ENV_VARS, 'S3_ENDPOINT', 'AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED'];

export async function startRig(): Promise<Rig> {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const server = await startDevServer({ port: 0 });
  const s3 = await startS3();
  await s3.createBucket(BUCKET);
  const workDir = await mkdtemp(join(tmpdir(), 'ct-reliability-'));
  return {
    server,
    s3,
    workDir,
    close: async () => {
      await server.close();
      await s3.close();
      await rm(workDir, { recursive: true, force: true });
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      resetForTests();
    },
  };
}

/** Points the Lambda at the rig (the handler re-reads the environment after resetForTests). */
export function lambdaEnv(rig: Rig, extra: Record<string, string> = {}, s3Endpoint = rig.s3.endpoint): void {
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, {
    OPENSEARCH_ENDPOINT: rig.server.url,
    S3_ENDPOINT: s3Endpoint,
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'ERROR',
    // Failed files are expected here and the assertions say what matters: Lambda's own log-level control
    // (CRITICAL) keeps the product's "file failed" lines out of the test output.
    AWS_LAMBDA_LOG_LEVEL: 'FATAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
    BULK_MAX_DOCS: '100',
    ...extra,
  });
  resetForTests();
}

/** Fresh cluster state: no CloudTrail indices, no dead letters, no faults, seed restarted. */
export async function resetCluster(rig: Rig): Promise<void> {
  rig.server.faults.clear();
  rig.server.faults.reseed(1);
  await fetch(`${rig.server.url}/cloudtrail-*`, { method: 'DELETE' });
}

export function lambdaContext(remainingMs: number | (() => number) = 300_000): Context {
  const remaining = typeof remainingMs === 'number' ? () => remainingMs : remainingMs;
  return { getRemainingTimeInMillis: remaining, awsRequestId: 'test', functionName: 'indexer' } as Context;
}

export function s3Event(key: string, bucket = BUCKET) {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encoded, size: 1000 } },
      },
    ],
  };
}

export function sqsEvent(keys: string[], bucket = BUCKET) {
  return {
    Records: keys.map((key, n) => ({
      eventSource: 'aws:sqs',
      messageId: `m${n}`,
      body: JSON.stringify(s3Event(key, bucket)),
    })),
  };
}

/** One invocation for one object: resolves with undefined on success, the error message on failure. */
export async function invoke(key: string, context = lambdaContext()): Promise<string | undefined> {
  try {
    await handler(s3Event(key), context);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * As Lambda's async retries (or SQS redelivery) would: invoke again until the file succeeds, at most
 * `maxAttempts` times. Returns the number of invocations it took, and every error seen on the way.
 */
export async function invokeUntilSuccess(
  key: string,
  maxAttempts = 5,
  context = lambdaContext,
): Promise<{ attempts: number; errors: string[]; ok: boolean }> {
  const errors: string[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const error = await invoke(key, context());
    if (error === undefined) return { attempts: attempt, errors, ok: true };
    errors.push(error);
  }
  return { attempts: maxAttempts, errors, ok: false };
}

export interface Corpus {
  /** S3 keys (also paths relative to `dir`). */
  keys: string[];
  dir: string;
  /** Every input eventID, in file order. */
  ids: string[];
  idsByKey: Map<string, string[]>;
}

/** Generates CloudTrail files from the bundled samples, uploads them, and lists the ids they hold. */
export async function generateCorpus(
  rig: Rig,
  name: string,
  records: number,
  perFile: number,
  seed: string,
): Promise<Corpus> {
  const dir = join(rig.workDir, name);
  const generated = await generateCloudTrail({
    sourceDir: SAMPLES_DIR,
    outDir: dir,
    records,
    perFile,
    seed,
    days: 2,
  });
  const corpus: Corpus = { keys: [], dir, ids: [], idsByKey: new Map() };
  for (const path of generated.files) {
    const key = relative(dir, path);
    const body = await readFile(path);
    await rig.s3.put(BUCKET, key, body);
    const ids = gunzipRecords(body).map((record) => String(record.eventID));
    corpus.keys.push(key);
    corpus.ids.push(...ids);
    corpus.idsByKey.set(key, ids);
  }
  assert.equal(new Set(corpus.ids).size, corpus.ids.length, 'generated ids are unique');
  return corpus;
}

/** Every stored document id in the daily indices (one entry per stored copy: a duplicate shows twice). */
export async function storedIds(rig: Rig, pattern = 'cloudtrail-1*,cloudtrail-2*'): Promise<string[]> {
  const response = await fetch(`${rig.server.url}/_devserver/ids/${pattern}`);
  const body = (await response.json()) as { ids: Record<string, string[]> };
  return Object.values(body.ids).flat();
}

/** Asserts the daily indices hold exactly `expected`, each once. Returns lost / duplicated counts too. */
export async function assertExactlyOnce(
  rig: Rig,
  expected: Iterable<string>,
  note = '',
): Promise<{ stored: number; lost: number; duplicated: number; unexpected: number }> {
  const want = new Set(expected);
  const stored = await storedIds(rig);
  const seen = new Set<string>();
  let duplicated = 0;
  let unexpected = 0;
  for (const id of stored) {
    if (seen.has(id)) duplicated++;
    seen.add(id);
    if (!want.has(id)) unexpected++;
  }
  let lost = 0;
  for (const id of want) if (!seen.has(id)) lost++;
  const numbers = { stored: stored.length, lost, duplicated, unexpected };
  assert.deepEqual(
    { lost, duplicated, unexpected },
    { lost: 0, duplicated: 0, unexpected: 0 },
    `${note} expected ${want.size} ids exactly once; got ${JSON.stringify(numbers)}`,
  );
  return numbers;
}

/** A dead-letter entry as stored (the sinks write `DeadLetterEntry` objects). */
export type DeadLetterDoc = DeadLetterEntry;

export async function deadLetters(rig: Rig, index = DEAD_LETTER_INDEX): Promise<DeadLetterDoc[]> {
  await fetch(`${rig.server.url}/${index}/_refresh`, { method: 'POST' });
  const response = await fetch(`${rig.server.url}/${index}/_search?size=10000`);
  if (response.status === 404) return [];
  const body = (await response.json()) as { hits: { hits: { _source: DeadLetterDoc }[] } };
  return body.hits.hits.map((hit) => hit._source);
}

/** A test-process HTTP proxy; `decide` picks, per request, to forward it or to answer/kill it itself. */
export interface Proxy {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export type ProxyAction =
  | { kind: 'forward' }
  | { kind: 'reply'; status: number; body: string; contentType?: string }
  | { kind: 'reset' };

export async function startProxy(
  target: string,
  decide: (request: IncomingMessage, n: number) => ProxyAction,
): Promise<Proxy> {
  const upstream = new URL(target);
  const proxy: Proxy = { url: '', requests: 0, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    const n = ++proxy.requests;
    const action = decide(request, n);
    if (action.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (action.kind === 'reply') {
      request.resume();
      response.writeHead(action.status, {
        'content-type': action.contentType ?? 'application/json',
        'content-length': String(Buffer.byteLength(action.body)),
      });
      response.end(action.body);
      return;
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => request.socket.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

/** Seeded test decisions (the same generator the dev server's fault schedule uses). */
export const seeded = (seed: number): (() => number) => seededRandom(seed);
