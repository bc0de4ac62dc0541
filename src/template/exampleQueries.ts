/**
 * Example searches over the field model, in Dashboards Query Language (DQL) and query DSL. The same
 * list is printed in docs/field-model.md (a test keeps them in sync) so an integration test can run
 * every documented query against a real index (`POST <prefix>*\/_search {"query": dsl}`). The values
 * come from the bundled samples (samples/cloudtrail), so each query finds events in the demo's indices
 * (`npx cloudtrail-opensearch demo --keep-running`); test/fieldmodel/example-queries.test.ts runs
 * every one against the dev server and checks exactly which events it returns.
 */
export interface ExampleQuery {
  title: string;
  dql: string;
  dsl: Record<string, unknown>;
}

export const EXAMPLE_QUERIES: ExampleQuery[] = [
  {
    title: 'A free-form leaf: every event whose requestParameters.bucketName is aiden-dev-bucket-eu-west-1',
    dql: 'ct.pairs:"requestParameters.bucketName=aiden-dev-bucket-eu-west-1"',
    dsl: { term: { 'ct.pairs': 'requestParameters.bucketName=aiden-dev-bucket-eu-west-1' } },
  },
  {
    title: 'Any value under a free-form path (prefix of the pair)',
    dql: 'ct.pairs:requestParameters.instancesSet.items.instanceId=*',
    dsl: { prefix: { 'ct.pairs': 'requestParameters.instancesSet.items.instanceId=' } },
  },
  {
    title: 'Who: a principal ARN',
    dql: 'userIdentity.arn:"arn:aws:iam::123456789123:user/pedro"',
    dsl: { term: { 'userIdentity.arn': 'arn:aws:iam::123456789123:user/pedro' } },
  },
  {
    title: 'What: an API call on a service',
    dql: 'eventSource:s3.amazonaws.com and eventName:DeleteBucket',
    dsl: {
      bool: {
        filter: [{ term: { eventSource: 's3.amazonaws.com' } }, { term: { eventName: 'DeleteBucket' } }],
      },
    },
  },
  {
    title: 'Failures: any error code',
    dql: 'errorCode:AccessDenied or errorCode:*UnauthorizedOperation',
    dsl: {
      bool: {
        should: [
          { term: { errorCode: 'AccessDenied' } },
          { wildcard: { errorCode: '*UnauthorizedOperation' } },
        ],
        minimum_should_match: 1,
      },
    },
  },
  {
    title: 'Where: a region and the account that received the event',
    dql: 'awsRegion:us-east-1 and recipientAccountId:"123456789012"',
    dsl: {
      bool: {
        filter: [{ term: { awsRegion: 'us-east-1' } }, { term: { recipientAccountId: '123456789012' } }],
      },
    },
  },
  {
    title: 'A resource named in `resources`',
    dql: 'resources.ARN:"arn:aws:s3:::aiden-dev-bucket-eu-west-1"',
    dsl: { term: { 'resources.ARN': 'arn:aws:s3:::aiden-dev-bucket-eu-west-1' } },
  },
  {
    title: 'A source IP address, or any address in a CIDR block',
    dql: 'ct.sourceIp:"203.0.113.0/24"',
    dsl: { term: { 'ct.sourceIp': '203.0.113.0/24' } },
  },
  {
    title: 'A time range (always on @timestamp, the normalised event time)',
    dql: 'eventName:ConsoleLogin and @timestamp >= "now-7d/d"',
    dsl: {
      bool: {
        filter: [{ term: { eventName: 'ConsoleLogin' } }, { range: { '@timestamp': { gte: 'now-7d/d' } } }],
      },
    },
  },
  {
    title: 'Free text over request/response values',
    dql: 'ct.text:"sg-d963a5a4"',
    dsl: { match_phrase: { 'ct.text': 'sg-d963a5a4' } },
  },
  {
    title: 'Records whose time or id had to be inferred',
    dql: 'ct.tags:eventTime-from-s3-key or ct.tags:id-from-content-hash',
    dsl: { terms: { 'ct.tags': ['eventTime-from-s3-key', 'id-from-content-hash'] } },
  },
];
