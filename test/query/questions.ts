/**
 * The investigator's questions, each as the filters the CLI and the API take, the DQL a Dashboards user
 * types, and a predicate over the raw record that says which sample events the answer must hold. The
 * predicates read the raw JSON (never the product's documents), so a test comparing them with what a
 * query returns checks the product against the files.
 */
import { isIP } from 'node:net';
import type { ActivityFilters } from '../../src/query/filters.js';
import { at, eventTimeMs, isObject, type RawRecord } from './samples.js';

export interface Question {
  question: string;
  filters: ActivityFilters;
  wanted: (record: RawRecord) => boolean;
}

const PEDRO = 'arn:aws:iam::123456789123:user/pedro';
const CONFIG_ROLE =
  'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const BUCKET = 'arn:aws:s3:::aiden-dev-bucket-eu-west-1';
const T1 = '2021-12-02T22:12:00Z';
const T2 = '2021-12-02T22:12:10Z';

const ipv4In = (value: unknown, prefix: string) =>
  typeof value === 'string' && isIP(value) === 4 && value.startsWith(prefix);

export const QUESTIONS: Question[] = [
  {
    question: 'what did principal X (a role) do between T1 and T2',
    filters: { actor: CONFIG_ROLE, from: T1, to: T2 },
    wanted: (r) =>
      at(r, 'userIdentity.sessionContext.sessionIssuer.arn') === CONFIG_ROLE && inRange(r, T1, T2),
  },
  {
    question: 'what did principal X (an IAM user) do',
    filters: { actor: PEDRO },
    wanted: (r) => at(r, 'userIdentity.arn') === PEDRO,
  },
  {
    question: 'what did principal X (a role, through all its sessions) do',
    filters: { actor: CONFIG_ROLE },
    wanted: (r) =>
      at(r, 'userIdentity.arn') === CONFIG_ROLE ||
      at(r, 'userIdentity.sessionContext.sessionIssuer.arn') === CONFIG_ROLE,
  },
  {
    question: 'who called API Y',
    filters: { eventName: 'DeleteBucket' },
    wanted: (r) => r.eventName === 'DeleteBucket',
  },
  {
    question: 'who used service Z',
    filters: { service: 'sts' },
    wanted: (r) => r.eventSource === 'sts.amazonaws.com',
  },
  {
    question: 'what did access key K do',
    filters: { accessKey: 'ASIA5FLZVX4OPVKKVBMX' },
    wanted: (r) => at(r, 'userIdentity.accessKeyId') === 'ASIA5FLZVX4OPVKKVBMX',
  },
  {
    question: 'what came from IP block P',
    filters: { ip: '203.0.113.0/24' },
    wanted: (r) => ipv4In(r.sourceIPAddress, '203.0.113.'),
  },
  {
    question: 'what came from agent P',
    filters: { userAgent: 'console.ec2.amazonaws.com' },
    wanted: (r) => r.userAgent === 'console.ec2.amazonaws.com',
  },
  {
    question: 'which calls were denied',
    filters: { errorCode: 'AccessDenied' },
    wanted: (r) => r.errorCode === 'AccessDenied',
  },
  {
    question: 'which calls failed',
    filters: { errorsOnly: true },
    wanted: (r) => typeof r.errorCode === 'string',
  },
  {
    question: 'console logins',
    filters: { eventName: 'ConsoleLogin' },
    wanted: (r) => r.eventName === 'ConsoleLogin',
  },
  {
    question: 'console logins without MFA',
    filters: { eventName: 'ConsoleLogin', params: ['additionalEventData.MFAUsed=No'] },
    wanted: (r) => r.eventName === 'ConsoleLogin' && at(r, 'additionalEventData.MFAUsed') === 'No',
  },
  {
    question: 'was root used',
    filters: { rootOnly: true },
    wanted: (r) => at(r, 'userIdentity.type') === 'Root',
  },
  {
    question: 'which writes',
    filters: { writesOnly: true },
    wanted: (r) => r.readOnly === false,
  },
  {
    question: 'which writes were made in the console',
    filters: { writesOnly: true, consoleOnly: true },
    wanted: (r) =>
      r.readOnly === false &&
      (r.sessionCredentialFromConsole === true || r.sessionCredentialFromConsole === 'true'),
  },
  {
    question: 'who acted on resource R (add writesOnly for who changed it)',
    filters: { resource: BUCKET },
    wanted: (r) => mentions(r, BUCKET),
  },
  {
    question: 'per account and region',
    filters: { account: '123456789123', region: 'us-east-1' },
    wanted: (r) => r.recipientAccountId === '123456789123' && r.awsRegion === 'us-east-1',
  },
];

function inRange(record: RawRecord, from: string, to: string): boolean {
  const ms = eventTimeMs(record);
  return ms !== undefined && ms >= Date.parse(from) && ms <= Date.parse(to);
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
