import { strict as assert } from 'node:assert';
import { buildDocument } from '../../src/documents/builder.js';
import { errorReasonChain, healDocument } from '../../src/documents/heal.js';
import { documentFromText, sourceText } from '../../src/documents/memory.js';
import { recoverRecord } from '../../src/documents/recover.js';
import type { BulkDocument } from '../../src/types.js';

const record = {
  eventTime: '2021-12-02T22:14:31Z',
  eventName: 'CreateBucket',
  eventID: 'e-1',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/a' },
  errorMessage: 'x'.repeat(40_000),
  requestParameters: { bucketName: 'b', x: 'abc', filter: [{ values: ['v'] }] },
  responseElements: null,
  additionalEventData: { bytesTransferredIn: 0 },
  p_log_type: 'AWS.CloudTrail',
};

function built(): BulkDocument {
  return buildDocument(Buffer.from(JSON.stringify(record)), 3, {
    indexPrefix: 'ct-',
    sourceName: 's3://b/k',
  });
}

function heal(type: string, reason: string) {
  const document = built();
  const healed = healDocument(document, type, reason);
  assert.ok(healed, reason);
  assert.equal(healed.id, document.id);
  assert.equal(healed.index, document.index);
  const source = JSON.parse(sourceText(healed)) as Record<string, unknown> & { ct: Record<string, unknown> };
  assert.ok((source.ct.tags as string[]).includes('healed'));
  assert.deepEqual(recoverRecord(sourceText(healed)), record); // nothing of the record is lost
  return {
    source,
    original: JSON.parse((source.ct.original as string | undefined) ?? '{}') as Record<string, unknown>,
  };
}

