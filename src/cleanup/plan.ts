/**
 * The retention decision, as a pure function of index names and "now". Everything that deletes goes
 * through this plan, so its rule is the whole safety story:
 *
 *   an index is a candidate only if its WHOLE name is `prefix` + a real calendar date `YYYY-MM-DD`;
 *   with keepDays N, the candidates dated on or before today(UTC) − N are deleted; nothing else is.
 *
 * Counting by calendar date (not "keep the newest N names") means a gap day cannot stretch retention
 * and a stray name cannot shorten it.
 */
import { isCalendarDate, utcDay, utcDayOffset } from './dates.js';
import { CleanupConfigError } from './errors.js';

export interface RetentionPlan {
  /** Today's UTC date, `YYYY-MM-DD`. */
  today: string;
  /** The newest date that is deleted: today − keepDays. */
  cutoff: string;
  /** Indices to delete now, oldest first (at most maxDeletions). */
  toDelete: string[];
  /** Daily indices that are retained (dated after the cutoff, including today and future dates). */
  kept: string[];
  /** Every other name, with why it is left alone. */
  skipped: { index: string; reason: string }[];
  /** Old enough to delete, but over maxDeletions: left for the next run, oldest first. */
  deferred: string[];
}

export interface RetentionOptions {
  prefix: string;
  keepDays: number;
  maxDeletions: number;
  nowMs: number;
  /** Names never deleted whatever they look like, e.g. the dead-letter index. */
  protect?: string[];
}

/** Upper bound for keepDays: a century keeps the date arithmetic far from the year-0 / year-10000 edges. */
export const MAX_KEEP_DAYS = 36_500;

// Characters that would turn a name into a pattern or a list (`*`, `?`, `,`) or are never valid in one.
const FORBIDDEN_PREFIX_CHARS = /[*?,\s"\\/<>|#:]/;

export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string' || FORBIDDEN_PREFIX_CHARS.test(prefix) || prefix !== prefix.toLowerCase()) {
    throw new CleanupConfigError(
      'prefix',
      `must be a lowercase index-name prefix without wildcards, commas or spaces (got ${JSON.stringify(prefix)})`,
    );
  }
}

export function validateKeepDays(keepDays: number): void {
  if (!Number.isInteger(keepDays) || keepDays < 1 || keepDays > MAX_KEEP_DAYS) {
    throw new CleanupConfigError(
      'keepDays',
      `must be a whole number of days from 1 to ${MAX_KEEP_DAYS} (got ${String(keepDays)}); 0 would delete today's index`,
    );
  }
}

export function validateRetentionOptions(options: Omit<RetentionOptions, 'protect'>): void {
  const { prefix, keepDays, maxDeletions, nowMs } = options;
  validatePrefix(prefix);
  validateKeepDays(keepDays);
  if (!Number.isInteger(maxDeletions) || maxDeletions < 1) {
    throw new CleanupConfigError('maxDeletions', `must be a whole number ≥ 1 (got ${String(maxDeletions)})`);
  }
  if (!Number.isFinite(nowMs) || nowMs < 0 || nowMs >= Date.UTC(9000, 0, 1)) {
    throw new CleanupConfigError('nowMs', `must be a time in milliseconds since 1970 (got ${String(nowMs)})`);
  }
}

/** The date in a daily index name, or undefined unless the whole name is `prefix` + a real `YYYY-MM-DD`. */
export function parseDailyIndexName(name: string, prefix: string): string | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return isCalendarDate(rest) ? rest : undefined;
}

/** Why a name that is not a daily index is left alone (for the outcome and the warning log). */
function skipReason(name: string, prefix: string): string {
  if (!name.startsWith(prefix)) {
    return name.startsWith('.') ? 'system or hidden index' : `does not start with "${prefix}"`;
  }
  const rest = name.slice(prefix.length);
  const leadingDate = /^\d{4}-\d{2}-\d{2}/.exec(rest)?.[0];
  if (leadingDate === undefined) return `"${rest}" after the prefix is not a date in YYYY-MM-DD form`;
  if (!isCalendarDate(leadingDate)) return `"${leadingDate}" is not a real calendar date`;
  return `text after the date ("${rest.slice(leadingDate.length)}") makes it a different index`;
}

export function planRetention(indexNames: string[], options: RetentionOptions): RetentionPlan {
  validateRetentionOptions(options);
  const { prefix, keepDays, maxDeletions, nowMs } = options;
  const protectedNames = new Set(options.protect ?? []);
  const today = utcDay(nowMs);
  const cutoff = utcDayOffset(nowMs, -keepDays);

  const old: { index: string; date: string }[] = [];
  const kept: { index: string; date: string }[] = [];
  const skipped: RetentionPlan['skipped'] = [];

  for (const index of new Set(indexNames)) {
    if (protectedNames.has(index)) {
      skipped.push({ index, reason: 'protected' });
      continue;
    }
    const date = parseDailyIndexName(index, prefix);
    if (date === undefined) skipped.push({ index, reason: skipReason(index, prefix) });
    // `cutoff < today` always (keepDays ≥ 1), so today's and future-dated indices can only land in kept.
    else if (date <= cutoff) old.push({ index, date });
    else kept.push({ index, date });
  }

  const byDate = (a: { date: string }, b: { date: string }) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
  old.sort(byDate);
  kept.sort(byDate);
  skipped.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));

  const oldNames = old.map((entry) => entry.index);
  return {
    today,
    cutoff,
    toDelete: oldNames.slice(0, maxDeletions),
    kept: kept.map((entry) => entry.index),
    skipped,
    deferred: oldNames.slice(maxDeletions),
  };
}
