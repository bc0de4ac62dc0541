/**
 * Which daily indices a search reads. With a time range, only the days it covers: each day by name, a
 * whole calendar month as `PREFIX YYYY-MM-*` and a whole year as `PREFIX YYYY-*`, so the list stays
 * short for long ranges and never becomes a wildcard over every day. Without a range, every daily
 * index (`PREFIX2*`, the template's pattern).
 */
import { indexPattern } from '../template/template.js';

const DAY_MS = 86_400_000;

export interface TimeRange {
  /** Epoch ms, inclusive. */
  fromMs?: number;
  /** Epoch ms, inclusive. */
  toMs?: number;
}

/** Earliest and latest day a daily index can have (the builder writes years 2000-2999 only). */
const FIRST_DAY = Date.UTC(2000, 0, 1);
const LAST_DAY = Date.UTC(2999, 11, 31);

/** The index expressions (comma-joined in the search path) for `range`. */
export function indicesFor(prefix: string, range: TimeRange): string[] {
  if (range.fromMs === undefined && range.toMs === undefined) return [indexPattern(prefix)];
  const first = Math.max(FIRST_DAY, dayOf(range.fromMs ?? FIRST_DAY));
  const last = Math.min(LAST_DAY, dayOf(range.toMs ?? LAST_DAY));
  if (first > last) return [];
  const names: string[] = [];
  let day = first;
  while (day <= last) {
    const date = new Date(day);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    const yearEnd = Date.UTC(year + 1, 0, 1) - DAY_MS;
    const monthEnd = Date.UTC(year, month + 1, 1) - DAY_MS;
    if (month === 0 && date.getUTCDate() === 1 && yearEnd <= last) {
      names.push(`${prefix}${year}-*`);
      day = yearEnd + DAY_MS;
    } else if (date.getUTCDate() === 1 && monthEnd <= last) {
      names.push(`${prefix}${date.toISOString().slice(0, 7)}-*`);
      day = monthEnd + DAY_MS;
    } else {
      names.push(prefix + date.toISOString().slice(0, 10));
      day += DAY_MS;
    }
  }
  return names;
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
