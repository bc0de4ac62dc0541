// Security and product rules, by resource type; run after a resource passed the specification checks.
import type { ValidationContext } from './context.js';
import { checkDomain } from './domain.js';
import { checkPolicy, checkRole } from './iam.js';
import { checkFunction, checkPermission } from './lambda.js';
import { checkEventSourceMapping, checkLogGroup, checkQueue } from './queues-logs.js';
import { isObj, type Obj } from './util.js';

export function checkProductRules(ctx: ValidationContext, resource: Obj, type: string, path: string): void {
  const props = isObj(resource['Properties']) ? resource['Properties'] : {};
  const pp = `${path}.Properties`;
  switch (type) {
    case 'AWS::IAM::Role':
      checkRole(ctx, props, pp);
      return;
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      checkPolicy(ctx, props['PolicyDocument'], `${pp}.PolicyDocument`, 'identity');
      return;
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::S3::BucketPolicy':
      checkPolicy(ctx, props['PolicyDocument'], `${pp}.PolicyDocument`, 'resource');
      return;
    case 'AWS::Lambda::Permission':
      checkPermission(ctx, props, pp);
      return;
    case 'AWS::Lambda::Function':
      checkFunction(ctx, resource, props, path);
      return;
    case 'AWS::OpenSearchService::Domain':
    case 'AWS::Elasticsearch::Domain':
      checkDomain(ctx, resource, props, path);
      return;
    case 'AWS::SQS::Queue':
      checkQueue(ctx, props, pp);
      return;
    case 'AWS::Logs::LogGroup':
      checkLogGroup(ctx, props, pp);
      return;
    case 'AWS::Lambda::EventSourceMapping':
      checkEventSourceMapping(ctx, props, pp);
      return;
  }
}
