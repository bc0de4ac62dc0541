/**
 * The property run shared by the property test and the soak script: seeded random fault schedules on the
 * dev server, generated files in s3rver, every file re-invoked until it succeeds (as Lambda / SQS redrive
 * would), then the index is compared with the input id for id.
 */
import { createClient } from '../../src/opensearch/client.js';
import type { FaultRule } from '../../devserver/index.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../../src/pipeline/indexer.js';
import { s3Client } from '../../src/source/s3.js';
import type { FileOutcome } from '../../src/types.js';
import { BUCKET, seeded, storedIds, type Corpus, type Rig } from './harness.js';

export interface PropertyOptions {
  seed: number;
  /** Include faults after which the server applied writes the client never heard of. */
  lostResponses: boolean;
  maxRounds?: number;
  /** Files worked on at once (each with its own bulk concurrency of 2). */
  parallelFiles?: number;
}

export interface PropertyResult {
  seed: number;
  rules: FaultRule[];
  files: number;
  records: number;
  invocations: number;
  rounds: number;
  faultsFired: number;
  /** Sums over every invocation. */
  read: number;
  indexed: number;
  duplicates: number;
  /** Duplicates seen on a file's first invocation (possible only after a lost response). */
  firstAttemptDuplicates: number;
  deadLettered: number;
  undelivered: number;
  countMismatches: string[];
  stillFailing: { key: string; error: string }[];
  stored: number;
  distinctStored: number;
  lost: number;
  unexpected: number;
}

/** A fault schedule drawn from the seed: which faults, how likely, on which paths. */
export function faultSchedule(seed: number, lostResponses: boolean): FaultRule[] {
  const random = seeded(seed);
  const p = (max: number) => Math.round(random() * max * 1000) / 1000;
  const rules: FaultRule[] = [
    {
      fault: { kind: 'too-many-requests', style: random() < 0.5 ? 'opensearch' : 'aws' },
      probability: 0.05 + p(0.15),
    },
    {
      fault: { kind: 'server-error', status: ([500, 502, 503, 504] as const)[Math.floor(random() * 4)]! },
      probability: p(0.06),
    },
    { fault: { kind: 'connection-reset', when: 'before' }, probability: p(0.05) },
    {
      path: '/_bulk',
      fault: {
        kind: 'item-rejection',
        exceptionType: random() < 0.5 ? 'rejected_execution_exception' : 'es_rejected_execution_exception',
        itemProbability: p(0.2),
      },
      probability: p(0.3),
    },
    {
      path: '/_bulk',
      fault: { kind: 'payload-too-large', maxBytes: 100_000 + Math.floor(random() * 200_000) },
      probability: p(0.3),
    },
  ];
  if (lostResponses) {
    rules.push({ fault: { kind: 'connection-reset', when: 'after' }, probability: p(0.06) });
    rules.push({ path: '/_bulk', fault: { kind: 'latency', ms: 400 }, probability: p(0.03) });
  }
  return rules;
}

export async function runProperty(
  rig: Rig,
  corpus: Corpus,
  options: PropertyOptions,
): Promise<PropertyResult> {
  const rules = faultSchedule(options.seed, options.lostResponses);
  rig.server.faults.clear();
  rig.server.faults.reseed(options.seed);
  for (const rule of rules) rig.server.faults.add(rule);

  const result: PropertyResult = {
    seed: options.seed,
    rules,
    files: corpus.keys.length,
    records: corpus.ids.length,
    invocations: 0,
    rounds: 0,
    faultsFired: 0,
    read: 0,
    indexed: 0,
    duplicates: 0,
    firstAttemptDuplicates: 0,
    deadLettered: 0,
    undelivered: 0,
    countMismatches: [],
    stillFailing: [],
    stored: 0,
    distinctStored: 0,
    lost: 0,
    unexpected: 0,
  };
  const s3 = s3Client({ endpoint: rig.s3.endpoint });
  let pending = [...corpus.keys];
  const maxRounds = options.maxRounds ?? 8;
  const parallel = options.parallelFiles ?? 3;
  for (let round = 1; round <= maxRounds && pending.length > 0; round++) {
    result.rounds = round;
    // Each round is a fresh "cold start": a new client and indexer (prepare() runs again, under faults).
    const client = createClient({ endpoint: rig.server.url, requestTimeoutMs: 5_000 });
    const indexer = new Indexer(
      client,
      {
        ...DEFAULT_PIPELINE_SETTINGS,
        indexPrefix: 'cloudtrail-',
        bulkMaxDocs: 150,
        // Short only when lost responses are wanted: a timed-out request is one whose answer was lost.
        requestTimeoutMs: options.lostResponses ? 300 : 10_000,
        retry: { baseMs: 5, maxMs: 80, maxAttempts: 3 }, // low, so some files fail and are re-invoked
        prepareRetry: { baseMs: 5, maxMs: 50, maxAttempts: 8 },
      },
      silentTelemetry(),
      s3,
    );
    const failed: { key: string; error: string }[] = [];
    const queue = [...pending];
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        let outcome: FileOutcome;
        try {
          outcome = await indexer.indexS3Object({ bucket: BUCKET, key }, () => Infinity);
        } catch (error) {
          // prepare() gave up: the whole invocation fails, as the handler's would.
          result.invocations++;
          failed.push({ key, error: error instanceof Error ? error.message : String(error) });
          continue;
        }
        result.invocations++;
        result.read += outcome.read;
        result.indexed += outcome.indexed;
        result.duplicates += outcome.duplicates;
        if (round === 1) result.firstAttemptDuplicates += outcome.duplicates;
        result.deadLettered += outcome.deadLettered;
        result.undelivered += outcome.undelivered;
        const accounted = outcome.indexed + outcome.duplicates + outcome.deadLettered + outcome.undelivered;
        if (accounted !== outcome.read)
          result.countMismatches.push(`${key}: read ${outcome.read}, accounted ${accounted}`);
        if (outcome.error || outcome.undelivered > 0)
          failed.push({ key, error: outcome.error ?? 'undelivered' });
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    await client.close();
    pending = failed.map((entry) => entry.key);
    result.stillFailing = failed;
  }
  s3.destroy();
  result.faultsFired = rig.server.faults.history.length;
  rig.server.faults.clear();

  const stored = await storedIds(rig);
  const want = new Set(corpus.ids);
  const seen = new Set(stored);
  result.stored = stored.length;
  result.distinctStored = seen.size;
  for (const id of want) if (!seen.has(id)) result.lost++;
  for (const id of seen) if (!want.has(id)) result.unexpected++;
  return result;
}
