import { strict as assert } from 'node:assert';
import { splitRecords, type SplitRecord } from '../../src/records/splitter.js';
import {
  chunked,
  collect,
  cutAt,
  decompressedSample,
  digestFiles,
  sampleLogFiles,
  sampleWithAbout,
  streamError,
} from './helpers.js';

const LIMITS = { maxRecordBytes: 1 << 20, sourceName: 'test.json' };

function split(json: string | Buffer, chunkSize = Infinity, options = LIMITS): ReturnType<typeof collect> {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  return collect(splitRecords(chunked(bytes, Math.max(1, Math.min(chunkSize, bytes.length || 1))), options));
}

/** Records parsed, after checking each one's bytes are exactly the input at its offset. */
function parsedRecords(input: Buffer, records: SplitRecord[]): unknown[] {
  return records.map((record, i) => {
    assert.equal(record.index, i);
    assert.equal(record.size, record.bytes.length);
    assert.ok(
      input.subarray(record.offset, record.offset + record.size).equals(record.bytes),
      `record ${i} bytes`,
    );
    return JSON.parse(record.bytes.toString('utf8')) as unknown;
  });
}

async function splitsLikeJsonParse(
  json: string | Buffer,
  chunkSizes = [1, 7, 64, 4096, Infinity],
): Promise<void> {
  const input = typeof json === 'string' ? Buffer.from(json) : json;
  const expected = (JSON.parse(input.toString('utf8')) as { Records: unknown[] }).Records;
  for (const size of chunkSizes) {
    const { records, error } = await split(input, size);
    assert.equal(error, undefined, `chunk size ${size}: ${String(error)}`);
    assert.deepEqual(parsedRecords(input, records), expected, `chunk size ${size}`);
  }
}

