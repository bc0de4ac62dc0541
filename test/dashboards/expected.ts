/**
 * Which raw CloudTrail records each saved search and visualization must find, written from the
 * question (and the CIS control) as predicates over the raw JSON, never from the product's DQL or
 * documents. Keyed `type:name`, the name being the end of the saved object's id.
 */
import { isIP } from 'node:net';
import { at, eventTimeMs, isObject, type RawRecord } from '../query/samples.js';

type Wanted = (record: RawRecord) => boolean;

const PEDRO = 'arn:aws:iam::123456789123:user/pedro';
const CONFIG_ROLE =
  'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const BUCKET = 'arn:aws:s3:::aiden-dev-bucket-eu-west-1';

const text = (record: RawRecord, path: string) => {
  const value = at(record, path);
  return typeof value === 'string' ? value : undefined;
};
const named =
  (pattern: RegExp): Wanted =>
  (r) =>
    pattern.test(text(r, 'eventName') ?? '');
const isWrite = (r: RawRecord) => r.readOnly === false || r.readOnly === 'false';
const byRole = (r: RawRecord) =>
  at(r, 'userIdentity.arn') === CONFIG_ROLE ||
  at(r, 'userIdentity.sessionContext.sessionIssuer.arn') === CONFIG_ROLE;
const denied = (r: RawRecord) => /^AccessDenied|UnauthorizedOperation$/.test(text(r, 'errorCode') ?? '');
const consoleLogin = (r: RawRecord) => r.eventName === 'ConsoleLogin';

/** Every leaf value of the free-form parts, where a resource ARN may be named. */
function freeFormValues(record: RawRecord): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isObject(value)) Object.values(value).forEach(walk);
    else out.push(value);
  };
  ['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails'].forEach((name) =>
    walk(record[name]),
  );
  return out;
}

const everything: Wanted = () => true;

