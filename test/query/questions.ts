/**
 * The investigator's questions, each four ways: the `activity` command line, the query API call, and
 * the DQL a Dashboards user types in Discover, plus a predicate over the raw record that says which
 * sample events the answer must hold. The predicates read the raw JSON (never the product's documents
 * or its derivation code), so a test comparing them with what a query returns checks the product
 * against the files. docs/queries.md and the README show these very strings (a test keeps them in step).
 */
import { isIP } from 'node:net';
import { at, isObject, type RawRecord } from './samples.js';

export interface Question {
  question: string;
  /** `cloudtrail-opensearch` arguments. */
  cli: string[];
  /** The query API path and query string. */
  api: string;
  dql: string;
  wanted: (record: RawRecord) => boolean;
}

const PEDRO = 'arn:aws:iam::123456789123:user/pedro';
const CONFIG_ROLE =
  'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const BUCKET = 'arn:aws:s3:::aiden-dev-bucket-eu-west-1';
const CHANGED = 'arn:aws:s3:::my-company-bucket';
const T1 = '2021-12-02T22:12:00Z';
const T2 = '2021-12-02T22:12:10Z';
const KEY = 'ASIA5FLZVX4OPVKKVBMX';

const q = encodeURIComponent;

const ipv4In = (value: unknown, prefix: string) =>
  typeof value === 'string' && isIP(value) === 4 && value.startsWith(prefix);

const type = (r: RawRecord) => at(r, 'userIdentity.type');
const isUser = (r: RawRecord, name: string) =>
  at(r, 'userIdentity.userName') === name ||
  at(r, 'userIdentity.sessionContext.sessionIssuer.userName') === name;
const fromConsole = (r: RawRecord) =>
  r.sessionCredentialFromConsole === true ||
  r.sessionCredentialFromConsole === 'true' ||
  r.eventType === 'AwsConsoleSignIn';

