// OpenSearch / Elasticsearch domains: encryption, HTTPS and TLS, engine version, access policy, retention.
import type { ValidationContext } from './context.js';
import { checkPolicy } from './iam.js';
import { describe, isObj, isTrue, type Obj } from './util.js';

export function checkDomain(ctx: ValidationContext, resource: Obj, props: Obj, path: string): void {
  const pp = `${path}.Properties`;
  const flag = (objName: string, field: string, what: string): void => {
    const obj = props[objName];
    if (!isObj(obj) || !isTrue(obj[field])) ctx.report(`${pp}.${objName}.${field}`, `must be true (${what})`);
  };
  flag('EncryptionAtRestOptions', 'Enabled', 'encryption at rest');
  flag('NodeToNodeEncryptionOptions', 'Enabled', 'node-to-node encryption');
  flag('DomainEndpointOptions', 'EnforceHTTPS', 'HTTPS only');
  const endpoint = props['DomainEndpointOptions'];
  const tls = isObj(endpoint) ? endpoint['TLSSecurityPolicy'] : undefined;
  if (typeof tls !== 'string' || !/^Policy-Min-TLS-1-[2-9]/.test(tls)) {
    ctx.report(
      `${pp}.DomainEndpointOptions.TLSSecurityPolicy`,
      `must require TLS 1.2 or newer (e.g. Policy-Min-TLS-1-2-PFS-2023-10), got ${describe(tls)}`,
    );
  }
  const version = ctx.literalOrDefault(props['EngineVersion']);
  const major = typeof version === 'string' ? /^OpenSearch_(\d+)\./.exec(version)?.[1] : undefined;
  if (major === undefined || Number(major) < 2)
    ctx.report(`${pp}.EngineVersion`, `must be OpenSearch 2.x or newer, got ${describe(version)}`);
  if (props['AccessPolicies'] === undefined)
    ctx.report(
      `${pp}.AccessPolicies`,
      'missing: the access policy must name the roles that may call the domain',
    );
  checkPolicy(ctx, props['AccessPolicies'], `${pp}.AccessPolicies`, 'resource');
  if (resource['DeletionPolicy'] !== 'Retain')
    ctx.report(`${path}.DeletionPolicy`, 'must be Retain so deleting the stack keeps the indexed data');
}
