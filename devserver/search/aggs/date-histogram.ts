/**
 * `date_histogram` (OPENSEARCH.md §6.6): buckets of `calendar_interval` (minute to year, in the
 * aggregation's `time_zone`, weeks starting on Monday) or `fixed_interval` (multiples of ms, s, m, h,
 * d), with `offset`, `min_doc_count` (0 by default: the empty buckets between the first and last are
 * listed), `extended_bounds`, `hard_bounds`, `format`, `order` and `keyed`. The same rounding serves
 * composite's date_histogram source.
 */
import { OpenSearchError, illegalArgument } from '../../errors.js';
import { addCalendarUnit, parseDateMath, roundDownToUnit } from '../../mapping/dates.js';
import { parseZone, utc, utcToWall, wallToUtc, type Zone } from '../../mapping/time-zones.js';
import {
  BucketDocs,
  fieldType,
  forEachValue,
  renderKey,
  requireField,
  type AggRunner,
  type Json,
} from './context.js';

const calendarUnits: Record<string, string> = {
  minute: 'm',
  '1m': 'm',
  hour: 'h',
  '1h': 'h',
  day: 'd',
  '1d': 'd',
  week: 'w',
  '1w': 'w',
  month: 'M',
  '1M': 'M',
  quarter: 'q',
  '1q': 'q',
  year: 'y',
  '1y': 'y',
};

const fixedUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseError(field: string, reason: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'x_content_parse_exception',
    `[1:1] [date_histogram] failed to parse field [${field}]`,
    {},
    {
      type: 'illegal_argument_exception',
      reason,
    },
  );
}

function fixedMillis(text: string, field: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) {
    throw parseError(
      field,
      `failed to parse setting [date_histogram.fixedInterval] with value [${text}] as a time value: unit is missing or unrecognized`,
    );
  }
  return Number(match[1]) * fixedUnits[match[2]!]!;
}

/** Rounds an instant down to the start of its bucket. */
export interface Rounding {
  round(millis: number): number;
  next(bucketStart: number): number;
}

export function parseRounding(body: Json, zone: Zone): Rounding {
  const calendar = body.calendar_interval;
  const fixed = body.fixed_interval;
  const legacy = body.interval;
  if (calendar !== undefined && fixed !== undefined) {
    throw parseError(
      'fixed_interval',
      'Cannot use [fixed_interval] with [calendar_interval] configuration option.',
    );
  }
  const offset = body.offset === undefined ? 0 : offsetMillis(String(body.offset));
  let unit: string | undefined;
  let interval: number | undefined;
  if (calendar !== undefined) {
    unit = calendarUnits[String(calendar)];
    if (!unit)
      throw parseError(
        'calendar_interval',
        `The supplied interval [${String(calendar)}] could not be parsed as a calendar interval.`,
      );
  } else if (fixed !== undefined) {
    interval = fixedMillis(String(fixed), 'fixed_interval');
  } else if (legacy !== undefined) {
    unit = calendarUnits[String(legacy)];
    if (!unit) interval = fixedMillis(String(legacy), 'interval');
  } else {
    throw illegalArgument('Invalid interval specified, must be non-null and non-empty');
  }
  if (unit !== undefined) {
    const calendarUnit = unit;
    const roundWall = (wall: number): number => {
      if (calendarUnit !== 'q') return roundDownToUnit(wall, calendarUnit);
      const date = new Date(wall);
      return Date.UTC(date.getUTCFullYear(), Math.floor(date.getUTCMonth() / 3) * 3, 1);
    };
    const step = (wall: number): number =>
      calendarUnit === 'q' ? addCalendarUnit(wall, 3, 'M') : addCalendarUnit(wall, 1, calendarUnit);
    return {
      round: (millis) => wallToUtc(zone, roundWall(utcToWall(zone, millis - offset))) + offset,
      next: (start) => wallToUtc(zone, step(utcToWall(zone, start - offset))) + offset,
    };
  }
  const size = interval!;
  return {
    round: (millis) => wallToUtc(zone, Math.floor((utcToWall(zone, millis) - offset) / size) * size + offset),
    next: (start) => wallToUtc(zone, utcToWall(zone, start) + size),
  };
}

