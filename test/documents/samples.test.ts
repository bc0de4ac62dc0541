import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { recoverRecord } from '../../src/documents/recover.js';
import { indexTemplate } from '../../src/template/template.js';
import {
  buildRecord,
  OBJECT_TIME,
  pairsOf,
  rejections,
  SAMPLES_DIR,
  sampleRecords,
  text,
} from './helpers.js';

/** MANIFEST.tsv: where each sample file came from and how many records it holds (column `records`). */
function readManifest(): Map<string, number> {
  const [header, ...rows] = readFileSync(join(SAMPLES_DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const columns = header!.split('\t');
  const keyColumn = columns.indexOf('key');
  const recordsColumn = columns.indexOf('records');
  return new Map(
    rows.map((row) => row.split('\t')).map((cells) => [cells[keyColumn]!, Number(cells[recordsColumn])]),
  );
}

const mappings = indexTemplate({ indexPrefix: 'cloudtrail-' }).body.template as {
  mappings: Record<string, unknown>;
};

describe('documents from the sample corpus', () => {
  const samples = sampleRecords();

  it('reads the whole corpus: every log file holds the records its MANIFEST.tsv row says', () => {
    const manifest = readManifest();
    assert.ok(manifest.size > 0, 'MANIFEST.tsv lists the sample files');
    const counted = new Map<string, number>();
    for (const sample of samples) {
      const key = relative(SAMPLES_DIR, sample.file);
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    for (const [key, records] of manifest) assert.equal(counted.get(key) ?? 0, records, key);
    const listed = [...manifest.values()].reduce((sum, records) => sum + records, 0);
    const unlisted = [...counted].filter(([key]) => !manifest.has(key));
    assert.equal(samples.length, listed + unlisted.reduce((sum, [, records]) => sum + records, 0));
  });

  it('builds every record into a one-line document OpenSearch would accept under our template', () => {
    for (const sample of samples) {
      const document = buildRecord(sample.bytes, sample.index, {
        indexPrefix: 'cloudtrail-',
        sourceName: `file://${sample.file}`,
        keyDate: '2021-12-02',
        objectTimeMs: OBJECT_TIME,
      });
      assert.ok(!text(document).includes('\n'), `${sample.file}#${sample.index}: multi-line source`);
      const source = JSON.parse(text(document)) as Record<string, unknown>;
      assert.deepEqual(rejections(mappings.mappings, source), [], `${sample.file}#${sample.index}`);
      assert.match(document.index, /^cloudtrail-2\d{3}-\d{2}-\d{2}$/);
      for (const pair of pairsOf(source)) assert.ok(Buffer.byteLength(pair) <= 2048);
    }
  });

  it('keeps every original key and value: the record is recovered exactly from _source', () => {
    for (const sample of samples) {
      const document = buildRecord(sample.bytes, sample.index, {
        indexPrefix: 'cloudtrail-',
        sourceName: 's3://bucket/key.json.gz',
        objectTimeMs: OBJECT_TIME,
      });
      assert.deepEqual(recoverRecord(text(document)), sample.record, `${sample.file}#${sample.index}`);
    }
  });

  it('uses eventID as _id whenever the record has one, and distinct ids for all records', () => {
    const ids = new Set<string>();
    for (const sample of samples) {
      const context = { indexPrefix: 'ct-', sourceName: 'x', objectTimeMs: OBJECT_TIME };
      const document = buildRecord(sample.bytes, sample.index, context);
      if (typeof sample.record.eventID === 'string') assert.equal(document.id, sample.record.eventID);
      else assert.match(document.id, /^h-[A-Za-z0-9_-]{32}$/);
      ids.add(document.id);
    }
    assert.equal(ids.size, samples.length);
  });

  it('puts the free-form objects into pairs (requestParameters.bucketName of S3 events)', () => {
    const s3 = samples.filter(
      (s) =>
        typeof s.record.requestParameters === 'object' &&
        s.record.requestParameters !== null &&
        typeof (s.record.requestParameters as Record<string, unknown>).bucketName === 'string',
    );
    assert.ok(s3.length > 100);
    for (const sample of s3) {
      const source = JSON.parse(
        text(buildRecord(sample.bytes, 0, { indexPrefix: 'c-', sourceName: 'x', objectTimeMs: OBJECT_TIME })),
      ) as Record<string, unknown>;
      const bucket = (sample.record.requestParameters as Record<string, string>).bucketName!;
      assert.ok(pairsOf(source).includes(`requestParameters.bucketName=${bucket}`.slice(0, 2048)));
    }
  });
});
