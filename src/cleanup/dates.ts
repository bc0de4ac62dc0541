/**
 * Calendar-day arithmetic on `YYYY-MM-DD` strings, always in UTC. Zero-padded four-digit years make
 * string order equal date order, so callers can compare dates with `<` / `<=`.
 */
import { utcDay } from '../util/dates.js';

const DAY_MS = 86_400_000;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when `text` is exactly `YYYY-MM-DD` and names a real day (2023-02-29 and 2024-13-45 are not). */
export function isCalendarDate(text: string): boolean {
  const match = YMD.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export { utcDay };

/** The UTC day `days` after (negative: before) the day containing `ms`. */
export function utcDayOffset(ms: number, days: number): string {
  const midnight = Math.floor(ms / DAY_MS) * DAY_MS;
  return utcDay(midnight + days * DAY_MS);
}
