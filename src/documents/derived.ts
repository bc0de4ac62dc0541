/**
 * The derived `ct` fields: facts an investigator asks about that CloudTrail spreads over several fields
 * (or several shapes of userIdentity), computed once at index time so each is one term query and one
 * terms aggregation (docs/field-model.md, "Derived fields"):
 *
 * - `ct.actor`, `ct.actorType`, `ct.sessionName`: the principal as a person names it (actor.ts);
 * - `ct.mfa`: whether MFA was used, when the record says;
 * - `ct.console`: a console sign-in, or a call made with a console session's credentials.
 *
 * Both document builders compute them with `deriveFields` from the same values (the reference reads
 * them from its parse, the fast path from the bytes) and write them with `derivedJson`, so their output
 * stays identical.
 */
import { ACTOR_FIELDS, actorOf, type ActorType, type IdentityFacts } from './actor.js';

/** The record values the derived fields read. Only strings (and booleans where said) count; anything else is absent. */
export interface DerivationInput extends IdentityFacts {
  /** `userIdentity.sessionContext.attributes.mfaAuthenticated`: "true"/"false" (or a boolean). */
  mfaAuthenticated?: unknown;
  /** `additionalEventData.MFAUsed` of a ConsoleLogin event: "Yes"/"No". */
  mfaUsed?: unknown;
  /** `sessionCredentialFromConsole`: "true" (or true) when present. */
  fromConsole?: unknown;
  eventType?: unknown;
  eventName?: unknown;
}

/**
 * Typed leaves of the record (dotted paths of typedFields.ts) the derivation reads, by input name. The
 * fast path captures exactly these; `mfaUsed` (free-form, under `additionalEventData`) it reads from
 * that object's bytes, for ConsoleLogin events only.
 */
export const DERIVATION_LEAVES = {
  ...ACTOR_FIELDS,
  mfaAuthenticated: 'userIdentity.sessionContext.attributes.mfaAuthenticated',
  fromConsole: 'sessionCredentialFromConsole',
  eventType: 'eventType',
  eventName: 'eventName',
} as const satisfies Record<Exclude<keyof DerivationInput, 'mfaUsed'>, string>;

export type DerivationLeaf = keyof typeof DERIVATION_LEAVES;

/** The leaves in a fixed order (the fast path numbers them). */
export const DERIVATION_LEAF_NAMES = Object.keys(DERIVATION_LEAVES) as DerivationLeaf[];

/** The free-form root object whose `MFAUsed` member a console login records. */
export const MFA_USED_OBJECT = 'additionalEventData';

/** The sign-in event whose `additionalEventData.MFAUsed` says whether MFA was used. */
export const CONSOLE_LOGIN = 'ConsoleLogin';

export interface DerivedFields {
  actor: string;
  actorType: ActorType;
  sessionName?: string;
  mfa?: boolean;
  console?: boolean;
}

export function deriveFields(input: DerivationInput): DerivedFields {
  const { actor, actorType, session } = actorOf(input);
  // Members in the order derivedJson writes them (the reference builder's ct object keeps this order).
  const derived: DerivedFields = { actor, actorType };
  if (session !== undefined) derived.sessionName = session;
  const mfa = mfaOf(input);
  if (mfa !== undefined) derived.mfa = mfa;
  derived.console = isTrue(input.fromConsole) || input.eventType === 'AwsConsoleSignIn';
  return derived;
}

/** A console login says it in `MFAUsed`; any other call made with a role or federated session, in its attributes. */
function mfaOf(input: DerivationInput): boolean | undefined {
  if (input.eventName === CONSOLE_LOGIN) {
    if (input.mfaUsed === 'Yes') return true;
    if (input.mfaUsed === 'No') return false;
  }
  if (isTrue(input.mfaAuthenticated)) return true;
  if (input.mfaAuthenticated === 'false' || input.mfaAuthenticated === false) return false;
  return undefined;
}

const isTrue = (value: unknown): boolean => value === true || value === 'true';

/** The derivation's input read from a parsed record (the reference builder). */
export function derivationInputOf(record: Record<string, unknown>): DerivationInput {
  const input: DerivationInput = {};
  for (const [name, path] of Object.entries(DERIVATION_LEAVES)) {
    input[name as DerivationLeaf] = valueAt(record, path);
  }
  if (input.eventName === CONSOLE_LOGIN) input.mfaUsed = valueAt(record, `${MFA_USED_OBJECT}.MFAUsed`);
  return input;
}

/** The value at a dotted path through plain objects (an array on the way means none). */
function valueAt(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
  }
  return value;
}

/** The members as written into `ct`, each with its leading comma, in the order both builders write them. */
export function derivedJson(derived: DerivedFields): string {
  let json = ',"actor":' + JSON.stringify(derived.actor) + ',"actorType":"' + derived.actorType + '"';
  if (derived.sessionName !== undefined) json += ',"sessionName":' + JSON.stringify(derived.sessionName);
  if (derived.mfa !== undefined) json += derived.mfa ? ',"mfa":true' : ',"mfa":false';
  return json + (derived.console === true ? ',"console":true' : ',"console":false');
}
