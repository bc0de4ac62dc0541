/**
 * Turning a record's time into `@timestamp` and the daily index date.
 *
 * Only formats that say what they mean are accepted: ISO 8601 / RFC 3339 with `T` or a space
 * between date and time (CloudTrail itself writes `2021-12-02T22:15:00Z`; re-exported copies
 * often write `2021-12-02 22:15:00.000`), with an optional fraction and zone (none means UTC, as
 * CloudTrail times always are), and epoch numbers. `Date.parse` is not used: it reads zone-less
 * strings as local time and accepts many locale-dependent shapes.
 */
import { MAX_EVENT_TIME_MS, MAX_FUTURE_SKEW_MS, MIN_EVENT_TIME_MS } from './limits.js';

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

const KEY_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the document's time came from; each fallback is tagged on the document. */
export type TimeOrigin = 'eventTime' | 'record-timestamp' | 's3-key' | 'object-time';

export interface ResolvedTime {
  /** Instant written to `@timestamp`. */
  ms: number;
  origin: TimeOrigin;
  /** eventTime was present but unreadable or implausible. */
  eventTimeInvalid: boolean;
}

/** What is known of a record's file: facts of the object, never of the moment it is read. */
export interface FileTimes {
  /** `YYYY-MM-DD` read from the object's key (CloudTrail's `YYYY/MM/DD/` directories). */
  keyDate?: string;
  /** When the object was written: S3 LastModified, or a local file's modification time. */
  objectTimeMs?: number;
}

/**
 * The rules that give a record its time, and so its daily index: a pure function of the record and its
 * file, so that indexing the same file again, on any later day or machine, picks the same index.
 *
 * - eventTime is used when it reads as a time between 2000-01-01 and one day after the file's latest
 *   possible event: its object's time (CloudTrail writes a file after its events), else the end of its
 *   key's day; with neither known, the end of 2999 (daily names stay within the template's `2*`).
 * - Otherwise the record's own `@timestamp` (written by shippers such as Logstash), by the same rule;
 *   then midnight UTC of the key's date; then the object's time. Each fallback is tagged.
 * - With none of these, the record has no time (undefined): the builder refuses it.
 */
export class TimeRules {
  /** The latest instant an eventTime may have. */
  readonly latestMs: number;
  private readonly keyDayMs: number | undefined;
  private readonly objectTimeMs: number | undefined;

  constructor(file: FileTimes) {
    this.keyDayMs = keyDayMs(file.keyDate);
    const objectTime = file.objectTimeMs;
    this.objectTimeMs =
      objectTime !== undefined && objectTime >= MIN_EVENT_TIME_MS && objectTime <= MAX_EVENT_TIME_MS
        ? objectTime
        : undefined;
    const latestEvent =
      this.objectTimeMs ?? (this.keyDayMs === undefined ? undefined : this.keyDayMs + DAY_MS);
    this.latestMs =
      latestEvent === undefined
        ? MAX_EVENT_TIME_MS
        : Math.min(MAX_EVENT_TIME_MS, latestEvent + MAX_FUTURE_SKEW_MS);
  }

  /** True when `ms` could be the record's event time (see the class). */
  isPlausible(ms: number): boolean {
    return ms >= MIN_EVENT_TIME_MS && ms <= this.latestMs;
  }

  /** The record's time from its eventTime and its own `@timestamp` (parsed values), or undefined. */
  resolve(eventTime: unknown, recordTimestamp: unknown): ResolvedTime | undefined {
    const present = eventTime !== undefined && eventTime !== null; // null is "missing", not "invalid"
    const fromEvent = present ? parseTime(eventTime) : undefined;
    const eventTimeInvalid = present && (fromEvent === undefined || !this.isPlausible(fromEvent));
    if (fromEvent !== undefined && !eventTimeInvalid)
      return { ms: fromEvent, origin: 'eventTime', eventTimeInvalid };
    const fromRecord = recordTimestamp === undefined ? undefined : parseTime(recordTimestamp);
    if (fromRecord !== undefined && this.isPlausible(fromRecord)) {
      return { ms: fromRecord, origin: 'record-timestamp', eventTimeInvalid };
    }
    if (this.keyDayMs !== undefined) return { ms: this.keyDayMs, origin: 's3-key', eventTimeInvalid };
    if (this.objectTimeMs !== undefined)
      return { ms: this.objectTimeMs, origin: 'object-time', eventTimeInvalid };
    return undefined;
  }
}

/** Midnight UTC of a `YYYY-MM-DD` key date from 2000 to 2999, else undefined. */
function keyDayMs(keyDate: string | undefined): number | undefined {
  if (keyDate === undefined || !KEY_DATE.test(keyDate)) return undefined;
  const ms = parseTime(keyDate);
  return ms !== undefined && ms >= MIN_EVENT_TIME_MS && ms <= MAX_EVENT_TIME_MS ? ms : undefined;
}
