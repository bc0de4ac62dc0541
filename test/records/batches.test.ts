import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { RecordStreamError } from '../../src/records/errors.js';
import { readRecordBatches, readRecords } from '../../src/records/index.js';
import { splitRecordBatches, splitRecords, type SplitRecord } from '../../src/records/splitter.js';
import { chunked, collect, sampleWithAbout, seededRandom, streamError, type Collected } from './helpers.js';

const OPTIONS = { maxDecompressedBytes: 64 << 20, maxRecordBytes: 1 << 20, sourceName: 's3://bucket/key' };

interface CollectedBatches extends Collected {
  batches: SplitRecord[][];
}

/** Drains a batch stream, keeping the batches yielded before any error. */
async function collectBatches(stream: AsyncIterable<SplitRecord[]>): Promise<CollectedBatches> {
  const batches: SplitRecord[][] = [];
  let error: unknown;
  try {
    for await (const batch of stream) batches.push(batch);
  } catch (caught) {
    error = caught;
  }
  const records = batches.flat();
  return error === undefined ? { batches, records } : { batches, records, error };
}

function describeRecord(record: SplitRecord): unknown {
  return {
    bytes: record.bytes.toString('hex'),
    index: record.index,
    offset: record.offset,
    size: record.size,
    notObject: record.notObject,
    tooLarge: record.tooLarge,
    problem: record.problem && describeError(record.problem),
  };
}

function describeError(error: unknown): unknown {
  if (error === undefined) return undefined;
  if (error instanceof RecordStreamError) {
    return {
      type: 'RecordStreamError',
      kind: error.kind,
      message: error.message,
      sourceName: error.sourceName,
      position: error.position,
    };
  }
  return { type: (error as Error).constructor.name, message: (error as Error).message };
}

/** The batches hold exactly readRecords' records and error, and no batch is empty. */
function assertSameOutcome(batched: CollectedBatches, single: Collected, context: string): void {
  for (const batch of batched.batches) assert.ok(batch.length > 0, `${context}: empty batch`);
  assert.equal(batched.records.length, single.records.length, `${context}: record count`);
  assert.deepEqual(batched.records.map(describeRecord), single.records.map(describeRecord), context);
  assert.deepEqual(describeError(batched.error), describeError(single.error), `${context}: error`);
}

const MALFORMED = [
  '{"Records":[{"a":1},{"b":2}, junk ,{"c":3}]}',
  '{"Records":[{"a":1},{"b":[2}},{"c":3}]}',
  '{"Records":[{"a":1},{"b":"unterminated',
  '{"Records":[{"a":1},{"b":2}]} trailing',
  '{"Records":[{"a":1}],"Records":[{"b":2}]}',
  '{"Records":[{"a":1},nul,{"b":2}]}',
  '{"Records":[{"a":1} {"b":2}]}',
  '{"Other":1}',
  '{"Records":{"a":1}}',
  '[1,2]',
  '',
];
const FLAGGED = `{"Records":[{"a":1},"text",[1,2],{"big":"${'x'.repeat(300)}"},42,{"z":"\\"}\\\\"}]}`;

