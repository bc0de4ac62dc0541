/**
 * Date parsing and printing for `date` fields, range queries and date aggregations: the named formats
 * CloudTrail clients use, simple Java-style patterns (`yyyy/MM/dd HH:mm:ss`), `a||b` alternatives,
 * and date math (`now-7d/d`). Results are epoch milliseconds; a date without an offset is read in the
 * given time zone (UTC unless a query's `time_zone` says otherwise), and date math rounds in it.
 */
import { offsetText, utc, utcToWall, wallToUtc, type Zone } from './time-zones.js';

export const defaultDateFormat = 'strict_date_optional_time||epoch_millis';
/** The mapping format OpenSearch records when the slash-style dynamic date format matched. */
export const slashDynamicDateFormat = 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis';

type Parser = (text: string, zone: Zone) => number | undefined;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Builds epoch millis from parts, or undefined when a part is out of range (Java's strict resolver). */
/** Epoch millis of the parts, read at `offsetMinutes` or, without one, in `zone`. */
function fromParts(
  zone: Zone,
  offsetMinutes: number | undefined,
  y: number,
  mo = 1,
  d = 1,
  h = 0,
  mi = 0,
  s = 0,
  fraction = '',
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const millis = Number((fraction + '000').slice(0, 3));
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, millis));
  date.setUTCFullYear(y);
  const wall = date.getTime();
  return offsetMinutes === undefined ? wallToUtc(zone, wall) : wall - offsetMinutes * 60_000;
}

/** Minutes of an offset written in a date (`Z`, `+01:00`, `-0500`); undefined when absent; NaN when bad. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone) return undefined;
  if (zone === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return NaN;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
  if (Number(match[2]) > 18) return NaN;
  return match[1] === '-' ? -minutes : minutes;
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digit at `index` of `text` as a number, or -1. */
function digitAt(text: string, index: number): number {
  const value = text.charCodeAt(index) - 48;
  return value >= 0 && value <= 9 ? value : -1;
}

/** Two digits at `index` as a number, or -1. */
function twoDigits(text: string, index: number): number {
  const tens = digitAt(text, index);
  const units = digitAt(text, index + 1);
  return tens < 0 || units < 0 ? -1 : tens * 10 + units;
}

/**
 * Days from 1970-01-01 to a valid date of the proleptic Gregorian calendar with year >= 1 (Howard
 * Hinnant's days_from_civil): what Date.UTC computes, in integer arithmetic without the builtin call.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The shapes nearly every date arrives in (`2024-01-01T09:36:00Z`, `2024-01-01T09:36:00.000Z`, with
 * 0-9 fraction digits, `Z` or no offset), read with character codes: every event carries two or three
 * of them, and the ISO regular expression plus the Date object of `fromParts` cost more than the rest
 * of a date field. Returns undefined for anything else, including out-of-range parts and years before
 * 100 (which Date.UTC would read as 19xx), so the caller falls back to the full parser: what this
 * accepts it reads exactly as that parser does.
 */
