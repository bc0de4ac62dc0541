/**
 * Differential fuzzing of the two document builders: records drawn at random (test/documents/generator.ts:
 * escapes, surrogate pairs, invalid UTF-8, numbers of every form, deep nesting, duplicate, dotted, empty
 * and reserved keys, huge values, typed fields of the wrong type), built by both; the fast path's
 * document must equal the reference's byte for byte, and every record it declines must be declined for
 * a reason the reference's result confirms (compareBuilders).
 *
 * Each run draws its seed; a failure names it, and `FUZZ_SEED=<seed>` replays that run
 * (`FUZZ_RECORDS=<n>` changes how many records it builds).
 */
import { strict as assert } from 'node:assert';
import { randomInt } from 'node:crypto';
import type { BuildContext } from '../../src/documents/builder.js';
import { fuzzRecord, random, Writer } from './generator.js';
import { compareBuilders, OBJECT_TIME, sampleRecords } from './helpers.js';

const RECORDS = Number(process.env.FUZZ_RECORDS ?? 20_000);
const SEED = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.FUZZ_SEED);

/** The files records come from: what is known of each decides the time rules both builders apply. */
const CONTEXTS: BuildContext[] = [
  {
    indexPrefix: 'cloudtrail-',
    sourceName: 's3://trail/AWSLogs/1/CloudTrail/eu-west-1/2021/12/02/f.json.gz',
    keyDate: '2021-12-02',
    objectTimeMs: OBJECT_TIME,
  },
  {
    indexPrefix: 'cloudtrail-',
    sourceName: 's3://trail/AWSLogs/1/CloudTrail/f.json.gz',
    keyDate: '2021-12-02',
  },
  { indexPrefix: 'ct-', sourceName: '/tmp/"odd" é.json', objectTimeMs: Date.UTC(2021, 11, 3) },
  { indexPrefix: 'logs-', sourceName: 'x' },
];

describe('document builders: differential fuzz', function () {
  this.timeout(10 * 60_000);

  it(`${RECORDS} random CloudTrail-shaped records: the fast path builds exactly what the reference does`, () => {
    const writer = new Writer(random(SEED));
    const samples = sampleRecords();
    let taken = 0;
    let record: Buffer = Buffer.alloc(0);
    try {
      for (let i = 0; i < RECORDS; i++) {
        record = fuzzRecord(writer, samples);
        const context = CONTEXTS[Math.floor(writer.rng() * CONTEXTS.length)]!;
        if (compareBuilders(record, i, `record ${i}`, context)) taken++;
      }
    } catch (error) {
      const shown = record.length > 4000 ? `${record.toString('utf8', 0, 4000)}…` : record.toString('utf8');
      assert.fail(
        `fuzz seed ${SEED} failed (replay: FUZZ_SEED=${SEED}): ${(error as Error).message}\nrecord: ${shown}`,
      );
    }
    console.log(`      seed ${SEED}: ${taken} of ${RECORDS} records on the fast path`);
  });
});
