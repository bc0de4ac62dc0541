import { strict as assert } from 'node:assert';
import { normaliseEvent, TriggerError, type NormalisedUnit } from '../../src/trigger/normalise.js';
import {
  BUCKET,
  cloudTrailNotification,
  encodeLikeS3,
  eventBridgeObjectCreated,
  logKey,
  PREFIXED_KEY,
  PREFIXED_KEY_ENCODED,
  s3Notification,
  s3Record,
  s3TestEvent,
  snsEvent,
  snsMessage,
  sqsEvent,
  sqsRecord,
} from './events.js';

const KEY_A = logKey('us-east-1', '20221110T1625Z', 'LwlTngDNL0P6nNwO');
const KEY_B = logKey('eu-west-1', '20221110T1630Z', 'Ab12Cd34Ef56Gh78');
const DIGEST_KEY =
  'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2022/11/10/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20221110T162531Z.json.gz';
const INSIGHT_KEY =
  'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2022/11/10/111122223333_CloudTrail-Insight_us-east-1_20221110T1625Z_Qr7sT8uV9wX0yZ1a.json.gz';

/** Asserts a TriggerError whose message is exactly `message`. */
function assertTriggerError(event: unknown, message: string): void {
  assert.throws(
    () => normaliseEvent(event),
    (err: unknown) => {
      assert.ok(err instanceof TriggerError, `expected TriggerError, got ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

function only(units: NormalisedUnit[]): NormalisedUnit {
  assert.equal(units.length, 1);
  return units[0]!;
}

describe('normaliseEvent', () => {
  describe('direct S3 notification', () => {
    it('URL-decodes the key (+ is a space, %2B a plus, %3D an equals sign) and keeps size and ETag', () => {
      assert.equal(encodeLikeS3(PREFIXED_KEY), PREFIXED_KEY_ENCODED); // the fixture encoder agrees with S3's form
      const unit = only(
        normaliseEvent(s3Notification(s3Record(PREFIXED_KEY_ENCODED, { size: 981, eTag: 'abc123' }))),
      );
      assert.deepEqual(unit, {
        objects: [{ bucket: BUCKET, key: PREFIXED_KEY, size: 981, etag: 'abc123' }],
        skipped: [],
      });
      assert.equal('messageId' in unit, false);
    });

    it('gives one unit for a multi-record notification, in order, with skips split out', () => {
      const unit = only(
        normaliseEvent(
          s3Notification(
            s3Record(KEY_A, { eventName: 'ObjectCreated:CompleteMultipartUpload' }),
            s3Record(encodeLikeS3(DIGEST_KEY)),
            s3Record(KEY_B, { bucket: 'other-bucket', eventName: 'ObjectCreated:Copy' }),
          ),
        ),
      );
      assert.deepEqual(
        unit.objects.map((o) => [o.bucket, o.key]),
        [
          [BUCKET, KEY_A],
          ['other-bucket', KEY_B],
        ],
      );
      assert.deepEqual(unit.skipped, [{ bucket: BUCKET, key: DIGEST_KEY, reason: 'digest' }]);
    });

    it('ignores events that create nothing (ObjectRemoved, restores): no object, no skip', () => {
      const unit = only(
        normaliseEvent(
          s3Notification(
            s3Record(KEY_A, { eventName: 'ObjectRemoved:Delete' }),
            s3Record(KEY_B, { eventName: 'ObjectRestore:Completed' }),
          ),
        ),
      );
      assert.deepEqual(unit, { objects: [], skipped: [] });
    });

    it('turns s3:TestEvent into a unit with nothing to do, skipped as test-event', () => {
      assert.deepEqual(only(normaliseEvent(s3TestEvent('my-trail-bucket'))), {
        objects: [],
        skipped: [{ bucket: 'my-trail-bucket', key: '', reason: 'test-event' }],
      });
    });

    it('keeps a key that is not valid percent-encoding as it arrived instead of failing', () => {
      const raw = 'AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/bad%E0%A4%A_100%.json.gz';
      const unit = only(normaliseEvent(s3Notification(s3Record(raw))));
      assert.deepEqual(
        unit.objects.map((o) => o.key),
        [raw],
      );
    });

    it('lists an object named twice in one event only once', () => {
      const unit = only(normaliseEvent(s3Notification(s3Record(KEY_A), s3Record(KEY_A))));
      assert.equal(unit.objects.length, 1);
    });

    it('skips a zero-byte object using the size from the notification', () => {
      const unit = only(normaliseEvent(s3Notification(s3Record(KEY_A, { size: 0 }))));
      assert.deepEqual(unit.skipped, [{ bucket: BUCKET, key: KEY_A, reason: 'empty-object' }]);
      assert.deepEqual(unit.objects, []);
    });

    it('skips Insights files unless includeInsights is set', () => {
      const event = s3Notification(s3Record(INSIGHT_KEY));
      assert.deepEqual(only(normaliseEvent(event)).skipped, [
        { bucket: BUCKET, key: INSIGHT_KEY, reason: 'insight' },
      ]);
      assert.deepEqual(
        only(normaliseEvent(event, { includeInsights: true })).objects.map((o) => o.key),
        [INSIGHT_KEY],
      );
    });
  });

  describe('SNS', () => {
    it('unwraps an S3 notification published to SNS', () => {
      const event = snsEvent(JSON.stringify(s3Notification(s3Record(PREFIXED_KEY_ENCODED))));
      assert.deepEqual(
        only(normaliseEvent(event)).objects.map((o) => [o.bucket, o.key]),
        [[BUCKET, PREFIXED_KEY]],
      );
    });

    it("reads CloudTrail's own delivery notification, whose keys are not URL-encoded", () => {
      const event = snsEvent(JSON.stringify(cloudTrailNotification([PREFIXED_KEY, KEY_B, DIGEST_KEY])));
      const unit = only(normaliseEvent(event));
      assert.deepEqual(unit.objects, [
        { bucket: BUCKET, key: PREFIXED_KEY },
        { bucket: BUCKET, key: KEY_B },
      ]);
      assert.deepEqual(unit.skipped, [{ bucket: BUCKET, key: DIGEST_KEY, reason: 'digest' }]);
    });

    it("treats CloudTrail's topic validation message as a test event", () => {
      assert.deepEqual(only(normaliseEvent(snsEvent('CloudTrail validation message.'))).skipped, [
        { bucket: '', key: '', reason: 'test-event' },
      ]);
    });

    it('merges several SNS records into one unit', () => {
      const event = snsEvent(
        JSON.stringify(cloudTrailNotification([KEY_A])),
        JSON.stringify(s3Notification(s3Record(KEY_B))),
      );
      assert.deepEqual(
        only(normaliseEvent(event)).objects.map((o) => o.key),
        [KEY_A, KEY_B],
      );
    });
  });

  describe('SQS', () => {
    it('gives one unit per message, with its messageId, for every body shape', () => {
      const bodies = [
        JSON.stringify(s3Notification(s3Record(PREFIXED_KEY_ENCODED))), // S3 → SQS, or SNS raw delivery
        JSON.stringify(snsMessage(JSON.stringify(s3Notification(s3Record(KEY_A))))), // S3 → SNS → SQS
        JSON.stringify(cloudTrailNotification([KEY_B])), // CloudTrail → SNS raw delivery → SQS
        JSON.stringify(snsMessage(JSON.stringify(cloudTrailNotification([KEY_A, KEY_B])))), // CloudTrail → SNS → SQS
        JSON.stringify(eventBridgeObjectCreated(PREFIXED_KEY_ENCODED, { size: 77 })), // S3 → EventBridge → SQS
        JSON.stringify(s3TestEvent()),
      ];
      const units = normaliseEvent(sqsEvent(...bodies));
      assert.deepEqual(units, [
        {
          messageId: 'msg-0',
          objects: [
            { bucket: BUCKET, key: PREFIXED_KEY, size: 2345, etag: '0e7b0c7d4b1d1b0f5a3c2e1d9f8a7b6c' },
          ],
          skipped: [],
        },
        {
          messageId: 'msg-1',
          objects: [{ bucket: BUCKET, key: KEY_A, size: 2345, etag: '0e7b0c7d4b1d1b0f5a3c2e1d9f8a7b6c' }],
          skipped: [],
        },
        { messageId: 'msg-2', objects: [{ bucket: BUCKET, key: KEY_B }], skipped: [] },
        {
          messageId: 'msg-3',
          objects: [
            { bucket: BUCKET, key: KEY_A },
            { bucket: BUCKET, key: KEY_B },
          ],
          skipped: [],
        },
        {
          messageId: 'msg-4',
          objects: [
            { bucket: BUCKET, key: PREFIXED_KEY, size: 77, etag: 'b1946ac92492d2347c6235b4d2611184' },
          ],
          skipped: [],
        },
        { messageId: 'msg-5', objects: [], skipped: [{ bucket: BUCKET, key: '', reason: 'test-event' }] },
      ]);
    });

    it('marks only the malformed message as an error and still reads the rest of the batch', () => {
      const units = normaliseEvent(
        sqsEvent(
          JSON.stringify(cloudTrailNotification([KEY_A])),
          'hello, not json',
          JSON.stringify(cloudTrailNotification([KEY_B])),
        ),
      );
      assert.equal(units.length, 3);
      assert.deepEqual(units[0], {
        messageId: 'msg-0',
        objects: [{ bucket: BUCKET, key: KEY_A }],
        skipped: [],
      });
      assert.equal(units[1]!.messageId, 'msg-1');
      assert.deepEqual(units[1]!.objects, []);
      assert.match(units[1]!.error ?? '', /^Records\[1\]\.body: not JSON \(/);
      assert.deepEqual(units[2], {
        messageId: 'msg-2',
        objects: [{ bucket: BUCKET, key: KEY_B }],
        skipped: [],
      });
    });

    it('names the path through the SNS envelope when its Message is not JSON', () => {
      const [unit] = normaliseEvent(sqsEvent(JSON.stringify(snsMessage('{"Records": [truncated'))));
      assert.match(unit!.error ?? '', /^Records\[0\]\.body\.Message: not JSON \(/);
    });

    it('names the nested field when a body is JSON but lacks the bucket', () => {
      const notification = s3Notification(s3Record(KEY_A));
      delete (notification.Records[0]!.s3.bucket as { name?: string }).name;
      const [unit] = normaliseEvent(sqsEvent(JSON.stringify(notification)));
      assert.equal(
        unit!.error,
        'Records[0].body.Records[0].s3.bucket.name: expected a non-empty string, found nothing',
      );
    });

    it('reports a message without a messageId as an error (it could not be reported as failed)', () => {
      const record = sqsRecord(JSON.stringify(cloudTrailNotification([KEY_A])), '');
      const [unit] = normaliseEvent({ Records: [record] });
      assert.equal(unit!.error, 'Records[0].messageId: expected a non-empty string, found an empty string');
      assert.deepEqual(unit!.objects, []);
    });

    it('needs no action for an SNS subscription confirmation', () => {
      const body = JSON.stringify(
        snsMessage('You have chosen to subscribe to the topic ...', 'SubscriptionConfirmation'),
      );
      assert.deepEqual(normaliseEvent(sqsEvent(body)), [{ messageId: 'msg-0', objects: [], skipped: [] }]);
    });
  });

  describe('EventBridge', () => {
    it('reads "Object Created" and decodes its key like an S3 notification', () => {
      const unit = only(normaliseEvent(eventBridgeObjectCreated(PREFIXED_KEY_ENCODED, { size: 4096 })));
      assert.deepEqual(unit.objects, [
        { bucket: BUCKET, key: PREFIXED_KEY, size: 4096, etag: 'b1946ac92492d2347c6235b4d2611184' },
      ]);
    });

    it('ignores other S3 detail types', () => {
      assert.deepEqual(
        only(normaliseEvent(eventBridgeObjectCreated(KEY_A, { detailType: 'Object Deleted' }))),
        {
          objects: [],
          skipped: [],
        },
      );
    });

    it('rejects an event from another source', () => {
      assertTriggerError(
        { ...eventBridgeObjectCreated(KEY_A), source: 'aws.ec2' },
        'source: expected "aws.s3", found a string "aws.ec2"',
      );
    });
  });

  describe('manual invocation', () => {
    it('accepts {bucket, key} and {Bucket, Key}, taking the key literally (no URL-decoding)', () => {
      const literal =
        'cloudtrail logs+dev=1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/a%20b.json.gz';
      assert.deepEqual(only(normaliseEvent({ bucket: 'b1', key: literal })).objects, [
        { bucket: 'b1', key: literal },
      ]);
      assert.deepEqual(only(normaliseEvent({ Bucket: 'b2', Key: KEY_A })).objects, [
        { bucket: 'b2', key: KEY_A },
      ]);
    });

    it('applies skip rules to manual keys too', () => {
      assert.deepEqual(only(normaliseEvent({ bucket: 'b1', key: 'AWSLogs/notes.txt' })).skipped, [
        { bucket: 'b1', key: 'AWSLogs/notes.txt', reason: 'not-a-log-file' },
      ]);
    });
  });

  describe('malformed events throw TriggerError naming the path', () => {
    const expectedShapes =
      'an S3, SNS, SQS or EventBridge event, a CloudTrail notification, or {bucket, key}';

    it('not an object', () => {
      assertTriggerError(null, `event: expected ${expectedShapes}, found null`);
      assertTriggerError(
        's3://bucket/key',
        `event: expected ${expectedShapes}, found a string "s3://bucket/key"`,
      );
      assertTriggerError([1, 2], `event: expected ${expectedShapes}, found an array of 2 items`);
      assertTriggerError(undefined, `event: expected ${expectedShapes}, found nothing`);
    });

    it('an object of no known shape', () => {
      assertTriggerError(
        { foo: 1, bar: 2 },
        `event: expected ${expectedShapes}, found an object with keys ["foo", "bar"]`,
      );
    });

    it('Records not an array', () => {
      assertTriggerError({ Records: 'none' }, 'Records: expected an array of records, found a string "none"');
    });

    it('a record from an unknown source', () => {
      assertTriggerError(
        { Records: [s3Record(KEY_A), { eventSource: 'aws:kinesis' }] },
        'Records[1].eventSource: expected "aws:s3", "aws:sns" or "aws:sqs", found a string "aws:kinesis"',
      );
    });

    it('SNS Message not JSON', () => {
      assert.throws(
        () => normaliseEvent(snsEvent('{oops')),
        (err: unknown) => {
          assert.ok(err instanceof TriggerError);
          assert.match(err.message, /^Records\[0\]\.Sns\.Message: not JSON \(/);
          return true;
        },
      );
    });

    it('missing bucket or key', () => {
      const noBucket = s3Notification(s3Record(KEY_A), s3Record(KEY_B));
      (noBucket.Records[1]!.s3 as { bucket?: unknown }).bucket = undefined;
      assertTriggerError(noBucket, 'Records[1].s3.bucket: expected an object, found nothing');

      const noKey = s3Notification(s3Record(KEY_A));
      (noKey.Records[0]!.s3.object as { key: unknown }).key = 42;
      assertTriggerError(noKey, 'Records[0].s3.object.key: expected a non-empty string, found a number (42)');

      assertTriggerError({ key: KEY_A }, 'bucket: expected a non-empty string, found nothing');
      assertTriggerError({ s3ObjectKey: [KEY_A] }, 's3Bucket: expected a non-empty string, found nothing');
      const ebNoBucket = eventBridgeObjectCreated(KEY_A);
      (ebNoBucket.detail.bucket as { name?: string }).name = '';
      assertTriggerError(
        ebNoBucket,
        'detail.bucket.name: expected a non-empty string, found an empty string',
      );
    });

    it('a CloudTrail notification with no keys', () => {
      assertTriggerError(
        cloudTrailNotification([]),
        's3ObjectKey: expected a non-empty array of object keys, found an array of 0 items',
      );
      assertTriggerError(
        { s3Bucket: BUCKET, s3ObjectKey: [KEY_A, null] },
        's3ObjectKey[1]: expected a non-empty string, found null',
      );
    });
  });
});