export const QUESTIONS: Question[] = [
  {
    question: 'What did principal X (a role, all its sessions) do between T1 and T2?',
    cli: ['activity', '--actor', CONFIG_ROLE, '--from', T1, '--to', T2],
    api: `/events?actor=${q(CONFIG_ROLE)}&from=${T1}&to=${T2}`,
    dql: `ct.actor:"${CONFIG_ROLE}" and @timestamp >= "${T1}" and @timestamp <= "${T2}"`,
    wanted: (r) =>
      type(r) === 'AssumedRole' &&
      at(r, 'userIdentity.sessionContext.sessionIssuer.arn') === CONFIG_ROLE &&
      inRange(r, Date.parse(T1), Date.parse(T2)),
  },
  {
    question: 'What did principal X (an IAM user) do?',
    cli: ['activity', '--actor', PEDRO],
    api: `/users/${q(PEDRO)}`,
    dql: `ct.actor:"${PEDRO}"`,
    wanted: (r) => type(r) === 'IAMUser' && at(r, 'userIdentity.arn') === PEDRO,
  },
  {
    question: 'What did one session of a role do?',
    cli: ['activity', '--session', 'bobson.dugnutt'],
    api: '/events?session=bobson.dugnutt',
    dql: 'ct.sessionName:bobson.dugnutt',
    wanted: (r) =>
      type(r) === 'AssumedRole' &&
      String(at(r, 'userIdentity.arn')).split('/').slice(2).join('/') === 'bobson.dugnutt',
  },
  {
    question: 'What did user name U do on a day, for one API call and request parameter value?',
    cli: [
      'activity',
      '--user',
      'pedro',
      '--from',
      '2020-09-14',
      '--to',
      '2020-09-14',
      '--event',
      'DescribeInstanceAttribute',
      '--param',
      'requestParameters.attribute=disableApiTermination',
    ],
    api: '/users/pedro?from=2020-09-14&to=2020-09-14&eventName=DescribeInstanceAttribute&param=requestParameters.attribute&value=disableApiTermination',
    dql:
      '(userIdentity.userName:pedro or userIdentity.sessionContext.sessionIssuer.userName:pedro) and ' +
      'eventName:DescribeInstanceAttribute and ct.pairs:"requestParameters.attribute=disableApiTermination" and ' +
      '@timestamp >= "2020-09-14" and @timestamp < "2020-09-15"',
    wanted: (r) =>
      isUser(r, 'pedro') &&
      r.eventName === 'DescribeInstanceAttribute' &&
      at(r, 'requestParameters.attribute') === 'disableApiTermination' &&
      inRange(r, Date.parse('2020-09-14T00:00:00Z'), Date.parse('2020-09-15T00:00:00Z') - 1),
  },
  {
    question: 'Who called API Y?',
    cli: ['activity', '--event', 'DeleteBucket'],
    api: '/events?eventName=DeleteBucket',
    dql: 'eventName:DeleteBucket',
    wanted: (r) => r.eventName === 'DeleteBucket',
  },
  {
    question: 'Who used service Z?',
    cli: ['activity', '--service', 'sts'],
    api: '/services/sts',
    dql: 'eventSource:sts.amazonaws.com',
    wanted: (r) => r.eventSource === 'sts.amazonaws.com',
  },
  {
    question: 'What did access key K do?',
    cli: ['activity', '--access-key', KEY],
    api: `/events?accessKey=${KEY}`,
    dql: `userIdentity.accessKeyId:${KEY}`,
    wanted: (r) => at(r, 'userIdentity.accessKeyId') === KEY,
  },
  {
    question: 'What came from IP address block P?',
    cli: ['activity', '--ip', '203.0.113.0/24'],
    api: `/events?ip=${q('203.0.113.0/24')}`,
    dql: 'ct.sourceIp:"203.0.113.0/24"',
    wanted: (r) => ipv4In(r.sourceIPAddress, '203.0.113.'),
  },
  {
    question: 'What came from user agent P?',
    cli: ['activity', '--agent', 'console.ec2.amazonaws.com'],
    api: '/events?agent=console.ec2.amazonaws.com',
    dql: 'userAgent:"console.ec2.amazonaws.com"',
    wanted: (r) => r.userAgent === 'console.ec2.amazonaws.com',
  },
  {
    question: 'Which calls were denied?',
    cli: ['activity', '--error-code', 'AccessDenied'],
    api: '/events?errorCode=AccessDenied',
    dql: 'errorCode:AccessDenied',
    wanted: (r) => r.errorCode === 'AccessDenied',
  },
  {
    question: 'Which calls failed?',
    cli: ['activity', '--errors'],
    api: '/events?errors=true',
    dql: '(errorCode:* and not errorCode:"") or ct.pairs:"responseElements.ConsoleLogin=Failure"',
    // A failed console sign-in carries no errorCode, only responseElements.ConsoleLogin "Failure".
    wanted: (r) =>
      (typeof r.errorCode === 'string' && r.errorCode !== '') ||
      at(r, 'responseElements.ConsoleLogin') === 'Failure',
  },
  {
    question: 'Console logins',
    cli: ['activity', '--event', 'ConsoleLogin'],
    api: '/events?eventName=ConsoleLogin',
    dql: 'eventName:ConsoleLogin',
    wanted: (r) => r.eventName === 'ConsoleLogin',
  },
  {
    question: 'Console logins without MFA',
    cli: ['activity', '--event', 'ConsoleLogin', '--mfa', 'no'],
    api: '/events?eventName=ConsoleLogin&mfa=no',
    dql: 'eventName:ConsoleLogin and ct.mfa:false',
    wanted: (r) =>
      r.eventName === 'ConsoleLogin' &&
      (at(r, 'additionalEventData.MFAUsed') === 'No' ||
        (!['Yes', 'No'].includes(String(at(r, 'additionalEventData.MFAUsed'))) &&
          at(r, 'userIdentity.sessionContext.attributes.mfaAuthenticated') === 'false')),
  },
  {
    question: 'Was root used?',
    cli: ['activity', '--root'],
    api: '/events?root=true',
    dql: 'ct.actorType:root',
    wanted: (r) => type(r) === 'Root',
  },
  {
    question: 'Which calls changed something (writes)?',
    cli: ['activity', '--writes'],
    api: '/events?writes=true',
    dql: 'readOnly:false',
    wanted: (r) => r.readOnly === false,
  },
  {
    question: 'Which writes were made in the console?',
    cli: ['activity', '--writes', '--console'],
    api: '/events?writes=true&console=true',
    dql: 'readOnly:false and ct.console:true',
    wanted: (r) => r.readOnly === false && fromConsole(r),
  },
  {
    question: 'Who acted on resource R?',
    cli: ['activity', '--resource', BUCKET],
    api: `/events?resource=${q(BUCKET)}`,
    dql: `resources.ARN:"${BUCKET}" or ct.pairs:*=${escapeDql(BUCKET)}`,
    wanted: (r) => mentions(r, BUCKET),
  },
  {
    question: 'Who changed resource R?',
    cli: ['activity', '--resource', CHANGED, '--writes'],
    api: `/events?resource=${q(CHANGED)}&writes=true`,
    dql: `(resources.ARN:"${CHANGED}" or ct.pairs:*=${escapeDql(CHANGED)}) and readOnly:false`,
    wanted: (r) => mentions(r, CHANGED) && r.readOnly === false,
  },
  {
    question: 'What happened in account A and region G?',
    cli: ['activity', '--account', '123456789123', '--aws-region', 'us-east-1'],
    api: '/events?account=123456789123&region=us-east-1',
    dql: 'recipientAccountId:123456789123 and awsRegion:us-east-1',
    wanted: (r) => r.recipientAccountId === '123456789123' && r.awsRegion === 'us-east-1',
  },
];

/** DQL (and Lucene) want `:` escaped in an unquoted value (a wildcard cannot be quoted). */
function escapeDql(value: string): string {
  return value.replace(/[:\\()<>"*]/g, (ch) => `\\${ch}`);
}

/** The event's time as the raw record gives it: eventTime, else the shipper's `@timestamp`. */
function rawTimeMs(record: RawRecord): number | undefined {
  for (const value of [record.eventTime, record['@timestamp']]) {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) continue;
    return Date.parse(value);
  }
  return undefined;
}

function inRange(record: RawRecord, fromMs: number, toMs: number): boolean {
  const ms = rawTimeMs(record);
  return ms !== undefined && ms >= fromMs && ms <= toMs;
}

/** The resource in `resources[].ARN`, or as a whole value anywhere in the record's free-form parts. */
function mentions(record: RawRecord, arn: string): boolean {
  const resources = record.resources;
  if (Array.isArray(resources) && resources.some((x) => isObject(x) && x.ARN === arn)) return true;
  const free = ['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails'];
  return free.some((name) => leafValues(record[name]).includes(arn));
}

function leafValues(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const item of value) leafValues(item, out);
  else if (isObject(value)) for (const child of Object.values(value)) leafValues(child, out);
  else out.push(value);
  return out;
}
