// Encryption and TLS for what holds or carries data: every queue, topic and bucket is covered by a policy
// that refuses plain HTTP, and buckets are encrypted and closed to the public.
import type { RuleContext } from './product-rules.js';
import { eachValue, isObj, isTrue, refName, type Obj } from './template-values.js';

export class TransportRules {
  constructor(private readonly context: RuleContext) {}

  /** The queue/topic/bucket `name` must be covered by a policy resource that denies plain HTTP. */
  requireTlsPolicy(name: string, policyType: string, listKey: string | undefined, pp: string): void {
    const covered = this.context.view.ofType(policyType).some(([, , props]) => {
      const targets = listKey === undefined ? [props['Bucket']] : props[listKey];
      const listed = Array.isArray(targets) && targets.some((t) => refName(t) === name);
      return listed && this.deniesInsecureTransport(props['PolicyDocument']);
    });
    if (!covered)
      this.context.report(
        pp,
        `no ${policyType} denies requests without TLS (Deny with Condition Bool aws:SecureTransport "false")`,
      );
  }

  private deniesInsecureTransport(doc: unknown): boolean {
    let found = false;
    eachValue(isObj(doc) ? doc['Statement'] : undefined, '', (statement) => {
      const condition = isObj(statement) ? statement['Condition'] : undefined;
      const bool = isObj(condition) ? condition['Bool'] : undefined;
      const secure = isObj(bool) ? bool['aws:SecureTransport'] : undefined;
      if (isObj(statement) && statement['Effect'] === 'Deny' && String(secure) === 'false') found = true;
    });
    return found;
  }

  bucket(name: string, props: Obj, pp: string): void {
    if (props['BucketEncryption'] === undefined)
      this.context.report(
        `${pp}.BucketEncryption`,
        'missing: set default encryption (SSE-KMS for trail buckets)',
      );
    const block = props['PublicAccessBlockConfiguration'];
    const keys = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
    if (!isObj(block) || !keys.every((k) => isTrue(block[k])))
      this.context.report(`${pp}.PublicAccessBlockConfiguration`, `must set ${keys.join(', ')} to true`);
    this.requireTlsPolicy(name, 'AWS::S3::BucketPolicy', undefined, pp);
  }
}
