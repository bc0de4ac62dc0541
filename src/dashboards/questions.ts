/**
 * One saved search per question investigators ask first. Questions about one principal, key, address
 * or resource carry an example value from the bundled samples (so each finds events in the demo's
 * indices); the title says which value to replace. The others are ready to use as they are.
 */
import { ACTOR_FIELD, ANY_ERROR, EVENT_COLUMNS } from './activity.js';
import { allOf, anyOf, is, matches } from './dql.js';
import type { SearchSpec } from './visualizations.js';

const EXAMPLE_USER = 'arn:aws:iam::123456789123:user/pedro';
const EXAMPLE_ROLE =
  'arn:aws:iam::347283850106:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const EXAMPLE_BUCKET = 'arn:aws:s3:::aiden-dev-bucket-eu-west-1';

export const QUESTION_SEARCHES: SearchSpec[] = [
  {
    name: 'principal-user',
    title: 'Investigate: what did an IAM user do (replace the example ARN)',
    description: 'Every call made by one IAM user; narrow the time picker to the window of interest.',
    dql: is(ACTOR_FIELD, EXAMPLE_USER),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'principal-role',
    title: 'Investigate: what did a role do, in all its sessions (replace the example ARN)',
    description: 'Every call made by a role or in any session that assumed it.',
    dql: is(ACTOR_FIELD, EXAMPLE_ROLE),
    // The session's ARN names the session (`…:assumed-role/Role/alice`); ct.sessionName is not in _source.
    columns: [...EVENT_COLUMNS, 'userIdentity.arn'],
  },
  {
    name: 'principal-role-window',
    title: 'Investigate: what did a role do between two times (replace the ARN and the times)',
    description:
      "A role's calls within a time window written into the query (the time picker narrows it further).",
    dql: allOf(
      is(ACTOR_FIELD, EXAMPLE_ROLE),
      '@timestamp >= "2021-12-02T22:12:00Z"',
      '@timestamp <= "2021-12-02T22:12:10Z"',
    ),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'api-callers',
    title: 'Investigate: who called an API (replace the example event name)',
    description: 'Every call of one API action, with who made it.',
    dql: is('eventName', 'DeleteBucket'),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'service-users',
    title: 'Investigate: who used a service (replace the example event source)',
    description: 'Every call to one AWS service.',
    dql: is('eventSource', 'sts.amazonaws.com'),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'access-key',
    title: 'Investigate: what did an access key do (replace the example key id)',
    description: 'Every call signed with one access key.',
    dql: is('userIdentity.accessKeyId', 'ASIA5FLZVX4OPVKKVBMX'),
    columns: [...EVENT_COLUMNS, 'userIdentity.accessKeyId'],
  },
  {
    name: 'source-ip',
    title: 'Investigate: what came from an IP address or block (replace the example CIDR)',
    description:
      'Calls from an address or CIDR block (ct.sourceIp is an ip field; service names are not in it).',
    dql: is('ct.sourceIp', '203.0.113.0/24'),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'user-agent',
    title: 'Investigate: what came from a user agent (replace the example agent)',
    description: 'Calls made through one client, SDK or console.',
    dql: is('userAgent', 'console.ec2.amazonaws.com'),
    columns: [...EVENT_COLUMNS, 'userAgent'],
  },
  {
    name: 'denied',
    title: 'Investigate: which calls were denied',
    description: 'Calls refused for lack of permission (AccessDenied…, …UnauthorizedOperation).',
    dql: anyOf(matches('errorCode', 'AccessDenied*'), matches('errorCode', '*UnauthorizedOperation')),
    columns: [...EVENT_COLUMNS, 'errorMessage'],
  },
  {
    name: 'failed',
    title: 'Investigate: which calls failed',
    description:
      'Every call that returned an error code (an empty one is no error), and failed console sign-ins (they carry none).',
    dql: anyOf(ANY_ERROR, is('ct.pairs', 'responseElements.ConsoleLogin=Failure')),
    columns: [...EVENT_COLUMNS, 'errorMessage'],
  },
  {
    name: 'console-logins',
    title: 'Investigate: console sign-ins',
    description: 'Every console sign-in, successful or not.',
    dql: is('eventName', 'ConsoleLogin'),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'console-logins-without-mfa',
    title: 'Investigate: console sign-ins without MFA',
    description: 'Console sign-ins whose additionalEventData says MFA was not used (ct.mfa).',
    dql: allOf(is('eventName', 'ConsoleLogin'), is('ct.mfa', false)),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'root',
    title: 'Investigate: was the root user used',
    description: 'Every call made as the account root user.',
    dql: is('ct.actorType', 'root'),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'writes',
    title: 'Investigate: which writes (calls that change something)',
    description: 'Every call that is not read-only, newest first.',
    dql: is('readOnly', false),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'console-writes',
    title: 'Investigate: which writes were made in the console',
    description:
      'Writes made in the console: console sign-ins and calls with a console session (ct.console).',
    dql: allOf(is('readOnly', false), is('ct.console', true)),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'resource',
    title: 'Investigate: who acted on a resource (replace the example ARN; add readOnly:false for changes)',
    description: 'Calls naming the resource in resources[] or as any request or response value.',
    dql: anyOf(is('resources.ARN', EXAMPLE_BUCKET), matches('ct.pairs', `*=${EXAMPLE_BUCKET}`)),
    columns: EVENT_COLUMNS,
  },
  {
    name: 'account-region',
    title: 'Investigate: one account and region (replace the example account and region)',
    description: 'Events recorded for one account in one region.',
    dql: allOf(is('recipientAccountId', '123456789123'), is('awsRegion', 'us-east-1')),
    columns: EVENT_COLUMNS,
  },
];
