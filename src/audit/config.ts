/**
 * Settings of the scheduled audit Lambda (src/audit/lambda.ts), from the environment cloudformation.yml
 * sets: the cluster (as the other Lambdas), the trail bucket and prefix audited, how many days back,
 * and the optional account/region filters and signature check. Every problem is reported at once.
 */
import { CONNECTION_ENV_VARS, ConfigError, loadConnectionConfig, type ConnectionConfig } from '../config.js';

export interface AuditConfig extends ConnectionConfig {
  trailBucket: string;
  /** Where the trail's `AWSLogs/` is, or a path below it ('' for the bucket's root). */
  trailPrefix: string;
  /** Days audited, ending with the day before the scheduled time. */
  days: number;
  accounts?: string[];
  regions?: string[];
  verifySignatures: boolean;
}

/** Every variable loadAuditConfig reads (the template check compares the template to this). */
export const AUDIT_ENV_VARS: readonly string[] = [
  ...CONNECTION_ENV_VARS,
  'TRAIL_BUCKET',
  'TRAIL_PREFIX',
  'AUDIT_DAYS',
  'AUDIT_ACCOUNTS',
  'AUDIT_REGIONS',
  'AUDIT_VERIFY_SIGNATURES',
];

/** A day of digests per day audited is read; more than a quarter is a backfill's job, not a schedule's. */
export const MAX_AUDIT_DAYS = 92;

type Env = Record<string, string | undefined>;

export function loadAuditConfig(env: Env): AuditConfig {
  const problems: string[] = [];
  let connection: ConnectionConfig | undefined;
  try {
    connection = loadConnectionConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const value = (name: string) => {
    const trimmed = env[name]?.trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const trailBucket = value('TRAIL_BUCKET');
  if (trailBucket === undefined) problems.push('TRAIL_BUCKET is not set: expected the trail bucket to audit');
  const rawDays = value('AUDIT_DAYS') ?? '1';
  const days = /^\d+$/.test(rawDays) ? Number(rawDays) : NaN;
  if (!(days >= 1 && days <= MAX_AUDIT_DAYS))
    problems.push(`AUDIT_DAYS="${rawDays}": expected a whole number of days from 1 to ${MAX_AUDIT_DAYS}`);
  const list = (name: string, pattern: RegExp, what: string) => {
    const items = value(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const bad = items?.find((item) => !pattern.test(item));
    if (bad !== undefined) problems.push(`${name}="${value(name)}": "${bad}" is not ${what}`);
    return items?.length ? items : undefined;
  };
  const accounts = list('AUDIT_ACCOUNTS', /^\d{12}$/, 'a 12-digit account id');
  const regions = list('AUDIT_REGIONS', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'a region name');
  const verify = (value('AUDIT_VERIFY_SIGNATURES') ?? 'false').toLowerCase();
  if (verify !== 'true' && verify !== 'false')
    problems.push(`AUDIT_VERIFY_SIGNATURES="${value('AUDIT_VERIFY_SIGNATURES')}": expected true or false`);
  if (problems.length > 0 || !connection) throw new ConfigError(problems);
  return {
    ...connection,
    trailBucket: trailBucket!,
    trailPrefix: value('TRAIL_PREFIX') ?? '',
    days,
    ...(accounts ? { accounts } : {}),
    ...(regions ? { regions } : {}),
    verifySignatures: verify === 'true',
  };
}