function commonIsoDateTime(text: string, zone: Zone): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined; // -
  if (text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return undefined; // T :
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if ((century | yearOfCentury | month | day | hour | minute | second) < 0) return undefined;
  const year = century * 100 + yearOfCentury;
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : monthDays[month - 1]!)) return undefined;
  let index = 19;
  let millis = 0;
  const separator = text.charCodeAt(index);
  if (separator === 46 || separator === 44) {
    // `.` or `,` and 1-9 digits, of which the first three are the milliseconds.
    const start = ++index;
    while (index < length && index - start < 10 && digitAt(text, index) >= 0) index++;
    const digits = index - start;
    if (digits === 0 || digits > 9) return undefined;
    for (let i = 0; i < 3; i++) millis = millis * 10 + (i < digits ? digitAt(text, start + i) : 0);
  }
  const wall =
    ((daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
  if (index === length) return wallToUtc(zone, wall);
  return index === length - 1 && text.charCodeAt(index) === 90 ? wall : undefined; // Z
}

function isoParser(strict: boolean): Parser {
  const n = strict ? (k: number) => `\\d{${k}}` : () => '\\d{1,2}';
  const pattern = new RegExp(
    `^([+-]?\\d{4,9})(?:-(${n(2)})(?:-(${n(2)}))?)?` +
      `(?:T(${n(2)})(?::(${n(2)})(?::(${n(2)})(?:[.,](\\d{1,9}))?)?)?(Z|[+-]\\d{2}(?::?\\d{2})?)?)?$`,
  );
  return (text, zone) => {
    const common = commonIsoDateTime(text, zone);
    if (common !== undefined) return common;
    const m = pattern.exec(text);
    if (!m) return undefined;
    const offset = zoneOffsetMinutes(m[8]);
    if (Number.isNaN(offset)) return undefined;
    const num = (i: number): number | undefined => (m[i] === undefined ? undefined : Number(m[i]));
    return fromParts(zone, offset, Number(m[1]), num(2), num(3), num(4), num(5), num(6), m[7] ?? '');
  };
}

const epochParser =
  (scale: number): Parser =>
  (text) =>
    /^-?\d+(\.\d+)?$/.test(text) ? Math.trunc(Number(text) * scale) : undefined;

/** Compiles a Java-style pattern using the letters y M d H m s S Z X and quoted literals. */
function patternParser(pattern: string): Parser | undefined {
  let regex = '^';
  const groups: string[] = [];
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i]!;
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return undefined;
      regex += pattern.slice(i + 1, end).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i = end + 1;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === ch) run++;
    const pieces: Record<string, string> = {
      y: `(\\d{${Math.max(run, 4)}})`,
      M: '(\\d{2})',
      d: '(\\d{2})',
      H: '(\\d{2})',
      m: '(\\d{2})',
      s: '(\\d{2})',
      S: `(\\d{1,${run}})`,
      Z: '(Z|[+-]\\d{2}:?\\d{2})',
      X: '(Z|[+-]\\d{2}(?::?\\d{2})?)',
    };
    if (/[a-zA-Z]/.test(ch)) {
      const piece = pieces[ch];
      if (!piece) return undefined;
      regex += piece;
      groups.push(ch);
    } else {
      regex += ch.repeat(run).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    i += run;
  }
  const compiled = new RegExp(regex + '$');
  return (text, zone) => {
    const match = compiled.exec(text);
    if (!match) return undefined;
    const part: Record<string, string> = {};
    groups.forEach((letter, index) => (part[letter] = match[index + 1]!));
    const offset = zoneOffsetMinutes(part.Z ?? part.X);
    if (Number.isNaN(offset) || part.y === undefined) return undefined;
    const num = (k: string): number | undefined => (part[k] === undefined ? undefined : Number(part[k]));
    return fromParts(
      zone,
      offset,
      Number(part.y),
      num('M'),
      num('d'),
      num('H'),
      num('m'),
      num('s'),
      part.S ?? '',
    );
  };
}

const namedParsers: Record<string, Parser> = {
  strict_date_optional_time: isoParser(true),
  strict_date_optional_time_nanos: isoParser(true),
  date_optional_time: isoParser(false),
  strict_date_time: isoParser(true),
  date_time: isoParser(false),
  strict_date_time_no_millis: isoParser(true),
  date_time_no_millis: isoParser(false),
  epoch_millis: epochParser(1),
  epoch_second: epochParser(1000),
  strict_date: patternParser('yyyy-MM-dd')!,
  date: patternParser('yyyy-MM-dd')!,
  basic_date: patternParser('yyyyMMdd')!,
};
/** The slash formats from the default `dynamic_date_formats`; the zone is optional. */
const slashParsers = [patternParser('yyyy/MM/dd HH:mm:ss')!, patternParser('yyyy/MM/dd')!];
namedParsers['yyyy/MM/dd HH:mm:ss Z'] = (t, zone) => slashParsers[0]!(t.replace(/ [+-]\d{4}$| Z$/, ''), zone);
namedParsers['yyyy/MM/dd Z'] = (t, zone) => slashParsers[1]!(t.replace(/ [+-]\d{4}$| Z$/, ''), zone);

const defaultParsers: readonly Parser[] = defaultDateFormat.split('||').map((name) => namedParsers[name]!);

function parserFor(format: string): Parser | undefined {
  return namedParsers[format] ?? (/^[a-z_]+$/.test(format) ? undefined : patternParser(format));
}

/** Returns the formats of `a||b` that this server cannot parse (empty when all are supported). */
export function unsupportedFormats(format: string): string[] {
  return format.split('||').filter((f) => parserFor(f.trim()) === undefined);
}

/** Parses with the first matching alternative of a `a||b` format, or returns undefined. */
export function parseDate(
  text: string,
  format: string = defaultDateFormat,
  zone: Zone = utc,
): number | undefined {
  if (format === defaultDateFormat) {
    // The format of nearly every date field: no split, trim and lookup per value.
    for (const parser of defaultParsers) {
      const value = parser(text, zone);
      if (value !== undefined && Number.isFinite(value)) return value;
    }
    return undefined;
  }
  for (const alternative of format.split('||')) {
    const value = parserFor(alternative.trim())?.(text, zone);
    if (value !== undefined && Number.isFinite(value)) return value;
  }
  return undefined;
}

const unitMillis: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  H: 3_600_000,
  m: 60_000,
  s: 1000,
};

function addUnit(millis: number, amount: number, unit: string): number {
  const date = new Date(millis);
  if (unit === 'y') date.setUTCFullYear(date.getUTCFullYear() + amount);
  else if (unit === 'M') date.setUTCMonth(date.getUTCMonth() + amount);
  else return millis + amount * unitMillis[unit]!;
  return date.getTime();
}