describe('healDocument', () => {
  it('failed to parse field [requestParameters.x] of type [long]: moves that leaf aside', () => {
    const { source, original } = heal(
      'mapper_parsing_exception',
      "failed to parse field [requestParameters.x] of type [long] in document with id 'e-1'. Preview of field's value: 'abc'",
    );
    assert.deepEqual(original, { '/requestParameters/x': 'abc' });
    assert.deepEqual(source.requestParameters, { bucketName: 'b', filter: [{ values: ['v'] }] });
  });

  it('object mapping ... found a concrete value: moves the whole value of that path', () => {
    const { source, original } = heal(
      'mapper_parsing_exception',
      'object mapping for [requestParameters] tried to parse field [requestParameters] as object, but found a concrete value',
    );
    assert.deepEqual(Object.keys(original), ['/requestParameters']);
    assert.equal(source.requestParameters, undefined);
  });

  it('a path through an array moves the array (array positions are not in mapping paths)', () => {
    const { original } = heal(
      'mapper_parsing_exception',
      "failed to parse field [requestParameters.filter.values] of type [long] in document with id 'e-1'. Preview of field's value: 'v'",
    );
    assert.deepEqual(original, { '/requestParameters/filter': [{ values: ['v'] }] });
  });

  it('immense term in a multi-field: moves the parent value', () => {
    const { source, original } = heal(
      'illegal_argument_exception',
      'Document contains at least one immense term in field="errorMessage.keyword" (whose UTF8 encoding is longer than the max length 32766), all of which were skipped.  Please correct the analyzer to not produce such terms.  The prefix of the first immense term is: \'[120, 120]...\', original message: bytes can be at most 32766 in length; got 40000',
    );
    assert.deepEqual(Object.keys(original), ['/errorMessage']);
    assert.equal(source.errorMessage, undefined);
  });

  it('Limit of total fields: keeps only the typed fields indexed', () => {
    const { source, original } = heal(
      'illegal_argument_exception',
      'Limit of total fields [1000] has been exceeded',
    );
    assert.deepEqual(Object.keys(original).sort(), [
      '/additionalEventData',
      '/p_log_type',
      '/requestParameters',
      '/responseElements',
    ]);
    assert.deepEqual(Object.keys(source).sort(), [
      '@timestamp',
      'ct',
      'errorMessage',
      'eventID',
      'eventName',
      'eventTime',
      'userIdentity',
    ]);
  });

  it('mapper cannot be changed / dynamic mapping / depth / strict errors name their path too', () => {
    for (const [type, reason, pointer] of [
      [
        'illegal_argument_exception',
        'mapper [additionalEventData.bytesTransferredIn] cannot be changed from type [long] to [float]',
        '/additionalEventData/bytesTransferredIn',
      ],
      [
        'illegal_argument_exception',
        'Could not dynamically add mapping for field [p_log_type.sub]. Existing mapping for [p_log_type] must be of type object but found [keyword].',
        '/p_log_type',
      ],
      [
        'illegal_argument_exception',
        'Limit of mapping depth [20] has been exceeded due to object field [requestParameters.filter]',
        '/requestParameters/filter',
      ],
      [
        'strict_dynamic_mapping_exception',
        'mapping set to strict, dynamic introduction of [bucketName] within [requestParameters] is not allowed',
        '/requestParameters/bucketName',
      ],
    ] as const) {
      assert.deepEqual(Object.keys(heal(type, reason).original), [pointer], reason);
    }
  });

  it('a document that repeats a key (built by an earlier version) keeps the last value, the others in ct.overwritten', () => {
    // As stored in a dead letter by a version that copied such records as they were.
    const earlier =
      '{"@timestamp":"2021-12-02T00:00:00.000Z","ct":{"source":"x","recordIndex":0,"tags":["eventTime-from-s3-key"]},' +
      '"eventID":"e","a":1,"b":{"c":[1],"c":{"d":2}},"a":2}';
    const document = documentFromText({ index: 'ct-2021-12-02', id: 'e', recordIndex: 0 }, earlier);
    // OpenSearch says `Duplicate field 'a'` only in the nested cause; the sender passes the top reason.
    const healed = healDocument(document, 'mapper_parsing_exception', 'failed to parse');
    assert.ok(healed);
    const text = sourceText(healed);
    assert.equal((text.match(/"a":/g) ?? []).length, 1);
    const source = JSON.parse(text) as { a: number; b: unknown; ct: { overwritten: string; tags: string[] } };
    assert.equal(source.a, 2);
    assert.deepEqual(source.b, { c: { d: 2 } });
    assert.deepEqual(JSON.parse(source.ct.overwritten), { '/b/c': [[1]], '/a': [1] });
    assert.deepEqual(source.ct.tags, ['eventTime-from-s3-key', 'duplicate-keys', 'healed']);
    assert.deepEqual(recoverRecord(text), { eventID: 'e', a: 2, b: { c: { d: 2 } } });
  });

  it('a conflict on a derived ct field drops that field only', () => {
    const healed = healDocument(
      built(),
      'mapper_parsing_exception',
      "failed to parse field [ct.pairs] of type [long] in document with id 'e-1'",
    )!;
    const source = JSON.parse(sourceText(healed)) as { ct: Record<string, unknown> };
    assert.equal(source.ct.pairs, undefined);
    assert.equal(source.ct.source, 's3://b/k');
    assert.deepEqual(recoverRecord(sourceText(healed)), record);
  });

  it('returns undefined when it cannot help', () => {
    const document = built();
    assert.equal(
      healDocument(document, 'version_conflict_engine_exception', '[e-1]: version conflict'),
      undefined,
    );
    assert.equal(healDocument(document, 'mapper_parsing_exception', 'failed to parse'), undefined);
    assert.equal(
      healDocument(document, 'mapper_parsing_exception', 'failed to parse field [nope.none] of type [long]'),
      undefined,
    );
    assert.equal(
      healDocument(document, 'mapper_parsing_exception', 'failed to parse field [@timestamp] of type [date]'),
      undefined,
    );
    assert.equal(
      healDocument(
        document,
        'mapper_parsing_exception',
        'failed to parse field [ct.original] of type [long]',
      ),
      undefined,
    );
    assert.equal(
      healDocument(
        documentFromText(document, '{"a":1}'),
        'mapper_parsing_exception',
        'failed to parse field [a] of type [long]',
      ),
      undefined,
    );
  });

  it('errorReasonChain joins nested reasons', () => {
    assert.equal(
      errorReasonChain({
        type: 'mapper_parsing_exception',
        reason: 'failed to parse',
        caused_by: { type: 'json_parse_exception', reason: "Duplicate field 'a'" },
      }),
      "failed to parse | Duplicate field 'a'",
    );
  });
});
