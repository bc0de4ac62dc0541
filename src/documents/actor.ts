/**
 * The principal of an event as a person names it, from `userIdentity` (CloudTrail's userIdentity
 * element): an IAM user's ARN; for an assumed role the role's ARN from the session issuer (the session
 * name is kept apart); root's ARN; the AWS service that called; web-identity and SAML principals as
 * `provider:user`; `anonymous` for unsigned calls. The document builders store it as `ct.actor`; the
 * query module names the actors of older documents (without `ct.actor`) with the same function.
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

/** The userIdentity fields the derivation reads, by their dotted path in the record. */
export const ACTOR_FIELDS = {
  type: 'userIdentity.type',
  arn: 'userIdentity.arn',
  issuerArn: 'userIdentity.sessionContext.sessionIssuer.arn',
  invokedBy: 'userIdentity.invokedBy',
  identityProvider: 'userIdentity.identityProvider',
  userName: 'userIdentity.userName',
  accountId: 'userIdentity.accountId',
  principalId: 'userIdentity.principalId',
  onBehalfOf: 'userIdentity.onBehalfOf.userId',
} as const;

/** The values at ACTOR_FIELDS; anything but a non-empty string counts as absent. */
export type IdentityFacts = Partial<Record<keyof typeof ACTOR_FIELDS, unknown>>;

const text = (value: unknown): string | undefined =>
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
      // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: the session is what follows the role name.
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
        // Identity Center users carry no ARN: their user id in the identity store names them.
        actor: arn ?? text(facts.userName) ?? text(facts.onBehalfOf) ?? text(facts.principalId) ?? 'unknown',
        actorType: 'identity-center',
      };
    case 'AWSAccount':
      return {
        actor: text(facts.accountId) ?? text(facts.principalId) ?? 'unknown',
        actorType: 'aws-account',
      };
    default:
      if (text(facts.invokedBy)) return { actor: text(facts.invokedBy)!, actorType: 'aws-service' };
      return { actor: arn ?? text(facts.userName) ?? 'unknown', actorType: 'unknown' };
  }
}

function providerUser(facts: IdentityFacts): string {
  return `${text(facts.identityProvider) ?? 'unknown'}:${text(facts.userName) ?? text(facts.principalId) ?? 'unknown'}`;
}
