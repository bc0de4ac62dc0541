/**
 * The "Security" dashboard: one panel per thing a security review looks at first. Each panel's query is
 * the DQL of the built-in alert rule for the same thing (the CIS AWS Foundations monitoring controls),
 * so the dashboard and the alerts always agree on what "an IAM policy change" or "root use" is.
 */
import { defaultRules } from '../alerts/defaultPack.js';
import type { Rule } from '../alerts/rules.js';
import { ACTOR_FIELD } from './activity.js';
import { dashboard, type Panel } from './dashboard.js';
import { anyOf } from './dql.js';
import type { FieldCatalogue } from './fields.js';
import { conditionDql } from './ruleQuery.js';
import type { SavedObject } from './savedObjects.js';
import type { VisSpec, VisualizationFactory } from './visualizations.js';

type PanelSpec = { ruleIds: string[]; width: Panel['width'] } & (
  Omit<Extract<VisSpec, { kind: 'table' }>, 'dql'> | Omit<Extract<VisSpec, { kind: 'bars' }>, 'dql'>
);

const WHO_DID_WHAT = ['eventName', ACTOR_FIELD];

const PANELS: PanelSpec[] = [
  {
    ruleIds: ['cis.root-account-use'],
    kind: 'table',
    name: 'root-use',
    title: 'Root user activity',
    fields: ['eventName', 'sourceIPAddress'],
    width: 'half',
  },
  {
    ruleIds: ['cis.console-login-without-mfa'],
    kind: 'table',
    name: 'console-logins-without-mfa',
    title: 'Console sign-ins without MFA',
    fields: [ACTOR_FIELD, 'sourceIPAddress'],
    width: 'half',
  },
  {
    ruleIds: ['cis.unauthorized-api-call'],
    kind: 'bars',
    name: 'access-denied-by-actor',
    title: 'Access denied, by actor',
    field: ACTOR_FIELD,
    size: 15,
    width: 'full',
  },
  {
    ruleIds: ['cis.iam-policy-change'],
    kind: 'table',
    name: 'iam-policy-changes',
    title: 'IAM policy changes',
    fields: WHO_DID_WHAT,
    width: 'half',
  },
  {
    ruleIds: ['cis.cloudtrail-config-change'],
    kind: 'table',
    name: 'trail-changes',
    title: 'CloudTrail trail changes',
    fields: WHO_DID_WHAT,
    width: 'half',
  },
  {
    ruleIds: ['cis.security-group-change', 'cis.network-acl-change'],
    kind: 'table',
    name: 'security-group-nacl-changes',
    title: 'Security group and network ACL changes',
    fields: WHO_DID_WHAT,
    width: 'half',
  },
  {
    ruleIds: ['cis.kms-key-disabled-or-deleted'],
    kind: 'table',
    name: 'kms-key-disable-delete',
    title: 'KMS keys disabled or scheduled for deletion',
    fields: WHO_DID_WHAT,
    width: 'half',
  },
  {
    ruleIds: ['cis.s3-bucket-policy-change'],
    kind: 'table',
    name: 's3-bucket-policy-changes',
    title: 'S3 bucket policy changes',
    fields: WHO_DID_WHAT,
    width: 'full',
  },
];

/** The DQL of the named built-in rules (any of them matching), or an error naming a rule that is gone. */
export function rulesDql(
  ruleIds: string[],
  catalogue: FieldCatalogue,
  rules: Rule[] = defaultRules(),
): string {
  return anyOf(
    ...ruleIds.map((ruleId) => {
      const rule = rules.find((candidate) => candidate.id === ruleId);
      if (!rule)
        throw new Error(`Security dashboard: no built-in alert rule "${ruleId}" (src/alerts/defaultPack.ts)`);
      return conditionDql(rule.match, catalogue);
    }),
  );
}

/** The dashboard's panel objects, then the dashboard itself. */
export function securityDashboard(
  factory: VisualizationFactory,
  catalogue: FieldCatalogue,
  id: string,
  title: string,
): SavedObject[] {
  const rules = defaultRules();
  const panels: Panel[] = PANELS.map(({ ruleIds, width, ...spec }) => ({
    width,
    object: factory.visualization({ ...spec, dql: rulesDql(ruleIds, catalogue, rules) }),
  }));
  const board = dashboard({
    id,
    title,
    description:
      'CloudTrail security review: root use, sign-ins without MFA, denied calls, and changes to IAM ' +
      'policies, trails, security groups, network ACLs, KMS keys and S3 bucket policies.',
    panels,
    timeFrom: 'now-30d',
  });
  return [...panels.map((panel) => panel.object), board];
}
