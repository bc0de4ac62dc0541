import { strict as assert } from 'node:assert';
import { createReadStream, readFileSync } from 'node:fs';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { decodedStream } from '../../src/records/decode.js';
import { RecordStreamError } from '../../src/records/errors.js';
import { readRecords } from '../../src/records/index.js';
import { chunked, collect, digestFiles, sampleLogFiles, sampleWithAbout, streamError } from './helpers.js';

const OPTIONS = {
  maxDecompressedBytes: 64 << 20,
  maxRecordBytes: 1 << 20,
  sourceName: 's3://bucket/key.json.gz',
};

async function drain(stream: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

/** ~`megabytes` MB of one repeated byte, gzipped without ever holding the plain bytes. */
async function gzipBomb(megabytes: number, fill: number, prefix = ''): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const block = Buffer.alloc(1 << 20, fill);
  const parts: Buffer[] = [];
  gzip.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(prefix);
  for (let i = 0; i < megabytes; i++) {
    if (!gzip.write(block)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(parts);
}

describe('decodedStream / readRecords', () => {
  it('gunzips every sample file, fed in 1-, 64-byte and whole-file compressed chunks', async function () {
    this.timeout(60_000);
    for (const file of sampleLogFiles()) {
      const gzipped = readFileSync(file);
      const expected = (JSON.parse(gunzipSync(gzipped).toString('utf8')) as { Records: unknown[] }).Records;
      for (const size of file.length % 4 === 0 ? [1, 64, gzipped.length] : [64, 4096, gzipped.length]) {
        const { records, error } = await collect(readRecords(chunked(gzipped, size), OPTIONS));
        assert.equal(error, undefined, `${file} @${size}: ${String(error)}`);
        assert.deepEqual(
          records.map((r) => JSON.parse(r.bytes.toString('utf8')) as unknown),
          expected,
          `${file} @${size}`,
        );
      }
    }
  });

  it('reads a Node stream (fs.createReadStream) as well as an async iterable', async () => {
    const [file] = sampleLogFiles();
    const { records, error } = await collect(
      readRecords(createReadStream(file!, { highWaterMark: 1000 }), OPTIONS),
    );
    assert.equal(error, undefined);
    assert.equal(
      records.length,
      (JSON.parse(gunzipSync(readFileSync(file!)).toString()) as { Records: [] }).Records.length,
    );
  });

  it('passes plain (not gzipped) JSON through unchanged, even when it arrives a byte at a time', async () => {
    const { json, records: expected } = sampleWithAbout(20);
    for (const size of [1, 1000, json.length]) {
      const { bytes, error } = await drain(decodedStream(chunked(json, size), OPTIONS));
      assert.equal(error, undefined);
      assert.ok(bytes.equals(json));
    }
    const { records } = await collect(readRecords(chunked(json, 333), OPTIONS));
    assert.equal(records.length, expected.length);
  });

  it('decodes multi-member gzip (members split inside records and strings)', async () => {
    const { json, records: expected } = sampleWithAbout(20);
    const cuts = [0, 1, 17, Math.floor(json.length / 3), Math.floor(json.length / 2) + 5, json.length];
    const members = cuts.slice(1).map((end, i) => gzipSync(json.subarray(cuts[i], end)));
    const gzipped = Buffer.concat(members);
    for (const size of [7, 4096, gzipped.length]) {
      const { bytes, error } = await drain(decodedStream(chunked(gzipped, size), OPTIONS));
      assert.equal(error, undefined);
      assert.ok(bytes.equals(json), `chunk size ${size}`);
    }
    const { records } = await collect(readRecords(chunked(gzipped, 100), OPTIONS));
    assert.deepEqual(
      records.map((r) => JSON.parse(r.bytes.toString()) as unknown),
      expected,
    );
  });

  it('reports corrupt gzip as a gzip error naming the source and compressed position', async () => {
    const { path } = sampleWithAbout(700);
    const gzipped = readFileSync(path);

    const badMethod = Buffer.from(gzipped);
    badMethod[2] = 7;
    const header = await collect(readRecords(chunked(badMethod, 4096), OPTIONS));
    const headerError = streamError(header.error, 'gzip');
    assert.equal(headerError.sourceName, OPTIONS.sourceName);
    assert.match(
      headerError.message,
      /^s3:\/\/bucket\/key\.json\.gz: not valid gzip in compressed bytes 0-\d+: unknown compression method$/,
    );
    assert.equal(headerError.position?.byte, 0);
    assert.ok(headerError.cause instanceof Error);

    const damaged = Buffer.from(gzipped);
    damaged.fill(0xff, 40_000, 40_016);
    const middle = await collect(readRecords(chunked(damaged, 4096), OPTIONS));
    assert.ok(middle.records.length > 0, 'records before the damage are delivered');
    const middleError = streamError(middle.error, 'gzip');
    const [, from, to] = /in compressed bytes (\d+)-(\d+): /.exec(middleError.message) ?? [];
    assert.ok(Number(from) <= 40_000 && Number(to) > 40_000, middleError.message);
    assert.equal(middleError.position?.byte, Number(from));

    const badChecksum = Buffer.from(gzipped);
    badChecksum[badChecksum.length - 6]! ^= 1;
    const checksum = await collect(readRecords(chunked(badChecksum, 4096), OPTIONS));
    assert.match(streamError(checksum.error, 'gzip').message, /incorrect data check/);
  });

  it('reports truncated gzip with the offset where the input ended, after the records before it', async () => {
    const { path } = sampleWithAbout(700);
    const gzipped = readFileSync(path);
    for (const cut of [3, 10, 500, 30_000, gzipped.length - 1]) {
      const { records, error } = await collect(readRecords(chunked(gzipped.subarray(0, cut), 1000), OPTIONS));
      const failure = streamError(error, 'gzip');
      assert.equal(
        failure.message,
        `${OPTIONS.sourceName}: not valid gzip at compressed byte ${cut}: unexpected end of file`,
      );
      assert.equal(failure.position?.byte, cut);
      if (cut === 30_000) assert.ok(records.length > 100, `${records.length} records before the cut`);
    }
  });

  it('stops a gzip bomb with a limit error, quickly and in bounded memory', async function () {
    this.timeout(30_000);
    const zeros = await gzipBomb(100, 0);
    assert.ok(zeros.length < 200_000, `bomb is ${zeros.length} bytes`);
    const rssBefore = process.memoryUsage().rss;
    const limit = { ...OPTIONS, maxDecompressedBytes: 10 << 20 };
    let pulled = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of chunked(zeros, 4096)) {
        pulled++;
        yield chunk;
      }
    }
    const { bytes, error } = await drain(decodedStream(counted(), limit));
    const failure = streamError(error, 'limit');
    assert.equal(
      failure.message,
      `${OPTIONS.sourceName}: decompressed size exceeds ${10 << 20} bytes (MAX_DECOMPRESSED_BYTES)`,
    );
    assert.ok(bytes.length <= 10 << 20);
    // Quickly means without inflating the rest: 10 MiB of the 100 MiB is about a tenth of the input.
    const chunks = Math.ceil(zeros.length / 4096);
    assert.ok(pulled < chunks / 2, `read ${pulled} of ${chunks} compressed chunks`);

    // Through the splitter: the bomb is whitespace inside a valid Records array.
    const spaces = await gzipBomb(100, 0x20, '{"Records":[{"a":1},');
    const viaRecords = await collect(readRecords(chunked(spaces, 65536), limit));
    assert.equal(viaRecords.records.length, 1);
    streamError(viaRecords.error, 'limit');
    const growth = process.memoryUsage().rss - rssBefore;
    assert.ok(growth < 60 << 20, `RSS grew ${growth >> 20} MB`);
  });

  it('applies the decompressed-size limit to plain input too', async () => {
    const json = Buffer.from(`{"Records":[{"a":"${'x'.repeat(1000)}"}]}`);
    const { error } = await drain(
      decodedStream(chunked(json, 100), { ...OPTIONS, maxDecompressedBytes: 500 }),
    );
    streamError(error, 'limit');
    const exact = await drain(
      decodedStream(chunked(json, 100), { ...OPTIONS, maxDecompressedBytes: json.length }),
    );
    assert.equal(exact.error, undefined);
  });

  it('passes errors of the source itself through unchanged (not as file faults)', async () => {
    const { path, json } = sampleWithAbout(20);
    for (const bytes of [readFileSync(path), json]) {
      const failure = new Error('socket hang up');
      const source = (async function* () {
        yield bytes.subarray(0, 2000);
        yield bytes.subarray(2000, 4000);
        throw failure;
      })();
      const { error } = await collect(readRecords(source, OPTIONS));
      assert.equal(error, failure);
      assert.ok(!(error instanceof RecordStreamError));
    }
  });

  it('closes the source when the consumer stops early, having read only a little ahead', async () => {
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
      for await (const record of readRecords(source, OPTIONS)) {
        assert.equal(record.index, 0);
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

  it('sniffs gzip even when the first chunk holds a single byte', async () => {
    const { json } = sampleWithAbout(3);
    const gzipped = gzipSync(json);
    const source = (async function* () {
      yield gzipped.subarray(0, 1);
      yield new Uint8Array(0);
      yield new Uint8Array(gzipped.subarray(1));
    })();
    const { bytes, error } = await drain(decodedStream(source, OPTIONS));
    assert.equal(error, undefined);
    assert.ok(bytes.equals(json));
  });
});

describe('readRecords with a Node stream source', () => {
  it('destroys the stream when the consumer stops early or the file is malformed', async () => {
    const [file] = sampleLogFiles();
    const early = createReadStream(file!, { highWaterMark: 512 });
    for await (const record of readRecords(early, OPTIONS)) {
      assert.equal(record.index, 0);
      break;
    }
    assert.ok(early.destroyed, 'destroyed after an early stop');

    const digest = createReadStream(digestFiles()[0]!, { highWaterMark: 64 });
    const { error } = await collect(readRecords(digest, OPTIONS));
    streamError(error, 'no-records');
    assert.ok(digest.destroyed, 'destroyed after a file fault');
  });
});
