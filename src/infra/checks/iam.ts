// IAM: least privilege in identity, resource and trust policies (wildcards, Resource "*", principals).
import type { ValidationContext } from './context.js';
import { eachValue, isObj, type Obj } from './util.js';

/** Actions AWS authorizes only against Resource "*"; the only ones allowed there. Lambda needs these to
 * attach functions to a VPC. */
export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  'ec2:createnetworkinterface',
  'ec2:describenetworkinterfaces',
  'ec2:describesubnets',
  'ec2:deletenetworkinterface',
  'ec2:assignprivateipaddresses',
  'ec2:unassignprivateipaddresses',
]);

/**
 * kind 'identity': Allow statements must name actions without wildcards and a Resource narrower than "*"
 * (unless every action only supports "*"). 'resource' (resource policies) also: no anonymous principal.
 * 'trust': only the principal rule.
 */
export function checkPolicy(
  ctx: ValidationContext,
  doc: unknown,
  path: string,
  kind: 'identity' | 'resource' | 'trust',
): void {
  if (doc === undefined) return;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch {
      ctx.report(path, 'policy document is not valid JSON');
      return;
    }
  }
  eachValue(doc, path, (d, dp) => {
    if (!isObj(d)) return;
    eachValue(d['Statement'], `${dp}.Statement`, (statement, sp) => {
      if (!isObj(statement)) return;
      checkStatement(ctx, statement, sp, kind);
    });
  });
}

function checkStatement(
  ctx: ValidationContext,
  statement: Obj,
  path: string,
  kind: 'identity' | 'resource' | 'trust',
): void {
  if (statement['Effect'] !== 'Allow') return;
  if (kind === 'resource' || kind === 'trust') {
    eachValue(statement['Principal'], `${path}.Principal`, (principal, pp) => {
      const anyone =
        principal === '*' ||
        (isObj(principal) &&
          Object.values(principal).some((v) => v === '*' || (Array.isArray(v) && v.includes('*'))));
      if (anyone && statement['Condition'] === undefined)
        ctx.report(pp, 'allows anonymous access (Principal "*" without a Condition)');
    });
  }
  if (kind === 'trust') return;
  if (statement['NotAction'] !== undefined)
    ctx.report(`${path}.NotAction`, 'Allow with NotAction grants everything else; list the actions');
  if (statement['NotResource'] !== undefined)
    ctx.report(`${path}.NotResource`, 'Allow with NotResource; name the resources');
  const actions: string[] = [];
  eachValue(statement['Action'], `${path}.Action`, (action, ap) => {
    if (typeof action !== 'string') return;
    actions.push(action);
    if (action === '*') ctx.report(ap, 'Action "*" allows every action on every service');
    else if (/^[a-z0-9-]+:\*$/i.test(action))
      ctx.report(ap, `Action "${action}" allows every action of the service; list the ones needed`);
    else if (action.includes('*') || action.includes('?'))
      ctx.report(ap, `wildcard action "${action}"; list the actions needed`);
  });
  eachValue(statement['Resource'], `${path}.Resource`, (resource, rp) => {
    const text =
      typeof resource === 'string'
        ? resource
        : isObj(resource) && typeof resource['Fn::Sub'] === 'string'
          ? resource['Fn::Sub']
          : undefined;
    if (text !== '*') return;
    const narrow = actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a.toLowerCase()));
    if (actions.length === 0 || narrow.length > 0) {
      ctx.report(
        rp,
        `Resource "*" for ${narrow.join(', ') || 'these actions'}, which support narrower resources`,
      );
    }
  });
}

export function checkRole(ctx: ValidationContext, props: Obj, pp: string): void {
  checkPolicy(ctx, props['AssumeRolePolicyDocument'], `${pp}.AssumeRolePolicyDocument`, 'trust');
  eachValue(props['Policies'], `${pp}.Policies`, (policy, p) => {
    if (isObj(policy)) checkPolicy(ctx, policy['PolicyDocument'], `${p}.PolicyDocument`, 'identity');
  });
  eachValue(props['ManagedPolicyArns'], `${pp}.ManagedPolicyArns`, (arn, p) => {
    if (typeof arn === 'string' && /:iam::aws:policy\//.test(arn)) {
      ctx.report(
        p,
        `AWS managed policy ${arn} grants more than this stack needs; write a narrow inline policy`,
      );
    }
  });
}
