/**
 * The UTC day (`YYYY-MM-DD`) a CloudTrail log file belongs to, read from its S3 key; used to place a
 * record whose own eventTime is missing or unparseable.
 *
 * Candidates, most specific first (a user prefix may itself contain dates, so position matters):
 *  1. the `YYYY/MM/DD/` directories directly above the file name (CloudTrail's layout);
 *  2. the `_YYYYMMDDTHHMMZ_` stamp in the file name;
 *  3. any other `YYYY/MM/DD` run of directories, nearest the file first.
 * Each must be a real calendar date (2022/02/30 is rejected and the next candidate tried).
 */
export function keyDate(key: string): string | undefined {
  const segments = key.split('/');
  const fileName = segments[segments.length - 1] ?? '';
  const dirs = segments.slice(0, -1);

  const aboveFile = dateFromDirs(dirs, dirs.length - 3);
  if (aboveFile) return aboveFile;

  const stamp = /_(\d{4})(\d{2})(\d{2})T\d{4}Z_/.exec(fileName);
  if (stamp) {
    const date = calendarDate(stamp[1] ?? '', stamp[2] ?? '', stamp[3] ?? '');
    if (date) return date;
  }

  for (let start = dirs.length - 4; start >= 0; start--) {
    const date = dateFromDirs(dirs, start);
    if (date) return date;
  }
  return undefined;
}

function dateFromDirs(dirs: string[], start: number): string | undefined {
  if (start < 0) return undefined;
  const [year, month, day] = dirs.slice(start, start + 3);
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (!/^\d{4}$/.test(year) || !/^\d{2}$/.test(month) || !/^\d{2}$/.test(day)) return undefined;
  return calendarDate(year, month, day);
}

/** `YYYY-MM-DD` when the parts name a day that exists, else undefined. */
function calendarDate(year: string, month: string, day: string): string | undefined {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < 1 || m < 1 || m > 12 || d < 1) return undefined;
  // Day 0 of the next month is the last day of this one; the UTC setter avoids 2-digit-year mapping.
  const probe = new Date(0);
  probe.setUTCFullYear(y, m, 0);
  if (d > probe.getUTCDate()) return undefined;
  return `${year}-${month}-${day}`;
}
