import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { readRecords } from '../../src/records/index.js';
import { decompressedSample, sampleLogFiles } from './helpers.js';

const TARGET_BYTES = 300 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** A CloudTrail document of ~TARGET_BYTES built on the fly from the sample records, in ~1 MB pieces. */
function* generatedDocument(
  recordTexts: string[],
  stats: { records: number; bytes: number },
): Generator<Buffer> {
  let batch = '{"Records":[';
  let first = true;
  while (stats.bytes < TARGET_BYTES) {
    const text = recordTexts[stats.records % recordTexts.length]!;
    batch += first ? text : `,${text}`;
    first = false;
    stats.records++;
    stats.bytes += text.length + 1;
    if (batch.length > 1 << 20) {
      yield Buffer.from(batch);
      batch = '';
    }
  }
  yield Buffer.from(`${batch}]}`);
}

/** Re-cuts a stream into CHUNK_BYTES pieces, as an S3 body would arrive. */
async function* inChunks(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const piece of stream) {
    for (let at = 0; at < piece.length; at += CHUNK_BYTES) yield piece.subarray(at, at + CHUNK_BYTES);
  }
}

describe('readRecords memory', () => {
  it('streams a 300 MB (uncompressed) gzip file with RSS growth under 100 MB', async function () {
    this.timeout(120_000);
    const recordTexts = sampleLogFiles()
      .slice(0, 40)
      .flatMap(
        (file) => (JSON.parse(decompressedSample(file).toString('utf8')) as { Records: unknown[] }).Records,
      )
      .map((record) => JSON.stringify(record));
    const generated = { records: 0, bytes: 0 };
    const gzipped = Readable.from(generatedDocument(recordTexts, generated)).pipe(createGzip({ level: 1 }));

    const rssBefore = process.memoryUsage.rss();
    let peakRss = rssBefore;
    let count = 0;
    let recordBytes = 0;
    const options = {
      maxDecompressedBytes: 1 << 30,
      maxRecordBytes: 1 << 20,
      sourceName: 'generated.json.gz',
    };
    for await (const record of readRecords(inChunks(gzipped), options)) {
      assert.equal(record.index, count);
      count++;
      recordBytes += record.size;
      if (count % 512 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    peakRss = Math.max(peakRss, process.memoryUsage.rss());

    assert.equal(count, generated.records);
    assert.ok(recordBytes > 290 * 1024 * 1024, `${recordBytes} record bytes`);
    const growthMb = (peakRss - rssBefore) / 1024 / 1024;
    assert.ok(growthMb < 100, `peak RSS grew ${growthMb.toFixed(0)} MB`);
    if (process.env.SHOW_RSS) console.log(`      peak RSS growth ${growthMb.toFixed(1)} MB`);
  });
});
