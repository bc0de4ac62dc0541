/**
 * Time zones for date parsing, date math rounding and date histograms: `Z`/`UTC`, fixed offsets
 * (`+01:00`, `-0500`) and IANA names (`Europe/Paris`), whose offsets at an instant come from the
 * platform's time-zone data (Intl), so daylight-saving changes fall where OpenSearch puts them.
 */
import { illegalArgument } from '../errors.js';

export interface Zone {
  readonly id: string;
  /** Minutes east of UTC at the instant `utcMillis`. */
  offsetAt(utcMillis: number): number;
}

export const utc: Zone = { id: 'Z', offsetAt: () => 0 };

function fixedZone(id: string, minutes: number): Zone {
  return { id, offsetAt: () => minutes };
}

function namedZone(id: string): Zone | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return {
    id,
    offsetAt(utcMillis: number): number {
      const parts: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(utcMillis))) parts[part.type] = Number(part.value);
      const wall = Date.UTC(
        parts.year!,
        parts.month! - 1,
        parts.day!,
        parts.hour!,
        parts.minute!,
        parts.second!,
      );
      return Math.round((wall - Math.floor(utcMillis / 1000) * 1000) / 60_000);
    },
  };
}

/** Parses a `time_zone` parameter; throws OpenSearch's error for an unknown zone. */
export function parseZone(text: string): Zone {
  if (text === 'Z' || text === 'UTC' || text === 'utc' || text === 'GMT') return utc;
  const offset = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? '0');
    if (Number(offset[2]) > 18)
      throw illegalArgument(
        `Zone offset hours not in valid range: value ${offset[2]} is not in the range -18 to 18`,
      );
    return fixedZone(text, offset[1] === '-' ? -minutes : minutes);
  }
  const named = namedZone(text);
  if (!named) throw illegalArgument(`Unknown time-zone ID: ${text}`);
  return named;
}

/** UTC millis of a wall-clock time (given as if it were UTC) in `zone`. */
export function wallToUtc(zone: Zone, wallMillis: number): number {
  let guess = wallMillis - zone.offsetAt(wallMillis) * 60_000;
  guess = wallMillis - zone.offsetAt(guess) * 60_000;
  return guess;
}

/** Wall-clock millis (as if UTC) of the instant `utcMillis` in `zone`. */
export function utcToWall(zone: Zone, utcMillis: number): number {
  return utcMillis + zone.offsetAt(utcMillis) * 60_000;
}

/** `Z` for UTC, else `+01:00` (the offset at `utcMillis`), as OpenSearch prints dates. */
export function offsetText(zone: Zone, utcMillis: number): string {
  const minutes = zone.offsetAt(utcMillis);
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
