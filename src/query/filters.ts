/**
 * The investigator's filters and the one query they become. Every filter is an exact term (or a
 * CIDR on the `ip` field) on a mapped keyword, so each runs from the index, never from `_source`.
 * The same filters serve the CLI (`activity`, `actors`, `services`, `top`) and the query API.
 */
import { isIP } from 'node:net';
import { DateMathError, resolveDateMath } from './dateMath.js';
import type { TimeRange } from './indices.js';

export interface ActivityFilters {
  /** A principal as `ct.actor` names it: an IAM user or role ARN (an assumed role matches its issuer), root's ARN, or an AWS service (`ec2.amazonaws.com`). */
  actor?: string;
  /** `ct.actorType`: `iam-user`, `assumed-role`, `root`, `aws-service`, … */
  actorType?: string;
  /** An assumed role's session name (`ct.sessionName`). */
  sessionName?: string;
  /** `userIdentity.userName` or the session issuer's user name (an IAM user's or role's name). */
  userName?: string;
  accessKey?: string;
  /** `s3` or `s3.amazonaws.com`. */
  service?: string;
  eventName?: string;
  /** An address or CIDR block (`ct.sourceIp`), or a service name such as `ec2.amazonaws.com` (`sourceIPAddress`). */
  ip?: string;
  /** The exact user agent. */
  userAgent?: string;
  /** The account that received the event (`recipientAccountId`). */
  account?: string;
  region?: string;
  /** A resource ARN named in `resources` or anywhere in the request's free-form values. */
  resource?: string;
  errorCode?: string;
  /** Calls that failed: a non-empty errorCode, or a console sign-in that failed. */
  errorsOnly?: boolean;
  writesOnly?: boolean;
  /** Console sign-ins and calls made with credentials from a console session (`ct.console`). */
  consoleOnly?: boolean;
  /** Whether MFA was used (`ct.mfa`): only events that say so either way match. */
  mfa?: boolean;
  rootOnly?: boolean;
  /** `path=value` terms on the free-form parts (`requestParameters.bucketName=my-bucket`). */
  params?: string[];
  /** Date math as given (`now-7d/d`, `2024-05-01`); resolved against `nowMs`. */
  from?: string;
  to?: string;
}

export class FilterError extends Error {
  override name = 'FilterError';
}

type Dsl = Record<string, unknown>;

/** The `ct.pairs` term of a failed console sign-in, which carries no errorCode. */
const FAILED_CONSOLE_LOGIN = 'responseElements.ConsoleLogin=Failure';

const term = (field: string, value: unknown): Dsl => ({ term: { [field]: value } });
const anyOf = (...clauses: Dsl[]): Dsl => ({ bool: { should: clauses, minimum_should_match: 1 } });

/** `s3` → `s3.amazonaws.com`; a full event source is kept. */
export function eventSourceOf(service: string): string {
  return service.includes('.') ? service : `${service}.amazonaws.com`;
}

/** The time range the filters ask for, resolved to instants (for the index list and the range clause). */
export function timeRangeOf(filters: ActivityFilters, nowMs: number): TimeRange {
  const range: TimeRange = {};
  if (filters.from !== undefined) range.fromMs = instantOf('from', filters.from, 'lower', nowMs);
  if (filters.to !== undefined) range.toMs = instantOf('to', filters.to, 'upper', nowMs);
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs > range.toMs) {
    throw new FilterError(`--from ${filters.from} is after --to ${filters.to}`);
  }
  return range;
}

/** A bound's date math resolved; an error names the option it came from. */
function instantOf(option: string, expression: string, bound: 'lower' | 'upper', nowMs: number): number {
  try {
    return resolveDateMath(expression, bound, nowMs);
  } catch (error) {
    if (error instanceof DateMathError) throw new DateMathError(`--${option} ${error.message}`);
    throw error;
  }
}

/** One `path=value` pair, checked: a path, `=`, and a value. */
export function parsePair(text: string): string {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new FilterError(
      `--param ${text}: expected path=value, e.g. requestParameters.bucketName=my-bucket`,
    );
  }
  return text;
}