function roundDown(millis: number, unit: string): number {
  const d = new Date(millis);
  switch (unit) {
    case 'y':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
    case 'M':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'w': {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return day - ((d.getUTCDay() + 6) % 7) * 86_400_000; // weeks start on Monday
    }
    default:
      return millis - (((millis % unitMillis[unit]!) + unitMillis[unit]!) % unitMillis[unit]!);
  }
}

/**
 * Evaluates `now-7d/d` or `2024-01-01||+1M/d`. `roundUp` selects the end of a rounded period, as
 * OpenSearch does for `gt` and `lte`. Returns undefined when the expression does not parse.
 */
export function parseDateMath(
  expression: string,
  format: string,
  roundUp: boolean,
  nowMillis: number,
  zone: Zone = utc,
): number | undefined {
  let anchor: number | undefined;
  let math: string;
  if (expression.startsWith('now')) {
    anchor = nowMillis;
    math = expression.slice(3);
  } else {
    const split = expression.indexOf('||');
    const dateText = split >= 0 ? expression.slice(0, split) : expression;
    math = split >= 0 ? expression.slice(split + 2) : '';
    anchor = parseDate(dateText, format, zone);
  }
  if (anchor === undefined) return undefined;
  // Date math works on the wall clock of the zone: `/d` rounds to the zone's midnight.
  let value = utcToWall(zone, anchor);
  const steps = /([+-])(\d*)([yMwdhHms])|\/([yMwdhHms])/g;
  let consumed = 0;
  for (const step of math.matchAll(steps)) {
    if (step.index !== consumed) return undefined;
    consumed += step[0].length;
    if (step[4]) {
      value = roundDown(value, step[4]);
      if (roundUp) value = addUnit(value, 1, step[4]) - 1;
    } else {
      const amount = Number(step[2] || '1') * (step[1] === '-' ? -1 : 1);
      value = addUnit(value, amount, step[3]!);
    }
  }
  return consumed === math.length ? wallToUtc(zone, value) : undefined;
}

export { addUnit as addCalendarUnit, roundDown as roundDownToUnit };

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Prints with a Java-style pattern (y M d H m s S E Z X x and quoted text). */
function printPattern(pattern: string, millis: number, zone: Zone): string {
  const wall = new Date(utcToWall(zone, millis));
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i]!;
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === ch) run++;
    const pad = (n: number, width = run): string => String(n).padStart(width, '0');
    switch (ch) {
      case 'y':
      case 'u':
        out += run === 2 ? pad(wall.getUTCFullYear() % 100) : pad(wall.getUTCFullYear(), Math.max(run, 4));
        break;
      case 'M':
        out +=
          run >= 4
            ? monthNames[wall.getUTCMonth()]
            : run === 3
              ? monthNames[wall.getUTCMonth()]!.slice(0, 3)
              : pad(wall.getUTCMonth() + 1);
        break;
      case 'd':
        out += pad(wall.getUTCDate());
        break;
      case 'H':
        out += pad(wall.getUTCHours());
        break;
      case 'm':
        out += pad(wall.getUTCMinutes());
        break;
      case 's':
        out += pad(wall.getUTCSeconds());
        break;
      case 'S':
        out += pad(wall.getUTCMilliseconds(), 3).slice(0, run).padEnd(run, '0');
        break;
      case 'E':
        out += run >= 4 ? dayNames[wall.getUTCDay()] : dayNames[wall.getUTCDay()]!.slice(0, 3);
        break;
      case 'Z':
      case 'X':
      case 'x': {
        const text = offsetText(zone, millis);
        out +=
          ch === 'Z' && run < 3 && text !== 'Z'
            ? text.replace(':', '')
            : ch === 'Z' && text === 'Z' && run < 5
              ? '+0000'
              : text;
        break;
      }
      default:
        out += /[a-zA-Z]/.test(ch) ? '' : ch.repeat(run);
    }
    i += run;
  }
  return out;
}

/**
 * How OpenSearch prints a date with `format` (the field's or the aggregation's) in `zone`: the first
 * alternative of `a||b`; ISO `strict_date_optional_time` by default.
 */
export function formatDate(millis: number, format = defaultDateFormat, zone: Zone = utc): string {
  const first = format.split('||')[0]!.trim();
  switch (first) {
    case 'epoch_millis':
      return String(millis);
    case 'epoch_second':
      return String(Math.floor(millis / 1000));
    case 'strict_date':
    case 'date':
      return printPattern('yyyy-MM-dd', millis, zone);
    case 'basic_date':
      return printPattern('yyyyMMdd', millis, zone);
    case 'strict_date_time_no_millis':
    case 'date_time_no_millis':
      return printPattern("yyyy-MM-dd'T'HH:mm:ss", millis, zone) + offsetText(zone, millis);
    default:
      if (namedParsers[first] !== undefined || first.includes('_')) {
        return printPattern("yyyy-MM-dd'T'HH:mm:ss.SSS", millis, zone) + offsetText(zone, millis);
      }
      return printPattern(first, millis, zone);
  }
}