function offsetMillis(text: string): number {
  const match = /^([+-])?(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match)
    throw illegalArgument(
      `failed to parse setting [date_histogram.offset] with value [${text}] as a time value`,
    );
  return (match[1] === '-' ? -1 : 1) * Number(match[2]) * fixedUnits[match[3]!]!;
}

function bound(value: unknown, now: number, zone: Zone): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  const millis = parseDateMath(String(value), 'strict_date_optional_time||epoch_millis', false, now, zone);
  if (millis === undefined) throw illegalArgument(`failed to parse date field [${String(value)}]`);
  return millis;
}

export const dateHistogramAggregation: AggRunner = (_name, body, sets, context, subAggs) => {
  const field = requireField('date_histogram', body);
  const type = fieldType(sets, field);
  if (
    type !== undefined &&
    type !== 'date' &&
    type !== 'date_nanos' &&
    type !== 'long' &&
    type !== 'integer'
  ) {
    throw illegalArgument(
      `Field [${field}] of type [${type}] is not supported for aggregation [date_histogram]`,
    );
  }
  const zone = typeof body.time_zone === 'string' ? parseZone(body.time_zone) : utc;
  const rounding = parseRounding(body, zone);
  const minDocCount = body.min_doc_count === undefined ? 0 : Number(body.min_doc_count);
  const format = typeof body.format === 'string' ? body.format : undefined;
  const hard = (body.hard_bounds ?? {}) as Json;
  const hardMin = bound(hard.min, context.now, zone);
  const hardMax = bound(hard.max, context.now, zone);

  const buckets = new Map<number, BucketDocs>();
  for (const set of sets) {
    forEachValue(set, field, (doc, value) => {
      const millis = value as number;
      if ((hardMin !== undefined && millis < hardMin) || (hardMax !== undefined && millis > hardMax)) return;
      const key = rounding.round(millis);
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = new BucketDocs()));
      bucket.add(set, doc);
    });
  }
  let keys = [...buckets.keys()].sort((a, b) => a - b);
  if (minDocCount === 0) {
    const extended = (body.extended_bounds ?? {}) as Json;
    const low = bound(extended.min, context.now, zone);
    const high = bound(extended.max, context.now, zone);
    const first = Math.min(
      ...[keys[0], low === undefined ? undefined : rounding.round(low)].filter(
        (k): k is number => k !== undefined,
      ),
    );
    const last = Math.max(
      ...[keys[keys.length - 1], high === undefined ? undefined : rounding.round(high)].filter(
        (k): k is number => k !== undefined,
      ),
    );
    if (Number.isFinite(first) && Number.isFinite(last)) {
      const filled: number[] = [];
      for (let key = first; key <= last && filled.length <= 100_000; key = rounding.next(key)) {
        if (
          (hardMin === undefined || key >= rounding.round(hardMin)) &&
          (hardMax === undefined || key <= hardMax)
        )
          filled.push(key);
      }
      keys = filled;
    }
  }
  const rendered = keys
    .map((key) => ({ key, docs: buckets.get(key) }))
    .filter(({ docs }) => (docs?.count ?? 0) >= minDocCount)
    .map(({ key, docs }) => {
      const { key: k, key_as_string } = renderKey(key, 'date', format, zone);
      return {
        key_as_string,
        key: k,
        doc_count: docs?.count ?? 0,
        ...(subAggs ? context.runSubAggs(subAggs, docs?.sets() ?? []) : {}),
      };
    });
  const order = body.order as Record<string, string> | undefined;
  if (order && (order._key === 'desc' || order._count !== undefined)) {
    rendered.sort((a, b) =>
      order._count !== undefined
        ? (order._count === 'desc' ? b.doc_count - a.doc_count : a.doc_count - b.doc_count) ||
          (a.key as number) - (b.key as number)
        : (b.key as number) - (a.key as number),
    );
  }
  if (body.keyed === true)
    return { buckets: Object.fromEntries(rendered.map((bucket) => [bucket.key_as_string, bucket])) };
  return { buckets: rendered };
};