describe('splitRecords', () => {
  describe('real CloudTrail files', () => {
    it('yields every record of every sample file exactly, for chunk sizes 1, 7, 64, 4096 and whole', async function () {
      this.timeout(120_000);
      const files = sampleLogFiles();
      assert.ok(files.length > 100, 'sample files found');
      let total = 0;
      for (const file of files) {
        const json = decompressedSample(file);
        await splitsLikeJsonParse(json);
        total += (JSON.parse(json.toString('utf8')) as { Records: unknown[] }).Records.length;
      }
      assert.ok(total > 1200, `${total} records`);
    });

    it('reports a digest file (no Records) as no-records', async () => {
      const digests = digestFiles();
      assert.ok(digests.length > 0);
      for (const file of digests) {
        const { records, error } = await split(decompressedSample(file), 4096);
        assert.equal(records.length, 0);
        const failure = streamError(error, 'no-records');
        assert.match(failure.message, /^test\.json: no top-level "Records" array/);
      }
    });
  });

  describe('document shapes', () => {
    it('handles pretty-printed JSON and whitespace everywhere', async () => {
      const { json } = sampleWithAbout(10);
      const document = JSON.parse(json.toString('utf8')) as unknown;
      await splitsLikeJsonParse(JSON.stringify(document, null, 2));
      await splitsLikeJsonParse(JSON.stringify(document, null, '\t').replace(/\n/g, '\r\n'));
      await splitsLikeJsonParse(' \r\n\t{ "Records" \n:\t[ {"a" : 1 } ,\n\n{ "b":[ 1 , 2 ] }\r\n] \t}\n  ');
    });

    it('finds Records when it is not the first key and skips other top-level values', async () => {
      const json =
        '{"digest":{"a":[1,{"b":"}]"}],"c":"x\\"y"},"n":-1.5e3,"t":true,"f":false,"z":null,"s":"Records",' +
        '"arr":[[],{},"]"],"Records":[{"id":1},{"id":2}],"after":{"Records":[{"id":3}]},"last":0}';
      await splitsLikeJsonParse(json);
      const { records } = await split(json);
      assert.deepEqual(
        records.map((r) => r.bytes.toString()),
        ['{"id":1}', '{"id":2}'],
      );
    });

    it('is not fooled by a nested "Records" key or a "Records" string before the real one', async () => {
      const json =
        '{"meta":{"Records":[{"decoy":1}],"x":["\\"Records\\":[{\\"decoy\\":2}]"]},"Records":[{"real":1}]}';
      const { records, error } = await split(json, 3);
      assert.equal(error, undefined);
      assert.deepEqual(
        records.map((r) => r.bytes.toString()),
        ['{"real":1}'],
      );
    });

    it('accepts an escaped spelling of the Records key', async () => {
      const { records, error } = await split('{"Rec\\u006frds":[{"a":1}]}');
      assert.equal(error, undefined);
      assert.equal(records.length, 1);
    });

    it('keeps escapes and multi-byte UTF-8 intact when split at every byte position', async () => {
      const json = Buffer.from(
        '{"Records":[{"s":"quote \\" backslash \\\\ end\\\\","u":"\\u00e9\\ud83d\\ude00","raw":"é 中文 😀"},' +
          '{"k\\"ey":"\\\\\\"","e":["\\\\","]","}","{\\"x\\":1}"]},{"last":"ü"}]}',
      );
      const expected = (JSON.parse(json.toString('utf8')) as { Records: unknown[] }).Records;
      for (let cut = 1; cut < json.length; cut++) {
        for (const second of [cut + 1, cut + 2, cut + 5]) {
          const cuts = second < json.length ? [cut, second] : [cut];
          const { records, error } = await collect(splitRecords(cutAt(json, cuts), LIMITS));
          assert.equal(error, undefined, `cuts ${cuts.join(',')}: ${String(error)}`);
          assert.deepEqual(parsedRecords(json, records), expected, `cuts ${cuts.join(',')}`);
        }
      }
    });

    it("finds quotes and escapes at every position within the scanner's 4-byte words, across cuts", async () => {
      // Strings whose quote, backslash or escaped quote falls at each alignment (the string loop
      // reads four bytes at a time), with runs of backslashes and multi-byte UTF-8 around them.
      const values: string[] = [];
      for (let pad = 0; pad < 9; pad++) {
        const p = 'abcdefghi'.slice(0, pad);
        values.push(
          p,
          `${p}\\"`,
          `${p}\\\\`,
          `\\"${p}`,
          `\\\\${p}\\\\`,
          `${p}\\\\\\"x`,
          `é${p}\\"}]`,
          `${p}\\u0022`,
        );
      }
      const records = values.map((v, i) => `{"k${i}":"${v}","n":[${i},"${v}"],"${v}":{}}`);
      const json = Buffer.from(`{"Records":[${records.join(',')}]}`);
      const expected = (JSON.parse(json.toString('utf8')) as { Records: unknown[] }).Records;
      assert.equal(expected.length, values.length);
      for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 4096]) {
        for (const shift of [0, 1, 2, 3]) {
          const cuts: number[] = [];
          for (let at = shift || size; at < json.length; at += size) cuts.push(at);
          const { records: got, error } = await collect(splitRecords(cutAt(json, cuts), LIMITS));
          assert.equal(error, undefined, `size ${size} shift ${shift}: ${String(error)}`);
          assert.deepEqual(parsedRecords(json, got), expected, `size ${size} shift ${shift}`);
        }
      }
      // And unbroken strings long enough for many words, with the quote at each alignment.
      for (let length = 0; length < 40; length++) {
        await splitsLikeJsonParse(
          `{"Records":[{"s":"${'x'.repeat(length)}"},{"t":"${'\\\\'.repeat(length % 5)}y"}]}`,
          [1, 3, 4, 5, Infinity],
        );
      }
    });

    it('yields nothing for an empty Records array', async () => {
      for (const json of ['{"Records":[]}', '{ "Records" : [ \n ] , "x": 1 }']) {
        assert.deepEqual(await split(json, 1), { records: [] });
      }
    });

    it('tolerates a UTF-8 byte order mark, even split across chunks', async () => {
      const json = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Records":[{"a":1}]}')]);
      for (const size of [1, 2, 100]) {
        const { records, error } = await split(json, size);
        assert.equal(error, undefined);
        assert.deepEqual(parsedRecords(json, records), [{ a: 1 }]);
        assert.equal(records[0]!.offset, 15);
      }
      const { error } = await split(Buffer.from([0x20, 0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
      streamError(error, 'json');
    });

    it('reads concatenated documents in turn, numbering records on', async () => {
      const json = '{"Records":[{"a":1},{"a":2}]}\n{"Records":[{"a":3}]}';
      const { records, error } = await split(json, 5);
      assert.equal(error, undefined);
      assert.deepEqual(
        records.map((r) => [r.index, r.bytes.toString()]),
        [
          [0, '{"a":1}'],
          [1, '{"a":2}'],
          [2, '{"a":3}'],
        ],
      );
    });

    it('gives offsets of each record in the stream', async () => {
      const json = '{"x":1, "Records": [ {"a":1},\n {"b":2} ]}';
      const { records } = await split(json, 4);
      assert.deepEqual(
        records.map((r) => r.offset),
        [json.indexOf('{"a"'), json.indexOf('{"b"')],
      );
    });
  });

  describe('flagged elements', () => {
    it('yields non-object elements flagged notObject, and carries on', async () => {
      const json = '{"Records":[{"a":1}, 5, "s", [1,{"b":2}], null, true, -0.5e-3, {"c":3}]}';
      for (const size of [1, 3, Infinity]) {
        const { records, error } = await split(json, size);
        assert.equal(error, undefined);
        assert.deepEqual(
          records.map((r) => [r.index, r.bytes.toString(), r.notObject ?? false]),
          [
            [0, '{"a":1}', false],
            [1, '5', true],
            [2, '"s"', true],
            [3, '[1,{"b":2}]', true],
            [4, 'null', true],
            [5, 'true', true],
            [6, '-0.5e-3', true],
            [7, '{"c":3}', false],
          ],
        );
        const problem = records[1]!.problem!;
        assert.equal(problem.kind, 'not-object');
        assert.equal(problem.position?.record, 1);
        assert.match(problem.message, /^test\.json: record 1 at byte 21 is not a JSON object$/);
      }
    });

    it('yields a record over maxRecordBytes as a tooLarge marker without bytes, then the next records', async () => {
      const big = `{"big":"${'x'.repeat(5000)}","n":[{"deep":"}"}]}`;
      const json = `{"Records":[{"a":1},${big},{"b":2},{"c":"${'y'.repeat(900)}"}]}`;
      for (const size of [1, 64, 4096, Infinity]) {
        const { records, error } = await split(json, size, { maxRecordBytes: 1000, sourceName: 'big.json' });
        assert.equal(error, undefined);
        assert.equal(records.length, 4);
        const marker = records[1]!;
        assert.equal(marker.tooLarge, true);
        assert.equal(marker.bytes.length, 0);
        assert.equal(marker.size, big.length);
        assert.equal(marker.offset, json.indexOf('{"big"'));
        assert.equal(marker.problem?.kind, 'limit');
        assert.match(
          marker.problem!.message,
          /record 1 at byte \d+ is 5\d{3} bytes, over the 1000-byte limit/,
        );
        assert.deepEqual(JSON.parse(records[2]!.bytes.toString()), { b: 2 });
        assert.equal(records[3]!.tooLarge, undefined);
        assert.equal(records[3]!.size, 908);
      }
    });
  });

  describe('errors', () => {
    it('reports a document without Records as no-records', async () => {
      for (const json of ['{"foo":1}', '{}', '{"records":[{"a":1}]}', '{"x":{"Records":[{"a":1}]}}']) {
        const { records, error } = await split(json, 2);
        assert.equal(records.length, 0, json);
        const failure = streamError(error, 'no-records');
        assert.equal(failure.message, 'test.json: no top-level "Records" array');
      }
    });

    it('reports Records that is not an array', async () => {
      const { error } = await split('{"Records":{"a":1}}');
      const failure = streamError(error, 'json');
      assert.match(failure.message, /"Records" is not an array \(found '\{' at byte 11\)/);
    });

    it('reports input that is not a JSON object', async () => {
      for (const json of ['', '   ', '[{"a":1}]', '<html>', 'null']) {
        const { error } = await split(json);
        streamError(error, 'json');
      }
    });

    it('yields every complete record before a truncation, then reports where it ended', async function () {
      this.timeout(60_000);
      const { json } = sampleWithAbout(6);
      const { records: all } = await split(json);
      assert.ok(all.length >= 3);
      const ends = all.map((r) => r.offset + r.size);
      for (let cut = 0; cut < json.length; cut++) {
        const truncated = json.subarray(0, cut);
        const { records, error } = await collect(
          splitRecords(cutAt(truncated, [Math.floor(cut / 2)]), LIMITS),
        );
        const complete = ends.filter((end) => end <= cut).length;
        assert.equal(records.length, complete, `cut at ${cut}`);
        assert.deepEqual(
          records.map((r) => r.bytes),
          all.slice(0, complete).map((r) => r.bytes),
        );
        const failure = streamError(error, 'json');
        assert.equal(failure.position?.byte, cut, failure.message);
        assert.match(
          failure.message,
          cut === 0 ? /empty input/ : new RegExp(`unexpected end of input .*at byte ${cut}$`),
        );
        const closed = json.lastIndexOf(']');
        if (cut > json.indexOf('[') && cut <= closed) {
          assert.equal(failure.position?.record, complete, `cut at ${cut}`);
          const after = complete === 0 ? 'before record 0' : `after record ${complete - 1}`;
          assert.ok(failure.message.includes(after), failure.message);
        }
      }
    });

    it('reports garbage between records with its byte offset and record index', async () => {
      const json = '{"Records":[{"a":1},{"b":2},x{"c":3}]}';
      const { records, error } = await split(json, 3);
      assert.equal(records.length, 2);
      const failure = streamError(error, 'json');
      assert.equal(failure.position?.byte, json.indexOf('x'));
      assert.equal(failure.position?.record, 2);
      assert.match(failure.message, /unexpected 'x' at byte 28 after record 1/);

      const missingComma = await split('{"Records":[{"a":1} {"b":2}]}');
      assert.match(
        streamError(missingComma.error, 'json').message,
        /unexpected '\{' at byte 20 after record 0, expected ',' or '\]'/,
      );
      const trailingComma = await split('{"Records":[{"a":1},]}');
      assert.equal(trailingComma.records.length, 1);
      streamError(trailingComma.error, 'json');
      const badWord = await split('{"Records":[{"a":1},nul,{"b":2}]}');
      assert.match(streamError(badWord.error, 'json').message, /invalid value 'nul' at byte 20/);
    });

    it('reports mismatched brackets inside a record', async () => {
      const { records, error } = await split('{"Records":[{"a":1},{"b":[2}},{"c":3}]}', 2);
      assert.equal(records.length, 1);
      const failure = streamError(error, 'json');
      assert.equal(failure.position?.byte, 27);
      assert.equal(failure.position?.record, 1);
      assert.match(failure.message, /mismatched '\}' at byte 27 in record 1/);
    });

    it('reports data after the document, after yielding its records', async () => {
      const { records, error } = await split('{"Records":[{"a":1}]} junk');
      assert.equal(records.length, 1);
      assert.match(streamError(error, 'json').message, /unexpected 'j' at byte 22/);
    });

    it('reports a duplicate Records key', async () => {
      const { records, error } = await split('{"Records":[{"a":1}],"Records":[{"b":2}]}');
      assert.equal(records.length, 1);
      assert.match(streamError(error, 'json').message, /duplicate "Records" key/);
    });
  });
});
