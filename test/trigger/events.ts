/**
 * Builders for realistic trigger events, typed against @types/aws-lambda so their shape tracks what
 * AWS actually delivers. Keys passed to the S3/EventBridge builders must already be encoded the way S3
 * encodes them (use `encodeLikeS3`); CloudTrail's own notification carries plain keys.
 */
import type {
  EventBridgeEvent,
  S3Event,
  S3EventRecord,
  S3ObjectCreatedNotificationEventDetail,
  SNSEvent,
  SNSMessage,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

export const ACCOUNT = '111122223333';
export const BUCKET = 'amzn-s3-demo-trail-bucket';
export const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:cloudtrail-delivery`;
export const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:cloudtrail-files`;

/** A real-looking log file key with a user prefix holding a space, a plus and an equals sign. */
export const PREFIXED_KEY =
  'cloudtrail logs+dev=1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz';
/** The same key as S3 puts it in a notification. */
export const PREFIXED_KEY_ENCODED =
  'cloudtrail+logs%2Bdev%3D1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz';

export function logKey(region: string, stamp: string, random: string, account = ACCOUNT): string {
  const [, y, m, d] = /^(\d{4})(\d{2})(\d{2})T/.exec(stamp) ?? [];
  return `AWSLogs/${account}/CloudTrail/${region}/${y}/${m}/${d}/${account}_CloudTrail_${region}_${stamp}_${random}.json.gz`;
}

/** S3's notification encoding: form-URL-encoding with `/` left alone. */
export function encodeLikeS3(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function s3Record(
  encodedKey: string,
  {
    bucket = BUCKET,
    size = 2_345,
    eventName = 'ObjectCreated:Put',
    eTag = '0e7b0c7d4b1d1b0f5a3c2e1d9f8a7b6c',
  } = {},
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2022-11-10T16:25:31.120Z',
    eventName,
    userIdentity: { principalId: 'AWS:AROAEXAMPLEROLEID:regionalDeliverySession' },
    requestParameters: { sourceIPAddress: '10.0.12.34' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'cloudtrail-to-opensearch',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: { key: encodedKey, size, eTag, sequencer: '0055AED6DCD90281E5' },
    },
  };
}

export function s3Notification(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}

export function s3TestEvent(bucket = BUCKET) {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2022-11-10T16:20:00.000Z',
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
  };
}

export function cloudTrailNotification(keys: string[], bucket = BUCKET) {
  return { s3Bucket: bucket, s3ObjectKey: keys };
}

export function eventBridgeObjectCreated(
  encodedKey: string,
  { bucket = BUCKET, size = 2_345, detailType = 'Object Created' } = {},
): EventBridgeEvent<string, S3ObjectCreatedNotificationEventDetail> {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: ACCOUNT,
    time: '2022-11-10T16:25:31Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key: encodedKey,
        size,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: 'cloudtrail.amazonaws.com',
      'source-ip-address': '10.0.12.34',
      reason: 'PutObject',
    },
  };
}

/** The JSON SNS delivers to SQS (and Lambda's Sns field) for one published message. */
export function snsMessage(message: string, type = 'Notification'): SNSMessage {
  return {
    Type: type,
    MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    TopicArn: TOPIC_ARN,
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2022-11-10T16:25:32.000Z',
    SignatureVersion: '1',
    Signature:
      'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
    SigningCertUrl:
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
    UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:c9135db0`,
    MessageAttributes: {},
  };
}

export function snsEvent(...messages: string[]): SNSEvent {
  return {
    Records: messages.map((message) => ({
      EventVersion: '1.0',
      EventSubscriptionArn: `${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
      EventSource: 'aws:sns',
      Sns: snsMessage(message),
    })),
  };
}

export function sqsRecord(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1668097532000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1668097532010',
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS batch; message ids are `msg-0`, `msg-1`, ... */
export function sqsEvent(...bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, index) => sqsRecord(body, `msg-${index}`)) };
}
