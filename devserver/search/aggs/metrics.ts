/**
 * Metric aggregations: `value_count`, `min`, `max`, `sum`, `avg`, `stats` and `cardinality` (exact: the
 * dev server counts distinct values instead of estimating them, which OpenSearch also does below its
 * precision threshold). `missing` stands in for documents without a value.
 */
import { formatDate, parseDate } from '../../mapping/dates.js';
import type { AggRunner, AggValue, DocSet, Json } from './context.js';
import { aggParseError, docsWithoutValue, fieldType, forEachValue, requireField } from './context.js';

/** Every value of the field in the sets, plus `missing` once per document without one. */
function collect(sets: DocSet[], field: string, missing: unknown, type: string | undefined): AggValue[] {
  const values: AggValue[] = [];
  for (const set of sets) forEachValue(set, field, (_doc, value) => values.push(value));
  if (missing !== undefined) {
    const replacement = missingValue(missing, type);
    for (const set of sets)
      for (let n = docsWithoutValue(set, field).length; n > 0; n--) values.push(replacement);
  }
  return values;
}

/** `missing` converted as the field type reads values. */
export function missingValue(missing: unknown, type: string | undefined): AggValue {
  if (type === 'date' || type === 'date_nanos')
    return typeof missing === 'number' ? missing : (parseDate(String(missing)) ?? NaN);
  if (type === 'boolean') return missing === true || missing === 'true' ? 1 : 0;
  if (typeof missing === 'number') return missing;
  if (type !== undefined && type !== 'keyword' && type !== 'ip' && type !== 'text' && type !== 'wildcard')
    return Number(missing);
  return String(missing);
}

function numbers(values: AggValue[]): number[] {
  return values.filter((v): v is number => typeof v === 'number');
}

function withDateString(value: number | null, type: string | undefined, format?: string): Json {
  if (value !== null && (type === 'date' || type === 'date_nanos'))
    return { value, value_as_string: formatDate(value, format) };
  return { value };
}

const valueCount: AggRunner = (_name, body, sets) => {
  const field = requireField('value_count', body);
  return { value: collect(sets, field, body.missing, fieldType(sets, field)).length };
};

function extreme(kind: 'min' | 'max'): AggRunner {
  return (_name, body, sets) => {
    const field = requireField(kind, body);
    const type = fieldType(sets, field);
    const found = numbers(collect(sets, field, body.missing, type));
    if (found.length === 0) return { value: null };
    const value = found.reduce((a, b) => (kind === 'min' ? Math.min(a, b) : Math.max(a, b)));
    return withDateString(value, type, body.format as string | undefined);
  };
}

const sum: AggRunner = (_name, body, sets) => {
  const field = requireField('sum', body);
  return {
    value: numbers(collect(sets, field, body.missing, fieldType(sets, field))).reduce((a, b) => a + b, 0),
  };
};

const avg: AggRunner = (_name, body, sets) => {
  const field = requireField('avg', body);
  const found = numbers(collect(sets, field, body.missing, fieldType(sets, field)));
  return { value: found.length === 0 ? null : found.reduce((a, b) => a + b, 0) / found.length };
};

const stats: AggRunner = (_name, body, sets) => {
  const field = requireField('stats', body);
  const found = numbers(collect(sets, field, body.missing, fieldType(sets, field)));
  if (found.length === 0) return { count: 0, min: null, max: null, avg: null, sum: 0 };
  const total = found.reduce((a, b) => a + b, 0);
  return {
    count: found.length,
    min: found.reduce((a, b) => Math.min(a, b)),
    max: found.reduce((a, b) => Math.max(a, b)),
    avg: total / found.length,
    sum: total,
  };
};

const cardinality: AggRunner = (name, body, sets) => {
  const field = requireField('cardinality', body);
  const threshold = body.precision_threshold;
  if (threshold !== undefined && Number(threshold) < 0) {
    throw aggParseError(
      'cardinality',
      'precision_threshold',
      `[precisionThreshold] must be greater than or equal to 0. Found [${String(threshold)}] in [${name}]`,
    );
  }
  return { value: new Set(collect(sets, field, body.missing, fieldType(sets, field))).size };
};

export const metricAggregations: Record<string, AggRunner> = {
  value_count: valueCount,
  min: extreme('min'),
  max: extreme('max'),
  sum,
  avg,
  stats,
  cardinality,
};
