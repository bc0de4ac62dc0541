import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { decodedStream } from '../../src/records/decode.js';
import { RecordStreamError } from '../../src/records/errors.js';
import { readRecords } from '../../src/records/index.js';
import { splitRecords, type SplitRecord } from '../../src/records/splitter.js';
import { chunked, collect, sampleWithAbout, seededRandom } from './helpers.js';

const CASES = 1000;
const GZIP_CASES = 200; // of CASES, mutate the compressed bytes instead of the JSON
const INTERESTING = Buffer.from('{}[]",:\\ \n0tx\u00e9');

type Random = () => number;

function pick(random: Random, below: number): number {
  return Math.floor(random() * below);
}

/** 1–3 random edits: overwrite, delete, insert, duplicate a slice, or truncate. */
function mutate(input: Buffer, random: Random): Buffer {
  let bytes = Buffer.from(input);
  const edits = 1 + pick(random, 3);
  for (let i = 0; i < edits && bytes.length > 0; i++) {
    const at = pick(random, bytes.length);
    const byte = random() < 0.7 ? INTERESTING[pick(random, INTERESTING.length)]! : pick(random, 256);
    switch (pick(random, 5)) {
      case 0:
        bytes[at] = byte;
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(random, 3))]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
        break;
      case 3: {
        const length = pick(random, 200);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + length), bytes.subarray(at)]);
        break;
      }
      default:
        bytes = bytes.subarray(0, at);
    }
  }
  return bytes;
}

/** The invariants every run must keep, whatever the input. */
function checkRecords(input: Buffer, records: SplitRecord[], maxRecordBytes: number): void {
  let previousEnd = 0;
  records.forEach((record, i) => {
    assert.equal(record.index, i, 'indexes run 0, 1, 2, ...');
    assert.ok(record.offset >= previousEnd, 'records do not overlap');
    previousEnd = record.offset + record.size;
    assert.ok(previousEnd <= input.length, 'record inside the input');
    if (record.tooLarge) {
      assert.ok(record.size > maxRecordBytes && record.bytes.length === 0);
      return;
    }
    assert.ok(record.size <= maxRecordBytes);
    assert.ok(
      input.subarray(record.offset, previousEnd).equals(record.bytes),
      `record ${i} is a slice of the input`,
    );
    assert.equal(
      record.notObject === true,
      record.bytes[0] !== 0x7b,
      'notObject flag matches the first byte',
    );
    if (!record.notObject) assert.equal(record.bytes[record.size - 1], 0x7d);
  });
}

/** If the whole input is a valid CloudTrail document, the splitter must agree with JSON.parse. */
function checkAgainstJsonParse(input: Buffer, records: SplitRecord[], error: unknown): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.toString('utf8'));
  } catch {
    return;
  }
  const recordsValue = (parsed as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(recordsValue)) return;
  assert.equal(error, undefined, 'valid JSON with a Records array splits without error');
  assert.deepEqual(
    records.map((r) => (r.tooLarge ? 'too large' : (JSON.parse(r.bytes.toString('utf8')) as unknown))),
    recordsValue.map((value, i) => (records[i]?.tooLarge ? 'too large' : (value as unknown))),
  );
}

describe('splitter and decoder under random damage (fuzz)', () => {
  it(`${CASES} mutated files: only RecordStreamErrors, and every yielded record is a slice of the input`, async function () {
    this.timeout(60_000);
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
    const random = seededRandom(seed);
    const { json } = sampleWithAbout(30);
    const gzipped = gzipSync(json);
    for (let n = 0; n < CASES; n++) {
      const chunkSize = 1 + pick(random, random() < 0.3 ? 16 : 5000);
      const maxRecordBytes = random() < 0.2 ? 200 + pick(random, 2000) : 1 << 20;
      const gzipCase = n < GZIP_CASES;
      const input = mutate(gzipCase ? gzipped : json, random);
      try {
        if (gzipCase) {
          const options = { maxDecompressedBytes: 4 << 20, maxRecordBytes, sourceName: 'fuzz.json.gz' };
          const decoded: Buffer[] = [];
          let decodeError: unknown;
          try {
            for await (const part of decodedStream(chunked(input, chunkSize), options)) decoded.push(part);
          } catch (error) {
            decodeError = error;
          }
          if (decodeError !== undefined)
            assert.ok(decodeError instanceof RecordStreamError, String(decodeError));
          const { records, error } = await collect(readRecords(chunked(input, chunkSize), options));
          if (error !== undefined) assert.ok(error instanceof RecordStreamError, String(error));
          checkRecords(Buffer.concat(decoded), records, maxRecordBytes);
        } else {
          const options = { maxRecordBytes, sourceName: 'fuzz.json' };
          const { records, error } = await collect(splitRecords(chunked(input, chunkSize), options));
          if (error !== undefined) assert.ok(error instanceof RecordStreamError, String(error));
          checkRecords(input, records, maxRecordBytes);
          checkAgainstJsonParse(input, records, error);
        }
      } catch (failure) {
        const message = failure instanceof Error ? failure.message : String(failure);
        throw new Error(`fuzz case ${n} failed (replay with FUZZ_SEED=${seed}): ${message}`, {
          cause: failure,
        });
      }
    }
  });
});
