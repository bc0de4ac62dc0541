// Least privilege in the template's IAM, resource and key policies: no wildcard actions or resources where
// narrower ones exist, no anonymous principals (not even behind a Condition), service principals tied to
// a source, and OpenSearch HTTP access for the stack's own roles scoped to the paths the code uses.
import type { RuleContext } from './product-rules.js';
import { describe, eachValue, getAttTarget, isObj, textOf, type Obj } from './template-values.js';

/** Actions AWS authorizes only against Resource "*" (Lambda needs them to attach functions to a VPC). */
export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  'ec2:createnetworkinterface',
  'ec2:describenetworkinterfaces',
  'ec2:describesubnets',
  'ec2:deletenetworkinterface',
  'ec2:assignprivateipaddresses',
  'ec2:unassignprivateipaddresses',
  // An account-level call: CloudTrail's public keys belong to no resource.
  'cloudtrail:listpublickeys',
]);
/** Who a policy document is for: a role's own policy, a resource's, a role's trust, or a KMS key's. */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'key';

export class PolicyRules {
  constructor(private readonly context: RuleContext) {}

  /** Checks each Allow statement of a policy document (a JSON string is parsed first). */
  check(doc: unknown, path: string, kind: PolicyKind): void {
    if (doc === undefined) return;
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc) as unknown;
      } catch {
        this.context.report(path, 'policy document is not valid JSON');
        return;
      }
    }
    eachValue(doc, path, (d, dp) => {
      if (!isObj(d)) return;
      eachValue(d['Statement'], `${dp}.Statement`, (statement, sp) => {
        if (isObj(statement) && statement['Effect'] === 'Allow') this.allowStatement(statement, sp, kind);
      });
    });
  }

  private allowStatement(statement: Obj, path: string, kind: PolicyKind): void {
    let grantsTemplateRole = kind === 'identity';
    if (kind !== 'identity') {
      eachValue(statement['Principal'], `${path}.Principal`, (principal, pp) => {
        const values = isObj(principal) ? Object.values(principal).flat() : [principal];
        if (values.includes('*')) {
          this.context.report(
            pp,
            statement['Condition'] === undefined
              ? 'allows anyone (Principal "*")'
              : 'allows anyone (Principal "*"); a Condition such as an IP allow-list limits where calls come from, not who makes them: name the principals',
          );
        }
        const service = isObj(principal) ? principal['Service'] : undefined;
        if (kind === 'resource' && service !== undefined && statement['Condition'] === undefined)
          this.context.report(
            pp,
            'a service principal without a Condition on aws:SourceArn or aws:SourceAccount acts for any account',
          );
        if (isObj(principal) && values.some((v) => this.isTemplateRole(v))) grantsTemplateRole = true;
      });
    }
    // In a key policy, Resource "*" means the key itself, and the account's administration statement is kms:*.
    if (kind === 'trust' || kind === 'key') return;
    if (statement['NotAction'] !== undefined)
      this.context.report(
        `${path}.NotAction`,
        'Allow with NotAction grants everything else; list the actions',
      );
    if (statement['NotResource'] !== undefined)
      this.context.report(`${path}.NotResource`, 'Allow with NotResource; name the resources');
    const actions: string[] = [];
    eachValue(statement['Action'], `${path}.Action`, (action, ap) => {
      if (typeof action !== 'string') return;
      actions.push(action);
      if (action === '*') this.context.report(ap, 'Action "*" allows every action on every service');
      else if (/^[a-z0-9-]+:\*$/i.test(action))
        this.context.report(
          ap,
          `Action "${action}" allows every action of the service; list the ones needed`,
        );
      else if (action.includes('*') || action.includes('?'))
        this.context.report(ap, `wildcard action "${action}"; list the actions needed`);
    });
    const openSearchHttp = actions.some((a) => /^es:ESHttp/i.test(a));
    eachValue(statement['Resource'], `${path}.Resource`, (resource, rp) => {
      if (textOf(resource) === '*') {
        const narrow = actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a.toLowerCase()));
        if (actions.length === 0 || narrow.length > 0)
          this.context.report(
            rp,
            `Resource "*" for ${narrow.join(', ') || 'these actions'}, which support narrower resources`,
          );
      } else if (openSearchHttp && grantsTemplateRole) {
        this.openSearchPath(resource, rp);
      }
    });
  }

  /** es:ESHttp* for the stack's own roles: only the paths the code uses, never the whole domain. */
  private openSearchPath(resource: unknown, path: string): void {
    const text = textOf(resource);
    const rest =
      text === undefined ? undefined : /(?::domain\/[^/]+|^\$\{[A-Za-z0-9:.]+\})\/(.*)$/.exec(text)?.[1];
    if (rest === undefined) {
      this.context.report(
        path,
        `es:ESHttp* on ${text ?? describe(resource)}: name paths under the domain (DOMAIN_ARN/PATH)`,
      );
    } else if (/^_?\*/.test(rest)) {
      this.context.report(
        path,
        `es:ESHttp* on "${text}" reaches every index and API of the domain; grant the paths the code uses (.../\${IndexPrefix}*, .../_bulk, ...)`,
      );
    }
  }

  /** True for a { Fn::GetAtt: [role, Arn] } of a role this template creates. */
  private isTemplateRole(value: unknown): boolean {
    return this.context.view.resource(getAttTarget(value))?.['Type'] === 'AWS::IAM::Role';
  }
}
