/**
 * Hostile input through the real entry points: a gzip bomb and a giant record through the Lambda handler
 * (MAX_DECOMPRESSED_BYTES, MAX_RECORD_BYTES), and whole files fuzzed (mutated gzip and JSON bytes of a
 * real sample) through indexFile against the dev server: never a crash or a hang, counts always add up,
 * every error names the file.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { clientTransport } from '../../src/bulk/transport.js';
import { IndexDeadLetterStore } from '../../src/deadletter/indexSink.js';
import { clientHttp } from '../../src/http/request.js';
import { DEFAULT_RETRY } from '../../src/http/retry.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { indexFile } from '../../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../../src/pipeline/indexer.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import {
  assertExactlyOnce,
  BUCKET,
  deadLetters,
  invoke,
  lambdaEnv,
  resetCluster,
  seeded,
  startRig,
  storedIds,
  type Rig,
} from './harness.js';

const SAMPLE =
  'AWSLogs/345678901234/CloudTrail/eu-west-1/2021/12/02/345678901234_CloudTrail_eu-west-1_20211202T2215Z_CMTekpYc1olMhuw1.json.gz';
const MIB = 1024 * 1024;

describe('reliability: hostile input', function () {
  this.timeout(60_000);
  let rig: Rig;

  before(async () => {
    rig = await startRig();
  });
  after(async () => rig?.close());
  beforeEach(async () => {
    await resetCluster(rig);
    lambdaEnv(rig);
  });

  it('a gzip bomb (64 MiB of JSON whitespace in 64 KiB) fails cleanly and fast, with bounded memory', async () => {
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"Records":['), Buffer.alloc(64 * MIB, 0x20), Buffer.from(']}')]),
      { level: 9 },
    );
    assert.ok(bomb.length < 200 * 1024, `${bomb.length} bytes compressed`);
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/bomb_CloudTrail_us-east-1_x.json.gz';
    await rig.s3.put(BUCKET, key, bomb);
    lambdaEnv(rig, { MAX_DECOMPRESSED_BYTES: String(2 * MIB) });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const error = await invoke(key);
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(error, 'the file fails');
    assert.match(error, new RegExp(key.replace(/[.]/g, '\\.')));
    // Fast means it stopped at the limit (2 MiB) instead of inflating all 64 MiB first.
    assert.match(
      error,
      new RegExp(`decompressed size exceeds ${2 * MIB} bytes \\(MAX_DECOMPRESSED_BYTES\\)`),
    );
    assert.equal(await storedIds(rig).then((stored) => stored.length), 0);
    assert.ok(grown < 48 * MIB, `RSS grew ${Math.round(grown / MIB)} MiB`);
  });

  it('a giant record is dead-lettered with its reason; the rest are indexed', async () => {
    const records = [
      { eventID: 'small-1', eventTime: '2024-01-01T00:00:00Z', eventName: 'A' },
      { eventID: 'giant', eventTime: '2024-01-01T00:00:01Z', eventName: 'B', blob: 'x'.repeat(300_000) },
      { eventID: 'small-2', eventTime: '2024-01-01T00:00:02Z', eventName: 'C' },
    ];
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/giant_CloudTrail_us-east-1_x.json.gz';
    await rig.s3.put(BUCKET, key, gzipSync(JSON.stringify({ Records: records })));
    lambdaEnv(rig, { MAX_RECORD_BYTES: String(128 * 1024) });
    assert.equal(await invoke(key), undefined);
    await assertExactlyOnce(rig, ['small-1', 'small-2'], 'giant record');
    const dead = await deadLetters(rig);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.recordIndex, 1);
    assert.equal(dead[0]!.source, `s3://${BUCKET}/${key}`);
    assert.match(dead[0]!.reason, /MAX_RECORD_BYTES/);
  });

  it('fuzzed files (mutated gzip and JSON bytes of a real sample) through indexFile: no crash, no hang, counts add up', async () => {
    const seed = Number(process.env.RELIABILITY_SEED ?? 5);
    const random = seeded(seed);
    const gz = readFileSync(join(SAMPLES_DIR, SAMPLE));
    const json = gunzipSync(gz);
    const client = createClient({ endpoint: rig.server.url });
    await new Indexer(
      client,
      { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' },
      silentTelemetry(),
    ).prepare();
    const deps = {
      transport: clientTransport(client),
      deadLetter: new IndexDeadLetterStore('cloudtrail-deadletter', DEFAULT_RETRY).forFile({
        http: clientHttp(client),
        budget: { requestTimeoutMs: 30_000, remainingTimeMs: () => Infinity },
      }),
      telemetry: silentTelemetry(),
      remainingTimeMs: () => Infinity,
    };
    const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-', maxRecordBytes: 256 * 1024 };
    const cases = 120;
    let failedFiles = 0;
    let records = 0;
    try {
      for (let n = 0; n < cases; n++) {
        const mutateGzip = n % 3 === 0;
        const bytes = mutateGzip ? mutate(gz, random) : gzipSync(mutate(json, random));
        const sourceName = `s3://${BUCKET}/fuzz/case-${n}.json.gz`;
        // Random chunking exercises every split point of the stream.
        const chunks: Buffer[] = [];
        for (let at = 0; at < bytes.length;) {
          const size = 1 + Math.floor(random() * 4096);
          chunks.push(bytes.subarray(at, at + size));
          at += size;
        }
        const job = {
          sourceName,
          key: `fuzz/case-${n}.json.gz`,
          keyDate: '2021-12-02',
          stream: Readable.from(chunks),
        };
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`case ${n} (seed ${seed}) hung`)), 10_000);
        });
        const outcome = await Promise.race([indexFile(job, settings, deps), hang]).finally(() =>
          clearTimeout(timer),
        );
        const accounted = outcome.indexed + outcome.duplicates + outcome.deadLettered + outcome.undelivered;
        assert.equal(
          accounted,
          outcome.read,
          `case ${n} (RELIABILITY_SEED=${seed}): ${JSON.stringify(outcome)}`,
        );
        assert.equal(outcome.undelivered, 0, `case ${n}: nothing transient here`);
        if (outcome.error) {
          failedFiles++;
          assert.ok(outcome.error.includes(sourceName), `case ${n}: error names the file: ${outcome.error}`);
        }
        records += outcome.read;
      }
    } finally {
      await client.close();
    }
    assert.ok(
      failedFiles > 10 && failedFiles < cases,
      `a mix of broken and readable files (${failedFiles} failed)`,
    );
    assert.ok(records > 0);
  });
});

const INTERESTING = Buffer.from('{}[]",:\\ \n0tx');

/** 1–3 random edits: overwrite, delete, insert, or truncate. */
function mutate(input: Buffer, random: () => number): Buffer {
  let bytes = Buffer.from(input);
  const pick = (below: number) => Math.floor(random() * below);
  const edits = 1 + pick(3);
  for (let i = 0; i < edits && bytes.length > 0; i++) {
    const at = pick(bytes.length);
    const byte = random() < 0.7 ? INTERESTING[pick(INTERESTING.length)]! : pick(256);
    switch (pick(4)) {
      case 0:
        bytes[at] = byte;
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(3))]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
        break;
      default:
        bytes = bytes.subarray(0, at);
    }
  }
  return bytes;
}
