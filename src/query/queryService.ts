/**
 * The one query module behind the CLI's `activity`, `actors`, `services` and `top` and the query API.
 * Events are read in time order with `search_after` (never a deep `from`), one page at a time, so any
 * number of events costs one page of memory; `actors` and `services` page through a `composite`
 * aggregation. Every request goes through the HTTP layer (deadline, bounded answer), and a time range
 * reads only the daily indices it covers.
 */
import { accepted, type HttpCaller, type HttpRequest } from '../http/request.js';
import { HIT_DOC_VALUE_FIELDS } from '../template/mappings.js';
import { ACTOR_FIELDS, actorOf, type ActorType, type IdentityFacts } from './actor.js';
import { aggregatableField } from './fields.js';
import { queryOf, timeRangeOf, type ActivityFilters } from './filters.js';
import { indicesFor } from './indices.js';

type Dsl = Record<string, unknown>;

/** One event as stored: the CloudTrail record plus `@timestamp` and the `ct` namespace. */
export type EventSource = Record<string, unknown> & { '@timestamp'?: string };

export interface SeenEntry {
  name: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface ActorEntry extends SeenEntry {
  actorType: ActorType;
}

export interface EventPage {
  /** Each event with its sort values: the `after` of the page that follows it. */
  hits: { event: EventSource; sort: unknown[] }[];
}

export interface TopEntry {
  value: string;
  count: number;
}

export interface QueryOptions {
  indexPrefix: string;
  /** Events per search request (and the most held in memory at once). */
  pageSize?: number;
  /** Buckets per composite request. */
  bucketPageSize?: number;
  /** The clock `now` in date math reads; the tests pin it. */
  now?: () => number;
}

/** Ties on `@timestamp` are broken by the record's place in its file, which is unique per document. */
const TIME_ORDER = [{ '@timestamp': 'asc' }, { 'ct.source': 'asc' }, { 'ct.recordIndex': 'asc' }];

/** The pairs and the joined text are for searching; they are left out of what a query returns. */
const SOURCE_FILTER = { excludes: ['ct.pairs', 'ct.text'] };

export class QueryService {
  private readonly pageSize: number;
  private readonly bucketPageSize: number;
  private readonly now: () => number;

