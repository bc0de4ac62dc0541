import { strict as assert } from 'node:assert';
import { recoverRecord } from '../../src/documents/recover.js';
import { indexTemplate } from '../../src/template/template.js';
import { buildRecord, OBJECT_TIME, pairsOf, rejections, sampleRecords, text } from './helpers.js';

const mappings = indexTemplate({ indexPrefix: 'cloudtrail-' }).body.template as {
  mappings: Record<string, unknown>;
};

describe('documents from the sample corpus', () => {
  const samples = sampleRecords();

  it('reads the whole corpus', () => {
    assert.equal(samples.length, 1214);
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
