/**
 * Runs an `aggs` object: validates each aggregation's shape as OpenSearch's parser does, dispatches
 * to its type, recurses into sub-aggregations and echoes `meta` (first, as OpenSearch writes it).
 * Aggregation types OpenSearch has but this server does not implement are refused by name.
 */
import type { FlavorTraits } from '../../flavor.js';
import { parsingError } from '../shard.js';
import { bucketAggregations } from './buckets.js';
import { compositeAggregation } from './composite.js';
import type { AggContext, AggRunner, DocSet, Json } from './context.js';
import { dateHistogramAggregation } from './date-histogram.js';
import { metricAggregations } from './metrics.js';
import { termsAggregation } from './terms.js';

const runners: Record<string, AggRunner> = {
  ...metricAggregations,
  ...bucketAggregations,
  terms: termsAggregation,
  date_histogram: dateHistogramAggregation,
  composite: compositeAggregation,
};

const notImplemented = new Set([
  'histogram',
  'range',
  'date_range',
  'ip_range',
  'multi_terms',
  'rare_terms',
  'significant_terms',
  'significant_text',
  'auto_date_histogram',
  'variable_width_histogram',
  'percentiles',
  'percentile_ranks',
  'extended_stats',
  'weighted_avg',
  'median_absolute_deviation',
  'geo_bounds',
  'geo_centroid',
  'geohash_grid',
  'geotile_grid',
  'scripted_metric',
  'global',
  'nested',
  'reverse_nested',
  'sampler',
  'diversified_sampler',
  'adjacency_matrix',
  'matrix_stats',
  'avg_bucket',
  'sum_bucket',
  'max_bucket',
  'min_bucket',
  'stats_bucket',
  'bucket_script',
  'bucket_selector',
  'bucket_sort',
  'cumulative_sum',
  'derivative',
  'moving_fn',
  'serial_diff',
]);

const validName = /^[^[\]>]+$/;

export function runAggregations(aggs: unknown, sets: DocSet[], traits: FlavorTraits, now: number): Json {
  const context: AggContext = {
    traits,
    now,
    runSubAggs: (subAggs, subSets) => (subAggs === undefined ? {} : runAll(subAggs, subSets, context)),
  };
  return runAll(aggs, sets, context);
}

function runAll(aggs: unknown, sets: DocSet[], context: AggContext): Json {
  if (typeof aggs !== 'object' || aggs === null || Array.isArray(aggs)) {
    throw parsingError(
      'Expected [START_OBJECT] under [aggregations], but got a [' + typeof aggs + '] in [aggregations]',
    );
  }
  const out: Json = {};
  for (const [name, rawSpec] of Object.entries(aggs as Json)) {
    if (!validName.test(name)) {
      throw parsingError(
        `Invalid aggregation name [${name}]. Aggregation names can contain any character except '[', ']', and '>'`,
      );
    }
    if (typeof rawSpec !== 'object' || rawSpec === null) {
      throw parsingError(`Expected [START_OBJECT] under [${name}], but got a [VALUE] in [${name}]`);
    }
    const spec = rawSpec as Json;
    const subAggs = (spec.aggs ?? spec.aggregations) as Json | undefined;
    const kinds = Object.keys(spec).filter((k) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta');
    if (kinds.length === 0) throw parsingError(`Missing definition for aggregation [${name}]`);
    if (kinds.length > 1) {
      throw parsingError(
        `Found two aggregation type definitions in [${name}]: [${kinds[0]}] and [${kinds[1]}]`,
      );
    }
    const kind = kinds[0]!;
    const runner = Object.prototype.hasOwnProperty.call(runners, kind) ? runners[kind] : undefined;
    if (!runner) {
      if (notImplemented.has(kind))
        throw parsingError(`the dev server does not implement the [${kind}] aggregation`);
      throw parsingError(`Unknown aggregation type [${kind}]`);
    }
    const body = spec[kind];
    if (typeof body !== 'object' || body === null)
      throw parsingError(`Expected [START_OBJECT] under [${kind}]`);
    const result = runner(name, body as Json, sets, context, subAggs);
    out[name] = spec.meta === undefined ? result : { meta: spec.meta, ...result };
  }
  return out;
}
