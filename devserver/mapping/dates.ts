/**
 * Date parsing for `date` fields and range queries: the named formats CloudTrail clients use, simple
 * Java-style patterns (`yyyy/MM/dd HH:mm:ss`), `a||b` alternatives, and date math (`now-7d/d`).
 * Everything is UTC; results are epoch milliseconds.
 */

export const defaultDateFormat = 'strict_date_optional_time||epoch_millis';
/** The mapping format OpenSearch records when the slash-style dynamic date format matched. */
export const slashDynamicDateFormat = 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis';

type Parser = (text: string) => number | undefined;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Builds epoch millis from parts, or undefined when a part is out of range (Java's strict resolver). */
function fromParts(
  y: number,
  mo = 1,
  d = 1,
  h = 0,
  mi = 0,
  s = 0,
  fraction = '',
  offsetMinutes = 0,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const millis = Number((fraction + '000').slice(0, 3));
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, millis));
  date.setUTCFullYear(y);
  return date.getTime() - offsetMinutes * 60_000;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
  if (Number(match[2]) > 18) return undefined;
  return match[1] === '-' ? -minutes : minutes;
}

function isoParser(strict: boolean): Parser {
  const n = strict ? (k: number) => `\\d{${k}}` : () => '\\d{1,2}';
  const pattern = new RegExp(
    `^([+-]?\\d{4,9})(?:-(${n(2)})(?:-(${n(2)}))?)?` +
      `(?:T(${n(2)})(?::(${n(2)})(?::(${n(2)})(?:[.,](\\d{1,9}))?)?)?(Z|[+-]\\d{2}(?::?\\d{2})?)?)?$`,
  );
  return (text) => {
    const m = pattern.exec(text);
    if (!m) return undefined;
    const offset = zoneOffsetMinutes(m[8]);
    if (offset === undefined) return undefined;
    const num = (i: number): number | undefined => (m[i] === undefined ? undefined : Number(m[i]));
    return fromParts(Number(m[1]), num(2), num(3), num(4), num(5), num(6), m[7] ?? '', offset);
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
  return (text) => {
    const match = compiled.exec(text);
    if (!match) return undefined;
    const part: Record<string, string> = {};
    groups.forEach((letter, index) => (part[letter] = match[index + 1]!));
    const offset = zoneOffsetMinutes(part.Z ?? part.X);
    if (offset === undefined || part.y === undefined) return undefined;
    const num = (k: string): number | undefined => (part[k] === undefined ? undefined : Number(part[k]));
    return fromParts(Number(part.y), num('M'), num('d'), num('H'), num('m'), num('s'), part.S ?? '', offset);
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
namedParsers['yyyy/MM/dd HH:mm:ss Z'] = (t) => slashParsers[0]!(t.replace(/ [+-]\d{4}$| Z$/, ''));
namedParsers['yyyy/MM/dd Z'] = (t) => slashParsers[1]!(t.replace(/ [+-]\d{4}$| Z$/, ''));

function parserFor(format: string): Parser | undefined {
  return namedParsers[format] ?? (/^[a-z_]+$/.test(format) ? undefined : patternParser(format));
}

/** Returns the formats of `a||b` that this server cannot parse (empty when all are supported). */
export function unsupportedFormats(format: string): string[] {
  return format.split('||').filter((f) => parserFor(f.trim()) === undefined);
}

/** Parses with the first matching alternative of a `a||b` format, or returns undefined. */
export function parseDate(text: string, format: string = defaultDateFormat): number | undefined {
  for (const alternative of format.split('||')) {
    const value = parserFor(alternative.trim())?.(text);
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
    anchor = parseDate(dateText, format);
  }
  if (anchor === undefined) return undefined;
  let value = anchor;
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
  return consumed === math.length ? value : undefined;
}

/** ISO text of epoch millis, as `_cat` and aggregations print dates. */
export function formatDate(millis: number): string {
  return new Date(millis).toISOString();
}
