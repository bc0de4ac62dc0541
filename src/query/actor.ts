/**
 * The principal of an event as a person names it, from `userIdentity` (CloudTrail's userIdentity
 * element): an IAM user's ARN; for an assumed role the role's ARN from the session issuer (the session
 * name is kept apart); root's ARN; the AWS service that called; web-identity and SAML principals as
 * `provider:user`; `anonymous` for unsigned calls.
 */
export type ActorType =
  | 'iam-user'
  | 'assumed-role'
  | 'federated-user'
  | 'root'
  | 'aws-service'
  | 'web-identity'
  | 'saml'
  | 'identity-center'
  | 'aws-account'
  | 'anonymous'
  | 'unknown';

export interface Actor {
  actor: string;
  actorType: ActorType;
  /** An assumed role's session name (the last part of the assumed-role ARN). */
  session?: string;
}

/** The userIdentity fields the derivation reads (the composite aggregation's sources). */
export const ACTOR_FIELDS = {
  type: 'userIdentity.type',
  arn: 'userIdentity.arn',
  issuerArn: 'userIdentity.sessionContext.sessionIssuer.arn',
  invokedBy: 'userIdentity.invokedBy',
  identityProvider: 'userIdentity.identityProvider',
  userName: 'userIdentity.userName',
  accountId: 'userIdentity.accountId',
  principalId: 'userIdentity.principalId',
} as const;

export type IdentityFacts = Partial<Record<keyof typeof ACTOR_FIELDS, string | null>>;

const text = (value: string | null | undefined): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export function actorOf(facts: IdentityFacts): Actor {
  const type = text(facts.type);
  const arn = text(facts.arn);
  const issuer = text(facts.issuerArn);
  if (text(facts.accountId) === 'ANONYMOUS_PRINCIPAL' || text(facts.principalId) === 'ANONYMOUS_PRINCIPAL') {
    return { actor: 'anonymous', actorType: 'anonymous' };
  }
  switch (type) {
    case 'Root':
      return { actor: arn ?? `arn:aws:iam::${text(facts.accountId) ?? 'unknown'}:root`, actorType: 'root' };
    case 'IAMUser':
      return { actor: arn ?? text(facts.userName) ?? 'unknown', actorType: 'iam-user' };
    case 'AssumedRole': {
      const session = arn?.split('/').slice(2).join('/') || undefined;
      return {
        actor: issuer ?? arn ?? 'unknown',
        actorType: 'assumed-role',
        ...(session ? { session } : {}),
      };
    }
    case 'FederatedUser':
      return { actor: issuer ?? arn ?? 'unknown', actorType: 'federated-user' };
    case 'AWSService':
      return { actor: text(facts.invokedBy) ?? 'unknown', actorType: 'aws-service' };
    case 'WebIdentityUser':
      return { actor: providerUser(facts), actorType: 'web-identity' };
    case 'SAMLUser':
      return { actor: providerUser(facts), actorType: 'saml' };
    case 'IdentityCenterUser':
      return {
        actor: arn ?? text(facts.userName) ?? text(facts.principalId) ?? 'unknown',
        actorType: 'identity-center',
      };
    case 'AWSAccount':
      return {
        actor: text(facts.accountId) ?? text(facts.principalId) ?? 'unknown',
        actorType: 'aws-account',
      };
    default:
      if (text(facts.invokedBy)) return { actor: text(facts.invokedBy)!, actorType: 'aws-service' };
      return { actor: arn ?? 'unknown', actorType: 'unknown' };
  }
}

function providerUser(facts: IdentityFacts): string {
  return `${text(facts.identityProvider) ?? 'unknown'}:${text(facts.userName) ?? text(facts.principalId) ?? 'unknown'}`;
}