describe('readRecordBatches / splitRecordBatches', () => {
  it('yields exactly the records of readRecords for sample files, gzipped or plain, in any chunk size', async function () {
    this.timeout(60_000);
    for (const about of [3, 700]) {
      const { path, json } = sampleWithAbout(about);
      for (const bytes of [readFileSync(path), json]) {
        for (const size of [1, 64, 4096, 65536, bytes.length]) {
          if (size === 1 && bytes.length > 50_000) continue;
          const batched = await collectBatches(readRecordBatches(chunked(bytes, size), OPTIONS));
          const single = await collect(readRecords(chunked(bytes, size), OPTIONS));
          assert.equal(single.error, undefined);
          assert.ok(single.records.length >= about / 2, `${single.records.length} records`);
          assertSameOutcome(
            batched,
            single,
            `${path} (${bytes === json ? 'plain' : 'gzip'}) in ${size}-byte chunks`,
          );
        }
      }
    }
  });

  it('batches hold the records each input chunk completes: one batch for one chunk, one record per batch for tiny chunks', async () => {
    const { json } = sampleWithAbout(30);
    const options = { maxRecordBytes: 1 << 20, sourceName: 'test.json' };
    for (const size of [1, 100, 1000, 4096, json.length]) {
      const { batches, error } = await collectBatches(splitRecordBatches(chunked(json, size), options));
      assert.equal(error, undefined);
      // A record belongs to the chunk holding its last byte; chunks completing none yield nothing.
      const expected: number[] = [];
      let lastChunk = -1;
      for (const record of batches.flat()) {
        const chunk = Math.floor((record.offset + record.size - 1) / size);
        if (chunk === lastChunk) expected[expected.length - 1]!++;
        else expected.push(1);
        lastChunk = chunk;
      }
      assert.deepEqual(
        batches.map((batch) => batch.length),
        expected,
        `${size}-byte chunks`,
      );
      if (size === json.length) assert.equal(batches.length, 1);
      if (size === 1) assert.ok(batches.every((batch) => batch.length === 1));
    }
  });

  it('on a fault, yields the records before it (even from the same chunk), then throws the same error', async () => {
    const options = { maxRecordBytes: 1 << 20, sourceName: 'test.json' };
    for (const json of MALFORMED) {
      const bytes = Buffer.from(json);
      for (const size of [1, 3, 7, Math.max(1, bytes.length)]) {
        const batched = await collectBatches(splitRecordBatches(chunked(bytes, size), options));
        const single = await collect(splitRecords(chunked(bytes, size), options));
        assert.ok(single.error instanceof RecordStreamError, `${json}: expected a fault`);
        assertSameOutcome(batched, single, `${JSON.stringify(json)} in ${size}-byte chunks`);
      }
    }
    // The whole input in one chunk: the records before the fault arrive as one batch, then the error.
    const whole = await collectBatches(
      splitRecordBatches(chunked(Buffer.from(MALFORMED[0]!), 1000), options),
    );
    assert.deepEqual(
      whole.batches.map((batch) => batch.map((record) => record.bytes.toString())),
      [['{"a":1}', '{"b":2}']],
    );
    streamError(whole.error, 'json');
  });

  it('flags non-object and over-limit elements exactly as readRecords does', async () => {
    const bytes = Buffer.from(FLAGGED);
    const options = { ...OPTIONS, maxRecordBytes: 100 };
    for (const gzipped of [false, true]) {
      const input = gzipped ? gzipSync(bytes) : bytes;
      for (const size of [1, 5, 64, input.length]) {
        const batched = await collectBatches(readRecordBatches(chunked(input, size), options));
        const single = await collect(readRecords(chunked(input, size), options));
        assert.equal(single.error, undefined);
        assert.deepEqual(
          single.records.map((record) => [record.notObject ?? false, record.tooLarge ?? false]),
          [
            [false, false],
            [true, false],
            [true, false],
            [false, true],
            [true, false],
            [false, false],
          ],
        );
        assertSameOutcome(batched, single, `gzip ${gzipped}, ${size}-byte chunks`);
      }
    }
  });

  it('agrees with readRecords on 300 randomly damaged files (JSON and gzip, random chunk sizes)', async function () {
    this.timeout(60_000);
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
    const random = seededRandom(seed);
    const pick = (below: number) => Math.floor(random() * below);
    const { json } = sampleWithAbout(30);
    const gzipped = gzipSync(json);
    let faults = 0;
    for (let n = 0; n < 300; n++) {
      const original = n % 3 === 0 ? gzipped : json;
      let input = Buffer.from(original);
      const at = pick(input.length);
      switch (pick(4)) {
        case 0:
          input[at] = Buffer.from('{}[]",:\\ x')[pick(10)]!;
          break;
        case 1:
          input = input.subarray(0, at);
          break;
        case 2:
          input = Buffer.concat([input.subarray(0, at), input.subarray(at + 1 + pick(20))]);
          break;
        default:
          input[at]! ^= 1 << pick(8);
      }
      const size = 1 + pick(random() < 0.3 ? 16 : 8000);
      const options = { ...OPTIONS, maxRecordBytes: random() < 0.2 ? 300 + pick(2000) : 1 << 20 };
      const batched = await collectBatches(readRecordBatches(chunked(input, size), options));
      const single = await collect(readRecords(chunked(input, size), options));
      if (single.error !== undefined) faults++;
      assertSameOutcome(batched, single, `case ${n} (replay with FUZZ_SEED=${seed})`);
    }
    assert.ok(faults > 30, `${faults} of 300 damaged files failed`);
  });

  it('passes errors of the source itself through, after the records before them', async () => {
    const { json } = sampleWithAbout(30);
    const failing = () =>
      (async function* () {
        yield json.subarray(0, 5000);
        throw new Error('socket reset');
      })();
    const batched = await collectBatches(readRecordBatches(failing(), OPTIONS));
    const single = await collect(readRecords(failing(), OPTIONS));
    assert.equal((batched.error as Error).message, 'socket reset');
    assert.ok(batched.records.length > 0);
    assertSameOutcome(batched, single, 'source error');
  });

  it('closes the source when the consumer stops after the first batch', async () => {
    const { path, json } = sampleWithAbout(700);
    for (const bytes of [readFileSync(path), json]) {
      let closed = false;
      let pulled = 0;
      const source = (async function* () {
        try {
          for (let at = 0; at < bytes.length; at += 1000) {
            pulled++;
            yield bytes.subarray(at, at + 1000);
          }
        } finally {
          closed = true;
        }
      })();
      for await (const batch of readRecordBatches(source, OPTIONS)) {
        assert.equal(batch[0]!.index, 0);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(closed, 'source closed');
      assert.ok(
        pulled < bytes.length / 1000 / 2,
        `pulled ${pulled} of ${Math.ceil(bytes.length / 1000)} chunks`,
      );
    }
  });
});
