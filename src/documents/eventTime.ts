/**
 * Turning a record's time into `@timestamp` and the daily index date.
 *
 * Only formats that say what they mean are accepted: ISO 8601 / RFC 3339 with `T` or a space
 * between date and time (CloudTrail itself writes `2021-12-02T22:15:00Z`; re-exported copies
 * often write `2021-12-02 22:15:00.000`), with an optional fraction and zone (none means UTC, as
 * CloudTrail times always are), and epoch numbers. `Date.parse` is not used: it reads zone-less
 * strings as local time and accepts many locale-dependent shapes.
 */
import { MAX_FUTURE_SKEW_MS, MIN_EVENT_TIME_MS } from './limits.js';

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch, or undefined when `value` is not a time we can read. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Below 1e11 the number can only be seconds for any plausible date (1e11 ms is 1973).
    return Math.round(Math.abs(value) < 1e11 ? value * 1000 : value);
  }
  if (typeof value !== 'string') return undefined;
  const match = ISO_LIKE.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 February over into March; reject such dates instead.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  return sign * (hours * 60 + minutes) * 60_000;
}

/** True when `ms` could be a real event time: not before 2000, not more than a day in the future. */
export function isPlausibleTime(ms: number, nowMs: number): boolean {
  return ms >= MIN_EVENT_TIME_MS && ms <= nowMs + MAX_FUTURE_SKEW_MS;
}

export { utcDay } from '../util/dates.js';

const KEY_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight UTC of a `YYYY-MM-DD` key date, or undefined when it is not a plausible date. */
export function parseKeyDate(keyDate: string | undefined, nowMs: number): number | undefined {
  if (keyDate === undefined || !KEY_DATE.test(keyDate)) return undefined;
  const ms = parseTime(keyDate);
  return ms !== undefined && isPlausibleTime(ms, nowMs) ? ms : undefined;
}

/** Where the document's time came from; each fallback is tagged on the document. */
export type TimeOrigin = 'eventTime' | 'record-timestamp' | 's3-key' | 'index-time';

export interface ResolvedTime {
  /** Instant written to `@timestamp`. */
  ms: number;
  origin: TimeOrigin;
  /** eventTime was present but unreadable or implausible. */
  eventTimeInvalid: boolean;
}

/**
 * Picks the document's time: eventTime; else the record's own `@timestamp` (written by shippers that
 * pre-processed the record); else the S3 key's date; else the time of indexing. Never fails, so a
 * record is never dropped for its time.
 */
export function resolveTime(
  eventTime: unknown,
  recordTimestamp: unknown,
  keyDate: string | undefined,
  nowMs: number,
): ResolvedTime {
  const present = eventTime !== undefined && eventTime !== null; // null is "missing", not "invalid"
  const fromEvent = present ? parseTime(eventTime) : undefined;
  const eventTimeInvalid = present && (fromEvent === undefined || !isPlausibleTime(fromEvent, nowMs));
  if (fromEvent !== undefined && !eventTimeInvalid)
    return { ms: fromEvent, origin: 'eventTime', eventTimeInvalid };
  const fromRecord = recordTimestamp === undefined ? undefined : parseTime(recordTimestamp);
  if (fromRecord !== undefined && isPlausibleTime(fromRecord, nowMs)) {
    return { ms: fromRecord, origin: 'record-timestamp', eventTimeInvalid };
  }
  const fromKey = parseKeyDate(keyDate, nowMs);
  if (fromKey !== undefined) return { ms: fromKey, origin: 's3-key', eventTimeInvalid };
  return { ms: nowMs, origin: 'index-time', eventTimeInvalid };
}
