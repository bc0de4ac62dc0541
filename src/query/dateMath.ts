/**
 * `--from`/`--to` values: an absolute time (`2024-05-01`, `2024-05-01T10:00:00Z`, epoch milliseconds)
 * or OpenSearch date math (`now-7d/d`, `2024-05-01||+1M`), resolved here to one instant so the query
 * can name only the daily indices the range covers. Rounding follows OpenSearch's range query: on a
 * lower bound `/d` goes to the day's first millisecond, on an upper bound to its last.
 */
export class DateMathError extends Error {
  override name = 'DateMathError';
}

const UNIT_MS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  H: 3_600_000,
  m: 60_000,
  s: 1_000,
};

export type Bound = 'lower' | 'upper';

/** The instant (epoch ms) `expression` names, with `now` taken from `nowMs`. */
export function resolveDateMath(expression: string, bound: Bound, nowMs: number): number {
  const text = expression.trim();
  let anchor: number;
  let ops: string;
  if (text.startsWith('now')) {
    anchor = nowMs;
    ops = text.slice(3);
  } else {
    const split = text.indexOf('||');
    const base = split >= 0 ? text.slice(0, split) : text;
    ops = split >= 0 ? text.slice(split + 2) : '';
    anchor = parseAbsolute(base, bound, expression);
  }
  return applyOps(anchor, ops, bound, expression);
}

function parseAbsolute(text: string, bound: Bound, whole: string): number {
  if (/^\d{10,}$/.test(text)) return Number(text);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== text) throw invalid(whole);
    // A bare day is the whole day: as an upper bound it includes the day's last millisecond.
    return bound === 'upper' ? start + UNIT_MS.d! - 1 : start;
  }
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!time) throw invalid(whole);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(whole);
  return ms;
}

function applyOps(start: number, ops: string, bound: Bound, whole: string): number {
  let at = start;
  let rest = ops;
  while (rest !== '') {
    const step = /^([+-])(\d+)([yMwdhHms])/.exec(rest);
    if (step) {
      const amount = Number(step[2]) * (step[1] === '-' ? -1 : 1);
      at = shift(at, amount, step[3]!);
      rest = rest.slice(step[0].length);
      continue;
    }
    const round = /^\/([yMwdhHms])/.exec(rest);
    if (!round) throw invalid(whole);
    at = roundTo(at, round[1]!, bound);
    rest = rest.slice(round[0].length);
  }
  return at;
}

function shift(at: number, amount: number, unit: string): number {
  const date = new Date(at);
  if (unit === 'y') return date.setUTCFullYear(date.getUTCFullYear() + amount);
  if (unit === 'M') return date.setUTCMonth(date.getUTCMonth() + amount);
  return at + amount * UNIT_MS[unit]!;
}

function roundTo(at: number, unit: string, bound: Bound): number {
  const date = new Date(at);
  let start: number;
  let next: number;
  if (unit === 'y') {
    start = Date.UTC(date.getUTCFullYear(), 0, 1);
    next = Date.UTC(date.getUTCFullYear() + 1, 0, 1);
  } else if (unit === 'M') {
    start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  } else if (unit === 'w') {
    // Weeks start on Monday, as in OpenSearch.
    const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    start = day - ((date.getUTCDay() + 6) % 7) * UNIT_MS.d!;
    next = start + UNIT_MS.w!;
  } else {
    const size = UNIT_MS[unit]!;
    start = Math.floor(at / size) * size;
    next = start + size;
  }
  return bound === 'upper' ? next - 1 : start;
}

function invalid(expression: string): DateMathError {
  return new DateMathError(
    `"${expression}" is not a time: expected YYYY-MM-DD, an ISO 8601 time with a zone (2024-05-01T10:00:00Z), ` +
      'epoch milliseconds, or date math such as now-7d/d or 2024-05-01||+1M',
  );
}