  constructor(
    private readonly http: HttpCaller,
    private readonly options: QueryOptions,
  ) {
    this.pageSize = options.pageSize ?? 1_000;
    this.bucketPageSize = options.bucketPageSize ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** Which index expressions a search with `filters` reads (exposed for `--explain` and the tests). */
  plan(filters: ActivityFilters): { indices: string[]; query: Dsl } {
    const range = timeRangeOf(filters, this.now());
    return { indices: indicesFor(this.options.indexPrefix, range), query: queryOf(filters, range) };
  }

  /** Matching events in time order; `limit` stops early. Pages are fetched as the caller reads. */
  async *events(filters: ActivityFilters, limit = Infinity): AsyncGenerator<EventSource> {
    let after: unknown[] | undefined;
    let yielded = 0;
    while (yielded < limit) {
      const size = Math.min(this.pageSize, limit - yielded);
      const page = await this.page(filters, size, after);
      for (const { event } of page.hits) yield event;
      yielded += page.hits.length;
      if (page.hits.length < size) return;
      after = page.hits[page.hits.length - 1]!.sort;
    }
  }

  /**
   * One page of at most `size` matching events in time order, after the event whose sort values are
   * `after` (from an earlier page's hit): `search_after`, never a `from` offset.
   */
  async page(filters: ActivityFilters, size: number, after?: unknown[]): Promise<EventPage> {
    const { indices, query } = this.plan(filters);
    if (indices.length === 0) return { hits: [] };
    const body: Dsl = {
      size,
      query,
      sort: TIME_ORDER,
      track_total_hits: false,
      _source: SOURCE_FILTER,
      docvalue_fields: HIT_DOC_VALUE_FIELDS,
    };
    if (after) body.search_after = after;
    const answer = (await this.search(indices, body)) as { hits?: { hits?: EventHit[] } };
    return { hits: (answer.hits?.hits ?? []).map((hit) => ({ event: eventOfHit(hit), sort: hit.sort })) };
  }

  /** Every principal seen, as `actorOf` names it, with counts and first/last seen; most active first. */
  async actors(filters: ActivityFilters): Promise<ActorEntry[]> {
    const sources = Object.entries(ACTOR_FIELDS).map(([name, field]) => ({
      [name]: { terms: { field, missing_bucket: true } },
    }));
    const byActor = new Map<string, ActorEntry>();
    for await (const bucket of this.composite(filters, sources)) {
      const { actor, actorType } = actorOf(bucket.key as IdentityFacts);
      const entry = byActor.get(actor) ?? {
        name: actor,
        actorType,
        count: 0,
        firstSeen: null,
        lastSeen: null,
      };
      merge(entry, bucket);
      byActor.set(actor, entry);
    }
    return [...byActor.values()].sort(byCountThenName);
  }

  /** Every service (event source) seen, with counts and first/last seen; most active first. */
  async services(filters: ActivityFilters): Promise<SeenEntry[]> {
    const entries: SeenEntry[] = [];
    for await (const bucket of this.composite(filters, [{ service: { terms: { field: 'eventSource' } } }])) {
      const entry = { name: String(bucket.key.service), count: 0, firstSeen: null, lastSeen: null };
      merge(entry, bucket);
      entries.push(entry);
    }
    return entries.sort(byCountThenName);
  }

  /** The `size` most frequent values of `field` (a template field or a shortcut such as `service`). */
  async top(field: string, filters: ActivityFilters, size = 10): Promise<TopEntry[]> {
    const resolved = aggregatableField(field);
    const { indices, query } = this.plan(filters);
    if (indices.length === 0) return [];
    const answer = (await this.search(indices, {
      size: 0,
      query,
      aggs: { top: { terms: { field: resolved, size } } },
    })) as {
      aggregations?: { top?: { buckets?: { key: unknown; key_as_string?: string; doc_count: number }[] } };
    };
    return (answer.aggregations?.top?.buckets ?? []).map((bucket) => ({
      value: bucket.key_as_string ?? String(bucket.key),
      count: bucket.doc_count,
    }));
  }

  private async *composite(filters: ActivityFilters, sources: Dsl[]): AsyncGenerator<CompositeBucket> {
    const { indices, query } = this.plan(filters);
    if (indices.length === 0) return;
    let after: unknown;
    for (;;) {
      const composite: Dsl = { size: this.bucketPageSize, sources };
      if (after !== undefined) composite.after = after;
      const answer = (await this.search(indices, {
        size: 0,
        query,
        aggs: {
          seen: {
            composite,
            aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
          },
        },
      })) as { aggregations?: { seen?: { buckets?: CompositeBucket[]; after_key?: unknown } } };
      const seen = answer.aggregations?.seen;
      const buckets = seen?.buckets ?? [];
      yield* buckets;
      if (buckets.length < this.bucketPageSize || seen?.after_key === undefined) return;
      after = seen.after_key;
    }
  }

  private async search(indices: string[], body: Dsl): Promise<unknown> {
    const request: HttpRequest = {
      method: 'POST',
      path: `/${indices.map(encodeURIComponent).join(',')}/_search`,
      // A day with no events has no index: that is an empty day, not an error.
      querystring: { ignore_unavailable: true, allow_no_indices: true },
      body,
    };
    return accepted(await this.http.request(request), request).body;
  }
}

/** A search hit as `page` asks for it: the stored source, the doc-value fields, the sort values. */
export interface EventHit {
  _source: EventSource;
  fields?: Record<string, unknown[]>;
  sort: unknown[];
}

/**
 * The event a hit shows: its stored source with the provenance the template keeps out of `_source` put
 * back from doc values (`ct.source`, `ct.recordIndex`: which file, which record of it), first in `ct`
 * as the builder writes them, so an event reads the same from an index of any template version.
 */
export function eventOfHit(hit: Pick<EventHit, '_source' | 'fields'>): EventSource {
  const event = hit._source;
  const fromDocValues: Record<string, unknown> = {};
  for (const field of HIT_DOC_VALUE_FIELDS) {
    const value = hit.fields?.[field]?.[0];
    if (value !== undefined) fromDocValues[field.slice('ct.'.length)] = value;
  }
  if (Object.keys(fromDocValues).length === 0) return event;
  return { ...event, ct: { ...fromDocValues, ...(event.ct as object | undefined), ...fromDocValues } };
}

interface CompositeBucket {
  key: Record<string, unknown>;
  doc_count: number;
  first?: { value: number | null; value_as_string?: string };
  last?: { value: number | null; value_as_string?: string };
}

function merge(entry: SeenEntry, bucket: CompositeBucket): void {
  entry.count += bucket.doc_count;
  const first = isoOf(bucket.first?.value);
  const last = isoOf(bucket.last?.value);
  if (first !== null && (entry.firstSeen === null || first < entry.firstSeen)) entry.firstSeen = first;
  if (last !== null && (entry.lastSeen === null || last > entry.lastSeen)) entry.lastSeen = last;
}

function isoOf(value: number | null | undefined): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : null;
}

function byCountThenName(a: SeenEntry, b: SeenEntry): number {
  return b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