/** The bool query for `filters` within `range` (instants already resolved). */
export function queryOf(filters: ActivityFilters, range: TimeRange): Dsl {
  const clauses: Dsl[] = [];
  if (filters.actor !== undefined) {
    clauses.push(
      derivedOr(
        term('ct.actor', filters.actor),
        anyOf(
          term('userIdentity.arn', filters.actor),
          term('userIdentity.sessionContext.sessionIssuer.arn', filters.actor),
          term('userIdentity.invokedBy', filters.actor),
        ),
      ),
    );
  }
  if (filters.actorType !== undefined) clauses.push(term('ct.actorType', filters.actorType));
  if (filters.sessionName !== undefined) clauses.push(term('ct.sessionName', filters.sessionName));
  if (filters.userName !== undefined) {
    clauses.push(
      anyOf(
        term('userIdentity.userName', filters.userName),
        term('userIdentity.sessionContext.sessionIssuer.userName', filters.userName),
      ),
    );
  }
  if (filters.accessKey !== undefined) clauses.push(term('userIdentity.accessKeyId', filters.accessKey));
  if (filters.service !== undefined) clauses.push(term('eventSource', eventSourceOf(filters.service)));
  if (filters.eventName !== undefined) clauses.push(term('eventName', filters.eventName));
  if (filters.ip !== undefined) clauses.push(ipClause(filters.ip));
  if (filters.userAgent !== undefined) clauses.push(term('userAgent', filters.userAgent));
  if (filters.account !== undefined) clauses.push(term('recipientAccountId', filters.account));
  if (filters.region !== undefined) clauses.push(term('awsRegion', filters.region));
  if (filters.resource !== undefined) {
    clauses.push(
      anyOf(term('resources.ARN', filters.resource), { wildcard: { 'ct.pairs': `*=${filters.resource}` } }),
    );
  }
  if (filters.errorCode !== undefined) clauses.push(term('errorCode', filters.errorCode));
  // Some trails write `"errorCode": ""` on calls that succeeded: an error has a code. A failed console
  // sign-in has none: CloudTrail records it as responseElements.ConsoleLogin "Failure" (with an
  // errorMessage at most), so it is matched by that value.
  if (filters.errorsOnly)
    clauses.push(
      anyOf(
        { bool: { filter: [{ exists: { field: 'errorCode' } }], must_not: [term('errorCode', '')] } },
        term('ct.pairs', FAILED_CONSOLE_LOGIN),
      ),
    );
  if (filters.writesOnly) clauses.push(term('readOnly', false));
  if (filters.consoleOnly) {
    clauses.push(
      derivedOr(
        term('ct.console', true),
        anyOf(term('sessionCredentialFromConsole', 'true'), term('eventType', 'AwsConsoleSignIn')),
      ),
    );
  }
  if (filters.mfa !== undefined) {
    clauses.push(
      derivedOr(
        term('ct.mfa', filters.mfa),
        anyOf(
          term('ct.pairs', `additionalEventData.MFAUsed=${filters.mfa ? 'Yes' : 'No'}`),
          term('userIdentity.sessionContext.attributes.mfaAuthenticated', String(filters.mfa)),
        ),
      ),
    );
  }
  if (filters.rootOnly) clauses.push(term('userIdentity.type', 'Root'));
  for (const pair of filters.params ?? []) clauses.push(term('ct.pairs', parsePair(pair)));
  if (range.fromMs !== undefined || range.toMs !== undefined) {
    const bounds: Dsl = { format: 'strict_date_optional_time' };
    if (range.fromMs !== undefined) bounds.gte = new Date(range.fromMs).toISOString();
    if (range.toMs !== undefined) bounds.lte = new Date(range.toMs).toISOString();
    clauses.push({ range: { '@timestamp': bounds } });
  }
  return clauses.length === 0 ? { match_all: {} } : { bool: { filter: clauses } };
}

/**
 * `derived` (a clause on a derived `ct` field), or, for a document indexed before the derived fields
 * existed (it has no `ct.actor`, which every newer document has), `legacy`: the same question asked of
 * the record's own fields.
 */
function derivedOr(derived: Dsl, legacy: Dsl): Dsl {
  return anyOf(derived, { bool: { must_not: [{ exists: { field: 'ct.actor' } }], filter: [legacy] } });
}

function ipClause(ip: string): Dsl {
  const [address, bits, ...rest] = ip.split('/');
  const family = isIP(address ?? '');
  if (family === 0) {
    if (bits !== undefined) throw new FilterError(`--ip ${ip}: ${address} is not an IP address`);
    // CloudTrail writes a service's name where a service made the call.
    return term('sourceIPAddress', ip);
  }
  const max = family === 4 ? 32 : 128;
  if (rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
    throw new FilterError(`--ip ${ip}: the prefix length must be 0-${max}`);
  }
  return term('ct.sourceIp', ip);
}