export const WANTED: Record<string, Wanted> = {
  'search:principal-user': (r) => at(r, 'userIdentity.arn') === PEDRO,
  'search:principal-role': byRole,
  'search:principal-role-window': (r) => {
    const ms = eventTimeMs(r);
    return (
      byRole(r) &&
      ms !== undefined &&
      ms >= Date.parse('2021-12-02T22:12:00Z') &&
      ms <= Date.parse('2021-12-02T22:12:10Z')
    );
  },
  'search:api-callers': (r) => r.eventName === 'DeleteBucket',
  'search:service-users': (r) => r.eventSource === 'sts.amazonaws.com',
  'search:access-key': (r) => at(r, 'userIdentity.accessKeyId') === 'ASIA5FLZVX4OPVKKVBMX',
  'search:source-ip': (r) =>
    typeof r.sourceIPAddress === 'string' &&
    isIP(r.sourceIPAddress) === 4 &&
    r.sourceIPAddress.startsWith('203.0.113.'),
  'search:user-agent': (r) => r.userAgent === 'console.ec2.amazonaws.com',
  'search:denied': denied,
  'search:failed': (r) =>
    (typeof r.errorCode === 'string' && r.errorCode !== '') ||
    at(r, 'responseElements.ConsoleLogin') === 'Failure',
  'search:console-logins': consoleLogin,
  'search:console-logins-without-mfa': (r) =>
    consoleLogin(r) && at(r, 'additionalEventData.MFAUsed') === 'No',
  'search:root': (r) => at(r, 'userIdentity.type') === 'Root',
  'search:writes': isWrite,
  'search:console-writes': (r) =>
    isWrite(r) &&
    (r.sessionCredentialFromConsole === true ||
      r.sessionCredentialFromConsole === 'true' ||
      r.eventType === 'AwsConsoleSignIn'),
  'search:resource': (r) =>
    (Array.isArray(r.resources) && r.resources.some((x) => isObject(x) && x.ARN === BUCKET)) ||
    freeFormValues(r).includes(BUCKET),
  'search:account-region': (r) => r.recipientAccountId === '123456789123' && r.awsRegion === 'us-east-1',

  'visualization:events-by-service': everything,
  'visualization:top-actors': everything,
  'visualization:top-event-names': everything,
  'visualization:errors-over-time': (r) => typeof r.errorCode === 'string' && r.errorCode !== '',
  'visualization:principals': everything,
  'visualization:services': everything,
  'visualization:accounts-regions': everything,
  'visualization:source-ips': everything,

  'visualization:root-use': (r) =>
    at(r, 'userIdentity.type') === 'Root' &&
    at(r, 'userIdentity.invokedBy') === undefined &&
    r.eventType !== 'AwsServiceEvent',
  'visualization:console-logins-without-mfa': (r) =>
    consoleLogin(r) &&
    at(r, 'userIdentity.type') === 'IAMUser' &&
    at(r, 'responseElements.ConsoleLogin') === 'Success' &&
    at(r, 'additionalEventData.MFAUsed') !== 'Yes',
  'visualization:access-denied-by-actor': denied,
  'visualization:iam-policy-changes': named(
    /^((Put|Delete)(Group|Role|User)Policy|(Attach|Detach)(Group|Role|User)Policy|(Create|Delete)Policy(Version)?|SetDefaultPolicyVersion)$/,
  ),
  'visualization:trail-changes': (r) =>
    r.eventSource === 'cloudtrail.amazonaws.com' &&
    named(/^((Create|Update|Delete)Trail|(Start|Stop)Logging)$/)(r),
  'visualization:security-group-nacl-changes': named(
    /^((Authorize|Revoke)SecurityGroup(Ingress|Egress)|(Create|Delete)SecurityGroup|(Create|Delete)NetworkAcl(Entry)?|ReplaceNetworkAcl(Entry|Association))$/,
  ),
  'visualization:kms-key-disable-delete': (r) =>
    r.eventSource === 'kms.amazonaws.com' && named(/^(DisableKey|ScheduleKeyDeletion)$/)(r),
  'visualization:s3-bucket-policy-changes': (r) =>
    r.eventSource === 's3.amazonaws.com' &&
    named(
      /^(PutBucket(Acl|Policy|Cors|Lifecycle|Replication)|DeleteBucket(Policy|Cors|Lifecycle|Replication))$/,
    )(r),
};

/**
 * Events the samples lack, added so every security panel has something to find and something it must
 * not find: a KMS key disabled and one scheduled for deletion, network ACL changes, a root call made by
 * a service on root's behalf (not "root use"), and a console sign-in that did use MFA.
 */
export function extraRecords(): RawRecord[] {
  const base = (n: number, fields: RawRecord): RawRecord => ({
    eventVersion: '1.08',
    eventTime: `2026-11-20T10:00:0${n}Z`,
    eventID: `dashboards-extra-${n}`,
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '198.51.100.7',
    readOnly: false,
    userIdentity: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/mallory',
      accountId: '111122223333',
    },
    ...fields,
  });
  return [
    base(1, { eventSource: 'kms.amazonaws.com', eventName: 'DisableKey' }),
    base(2, { eventSource: 'kms.amazonaws.com', eventName: 'ScheduleKeyDeletion' }),
    base(3, { eventSource: 'kms.amazonaws.com', eventName: 'EnableKey' }),
    base(4, { eventSource: 'ec2.amazonaws.com', eventName: 'CreateNetworkAclEntry' }),
    base(5, { eventSource: 'ec2.amazonaws.com', eventName: 'ReplaceNetworkAclAssociation' }),
    base(6, {
      eventSource: 'sns.amazonaws.com',
      eventName: 'Publish',
      userIdentity: {
        type: 'Root',
        arn: 'arn:aws:iam::111122223333:root',
        invokedBy: 'cloudwatch.amazonaws.com',
      },
    }),
    base(7, {
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { MFAUsed: 'Yes' },
    }),
    base(8, {
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { MFAUsed: 'No' },
    }),
  ];
}
