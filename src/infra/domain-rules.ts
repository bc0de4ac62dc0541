// The OpenSearch domain: encrypted at rest and between nodes, HTTPS with TLS 1.2 or newer, OpenSearch 2.x
// or newer, fine-grained access control available, an access policy naming its callers, kept when the
// stack is deleted; and for anything attached to a VPC, security groups that cannot be left empty.
import type { PolicyRules } from './policy-rules.js';
import type { RuleContext } from './product-rules.js';
import { describe, eachValue, isNoValue, isObj, isTrue, refName, type Obj } from './template-values.js';

export class DomainRules {
  constructor(
    private readonly context: RuleContext,
    private readonly policies: PolicyRules,
  ) {}

  check(resource: Obj, props: Obj, path: string): void {
    const pp = `${path}.Properties`;
    const flag = (objName: string, field: string, what: string): void => {
      const obj = props[objName];
      if (!isObj(obj) || !isTrue(obj[field]))
        this.context.report(`${pp}.${objName}.${field}`, `must be true (${what})`);
    };
    flag('EncryptionAtRestOptions', 'Enabled', 'encryption at rest');
    flag('NodeToNodeEncryptionOptions', 'Enabled', 'node-to-node encryption');
    flag('DomainEndpointOptions', 'EnforceHTTPS', 'HTTPS only');
    const endpoint = props['DomainEndpointOptions'];
    const tls = isObj(endpoint) ? endpoint['TLSSecurityPolicy'] : undefined;
    if (typeof tls !== 'string' || !/^Policy-Min-TLS-1-[2-9]/.test(tls))
      this.context.report(
        `${pp}.DomainEndpointOptions.TLSSecurityPolicy`,
        `must require TLS 1.2 or newer, got ${describe(tls)}`,
      );
    const version = this.context.view.scalar(props['EngineVersion']);
    const major = version === undefined ? undefined : /^OpenSearch_(\d+)\./.exec(version)?.[1];
    if (major === undefined || Number(major) < 2)
      this.context.report(`${pp}.EngineVersion`, `must be OpenSearch 2.x or newer, got ${describe(version)}`);
    if (props['AdvancedSecurityOptions'] === undefined)
      this.context.report(
        `${pp}.AdvancedSecurityOptions`,
        'missing: fine-grained access control must be available (and on by default)',
      );
    if (props['AccessPolicies'] === undefined)
      this.context.report(
        `${pp}.AccessPolicies`,
        'missing: the access policy must name the roles that may call the domain',
      );
    this.policies.check(props['AccessPolicies'], `${pp}.AccessPolicies`, 'resource');
    if (resource['DeletionPolicy'] !== 'Retain')
      this.context.report(
        `${path}.DeletionPolicy`,
        'must be Retain so deleting the stack keeps the indexed data',
      );
    eachValue(props['VPCOptions'], `${pp}.VPCOptions`, (vpc, vp) =>
      checkSecurityGroups(this.context, vpc, vp),
    );
  }
}

/** A VPC attachment needs security groups, and one taken from a parameter that may be left empty
 * needs a Rules assertion so the stack refuses to deploy without them. */
export function checkSecurityGroups(context: RuleContext, vpc: unknown, path: string): void {
  if (!isObj(vpc)) return;
  const groups = vpc['SecurityGroupIds'];
  if (groups === undefined || isNoValue(groups) || (Array.isArray(groups) && groups.length === 0)) {
    context.report(
      `${path}.SecurityGroupIds`,
      'missing: a VPC attachment needs security groups that allow HTTPS',
    );
    return;
  }
  const param = refName(groups);
  const def = context.view.parameter(param)?.['Default'];
  if (param === undefined || (def !== undefined && String(def) !== '')) return;
  const asserted = JSON.stringify(context.view.rules).includes(JSON.stringify({ Ref: param }));
  if (!asserted)
    context.report(
      `${path}.SecurityGroupIds`,
      `parameter ${param} may be empty: add a Rules assertion that requires it with the subnets`,
    );
}
