/**
 * The built-in rules: the monitoring controls of the CIS AWS Foundations Benchmark (each control's
 * CloudWatch metric filter, written here as a rule), plus security groups opened to the whole internet
 * and S3 public-access blocks removed. Used when no rules file is configured; `alerts test` shows what
 * they match in a set of log files.
 */
import { checkRules, type Rule } from './rules.js';

const eventNames = (...names: string[]) => ({ field: 'eventName', in: names });
const source = (name: string) => ({ field: 'eventSource', equals: name });

const PACK = {
  rules: [
    {
      id: 'cis.unauthorized-api-call',
      title: 'Unauthorized API call',
      severity: 'medium',
      description:
        'A call refused for lack of permission (errorCode *UnauthorizedOperation or AccessDenied*).',
      match: {
        any: [
          { field: 'errorCode', glob: '*UnauthorizedOperation' },
          { field: 'errorCode', glob: 'AccessDenied*' },
        ],
      },
      // A role probing what it may do makes many refusals: one alert per caller and hour.
      dedup: { key: ['userIdentity.arn', 'eventSource'], window: '1h' },
    },
    {
      id: 'cis.console-login-without-mfa',
      title: 'Console sign-in without MFA',
      severity: 'high',
      match: {
        all: [
          eventNames('ConsoleLogin'),
          { field: 'userIdentity.type', equals: 'IAMUser' },
          { field: 'responseElements.ConsoleLogin', equals: 'Success' },
          { not: { field: 'additionalEventData.MFAUsed', equals: 'Yes' } },
        ],
      },
    },
    {
      id: 'cis.root-account-use',
      title: 'Root user activity',
      severity: 'critical',
      match: {
        all: [
          { field: 'userIdentity.type', equals: 'Root' },
          { field: 'userIdentity.invokedBy', exists: false },
          { not: { field: 'eventType', equals: 'AwsServiceEvent' } },
        ],
      },
    },
    {
      id: 'cis.iam-policy-change',
      title: 'IAM policy changed',
      severity: 'high',
      match: eventNames(
        'DeleteGroupPolicy',
        'DeleteRolePolicy',
        'DeleteUserPolicy',
        'PutGroupPolicy',
        'PutRolePolicy',
        'PutUserPolicy',
        'CreatePolicy',
        'DeletePolicy',
        'CreatePolicyVersion',
        'DeletePolicyVersion',
        'SetDefaultPolicyVersion',
        'AttachRolePolicy',
        'DetachRolePolicy',
        'AttachUserPolicy',
        'DetachUserPolicy',
        'AttachGroupPolicy',
        'DetachGroupPolicy',
      ),
    },
    {
      id: 'cis.cloudtrail-config-change',
      title: 'CloudTrail configuration changed',
      severity: 'high',
      match: {
        all: [
          source('cloudtrail.amazonaws.com'),
          eventNames('CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging'),
        ],
      },
    },
    {
      id: 'cis.console-auth-failure',
      title: 'Console sign-in failed',
      severity: 'medium',
      match: {
        all: [eventNames('ConsoleLogin'), { field: 'errorMessage', equals: 'Failed authentication' }],
      },
      dedup: { key: ['userIdentity.userName', 'sourceIPAddress'], window: '1h' },
    },
    {
      id: 'cis.kms-key-disabled-or-deleted',
      title: 'KMS key disabled or scheduled for deletion',
      severity: 'high',
      match: { all: [source('kms.amazonaws.com'), eventNames('DisableKey', 'ScheduleKeyDeletion')] },
    },
    {
      id: 'cis.s3-bucket-policy-change',
      title: 'S3 bucket policy changed',
      severity: 'medium',
      match: {
        all: [
          source('s3.amazonaws.com'),
          eventNames(
            'PutBucketAcl',
            'PutBucketPolicy',
            'PutBucketCors',
            'PutBucketLifecycle',
            'PutBucketReplication',
            'DeleteBucketPolicy',
            'DeleteBucketCors',
            'DeleteBucketLifecycle',
            'DeleteBucketReplication',
          ),
        ],
      },
    },
    {
      id: 'cis.config-change',
      title: 'AWS Config recording changed',
      severity: 'high',
      match: {
        all: [
          source('config.amazonaws.com'),
          eventNames(
            'StopConfigurationRecorder',
            'DeleteDeliveryChannel',
            'PutDeliveryChannel',
            'PutConfigurationRecorder',
          ),
        ],
      },
    },
    {
      id: 'cis.security-group-change',
      title: 'Security group changed',
      severity: 'medium',
      match: eventNames(
        'AuthorizeSecurityGroupIngress',
        'AuthorizeSecurityGroupEgress',
        'RevokeSecurityGroupIngress',
        'RevokeSecurityGroupEgress',
        'CreateSecurityGroup',
        'DeleteSecurityGroup',
      ),
    },
    {
      id: 'cis.network-acl-change',
      title: 'Network ACL changed',
      severity: 'medium',
      match: eventNames(
        'CreateNetworkAcl',
        'CreateNetworkAclEntry',
        'DeleteNetworkAcl',
        'DeleteNetworkAclEntry',
        'ReplaceNetworkAclEntry',
        'ReplaceNetworkAclAssociation',
      ),
    },
    {
      id: 'cis.network-gateway-change',
      title: 'Network gateway changed',
      severity: 'medium',
      match: eventNames(
        'CreateCustomerGateway',
        'DeleteCustomerGateway',
        'AttachInternetGateway',
        'CreateInternetGateway',
        'DeleteInternetGateway',
        'DetachInternetGateway',
      ),
    },
    {
      id: 'cis.route-table-change',
      title: 'Route table changed',
      severity: 'medium',
      match: {
        all: [
          source('ec2.amazonaws.com'),
          eventNames(
            'CreateRoute',
            'CreateRouteTable',
            'ReplaceRoute',
            'ReplaceRouteTableAssociation',
            'DeleteRouteTable',
            'DeleteRoute',
            'DisassociateRouteTable',
          ),
        ],
      },
    },
    {
      id: 'cis.vpc-change',
      title: 'VPC changed',
      severity: 'medium',
      match: eventNames(
        'CreateVpc',
        'DeleteVpc',
        'ModifyVpcAttribute',
        'AcceptVpcPeeringConnection',
        'CreateVpcPeeringConnection',
        'DeleteVpcPeeringConnection',
        'RejectVpcPeeringConnection',
        'AttachClassicLinkVpc',
        'DetachClassicLinkVpc',
        'DisableVpcClassicLink',
        'EnableVpcClassicLink',
      ),
    },
    {
      id: 'cis.organizations-change',
      title: 'AWS Organizations changed',
      severity: 'high',
      match: {
        all: [
          source('organizations.amazonaws.com'),
          eventNames(
            'AcceptHandshake',
            'AttachPolicy',
            'CreateAccount',
            'CreateOrganizationalUnit',
            'CreatePolicy',
            'DeclineHandshake',
            'DeleteOrganization',
            'DeleteOrganizationalUnit',
            'DeletePolicy',
            'DetachPolicy',
            'DisablePolicyType',
            'EnablePolicyType',
            'InviteAccountToOrganization',
            'LeaveOrganization',
            'MoveAccount',
            'RemoveAccountFromOrganization',
            'UpdatePolicy',
            'UpdateOrganizationalUnit',
          ),
        ],
      },
    },
    {
      id: 'security-group-open-to-world',
      title: 'Security group opened to the internet',
      severity: 'critical',
      match: {
        all: [
          eventNames('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'),
          {
            any: [
              { field: 'requestParameters.ipPermissions.items.ipRanges.items.cidrIp', equals: '0.0.0.0/0' },
              { field: 'requestParameters.ipPermissions.items.ipv6Ranges.items.cidrIpv6', equals: '::/0' },
              {
                field:
                  'requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule.CidrIpv4',
                equals: '0.0.0.0/0',
              },
              {
                field:
                  'requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule.CidrIpv6',
                equals: '::/0',
              },
            ],
          },
        ],
      },
    },
    {
      id: 's3-public-access-block-removed',
      title: 'S3 public access block removed',
      severity: 'critical',
      match: eventNames('DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock'),
    },
  ],
};

/** The built-in rules, checked like a rules file (a mistake here fails every test that loads them). */
export function defaultRules(): Rule[] {
  return checkRules(PACK, 'built-in rules');
}
