/**
 * The read-only query API over the query module, with the routes and parameters of the system it
 * replaces plus the new filters (docs/queries.md):
 *
 *   GET /users                      principals seen, with counts and first/last seen
 *   GET /users/{name}               a user's events (`name`: an ARN as ct.actor names it, else a user or role name)
 *   GET /services                   services seen
 *   GET /services/{service}         a service's events (`s3` or `s3.amazonaws.com`)
 *   GET /events                     events matching the filters
 *   GET /top?by=FIELD               the most frequent values of a field
 *
 * Every route takes the filters (`from`, `to`, `eventName`, `param`&`value`, `actor`, `accessKey`, `ip`,
 * `errors`, `writes`, …). Event lists are pages in time order: `size` events at most, fewer when the
 * answer would pass its byte bound, and `next`, a cursor for the following page (search_after), or
 * null. The API reads only: the cluster only ever gets `_search` requests from it.
 */
import { DateMathError } from '../query/dateMath.js';
import { TOP_SIZE_MAX, UnknownFieldError } from '../query/fields.js';
import { FilterError, type ActivityFilters } from '../query/filters.js';
import type { QueryService } from '../query/queryService.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiError, filtersOfQuery, sizeOf } from './params.js';

export interface ApiRequest {
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  query: URLSearchParams;
}

export interface ApiResponse {
  status: number;
  /** The JSON text of the answer. */
  body: string;
}

export interface QueryApiOptions {
  /** Bound on an answer's JSON text in bytes (a Lambda function URL answers at most 6 MB). */
  maxResponseBytes?: number;
  /** Events per page when `size` is not given, and the most `size` may ask for. */
  defaultPageSize?: number;
  maxPageSize?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** What /top reads besides the filters: the field counted. */
const TOP_PARAMETERS = ['by'] as const;

export class QueryApi {
  private readonly maxResponseBytes: number;
  private readonly defaultPageSize: number;
  private readonly maxPageSize: number;

  constructor(
    private readonly service: QueryService,
    options: QueryApiOptions = {},
  ) {
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.defaultPageSize = options.defaultPageSize ?? 100;
    this.maxPageSize = options.maxPageSize ?? 1_000;
  }

  /** The answer to one request; a bad request is a 400 naming what is wrong, never a throw. */
  async handle(request: ApiRequest): Promise<ApiResponse> {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        throw new ApiError(405, undefined, `${request.method}: the query API only reads (GET)`);
      }
      return { status: 200, body: await this.route(request) };
    } catch (error) {
      const refused = asApiError(error);
      if (refused === undefined) throw error;
      return errorAnswer(refused.status, refused.message, refused.parameter);
    }
  }

  private async route({ path, query }: ApiRequest): Promise<string> {
    const parts = path.split('/').filter((part) => part !== '');
    const [resource, name, ...rest] = parts.map((part, i) => decodePart(part, i));
    if (rest.length > 0 || resource === undefined) throw notFound(path);
    const filters = filtersOfQuery(query, resource === 'top' ? TOP_PARAMETERS : []);
    if (resource === 'events' && name === undefined) return this.events(filters, query);
    if (resource === 'users' && name === undefined) return this.actors(filters, query);
    if (resource === 'users') {
      // An ARN (or any principal ct.actor names) is an actor; a bare name is a user or role name.
      const byName: ActivityFilters = name!.includes(':') ? { actor: name } : { userName: name };
      return this.events({ ...filters, ...byName }, query);
    }
    if (resource === 'services' && name === undefined) return this.services(filters, query);
    if (resource === 'services') return this.events({ ...filters, service: name }, query);
    if (resource === 'top' && name === undefined) return this.top(filters, query);
    throw notFound(path);
  }

  /** One page of events: as many as `size` asks and the byte bound allows (at least one). */
  private async events(filters: ActivityFilters, query: URLSearchParams): Promise<string> {
    const size = sizeOf(query, this.defaultPageSize, this.maxPageSize);
    const cursor = query.get('next');
    const page = await this.service.page(filters, size, cursor === null ? undefined : decodeCursor(cursor));
    const parts: string[] = [];
    let bytes = 64;
    let last: unknown[] | undefined;
    let cut = false;
    for (const hit of page.hits) {
      const json = JSON.stringify(hit.event);
      bytes += Buffer.byteLength(json) + 1;
      if (parts.length > 0 && bytes + 4 * 1024 > this.maxResponseBytes) {
        cut = true;
        break;
      }
      parts.push(json);
      last = hit.sort;
    }
    const more = cut || page.hits.length === size;
    const next = more && last !== undefined ? JSON.stringify(encodeCursor(last)) : 'null';
    return `{"count":${parts.length},"events":[${parts.join(',')}],"next":${next}}`;
  }

  private async actors(filters: ActivityFilters, query: URLSearchParams): Promise<string> {
    const actors = await this.service.actors(filters);
    return this.list('users', actors, query);
  }

  private async services(filters: ActivityFilters, query: URLSearchParams): Promise<string> {
    return this.list('services', await this.service.services(filters), query);
  }

  private async top(filters: ActivityFilters, query: URLSearchParams): Promise<string> {
    const by = query.get('by');
    if (by === null || by === '') throw new ApiError(400, 'by', 'top needs by=FIELD (e.g. by=eventName)');
    const top = await this.service.top(by, filters, sizeOf(query, 10, TOP_SIZE_MAX));
    return JSON.stringify({ by, top });
  }

  /** A list answer, most active first, cut to `size` entries (default and most: 10,000). */
  private list(name: string, entries: unknown[], query: URLSearchParams): string {
    const size = sizeOf(query, 10_000, 10_000);
    const kept = entries.slice(0, size);
    const body = JSON.stringify({ [name]: kept, truncated: entries.length > kept.length });
    if (Buffer.byteLength(body) > this.maxResponseBytes) {
      throw new ApiError(
        413,
        'size',
        `the answer passes ${this.maxResponseBytes} bytes: ask for a smaller size`,
      );
    }
    return body;
  }
}

/**
 * The one shape of every refusal and failure, whichever front answers (local HTTP or a function URL):
 * `{"error":{"status":…,"message":…,"parameter":…}}`, the parameter only when one is wrong.
 */
export function errorAnswer(status: number, message: string, parameter?: string): ApiResponse {
  const error: Record<string, unknown> = { status, message };
  if (parameter !== undefined) error.parameter = parameter;
  return { status, body: JSON.stringify({ error }) };
}

/**
 * `top`, `events`, `users`… are the route names the API knows; a path the router has no route for is
 * a 404 naming the routes.
 */
function notFound(path: string): ApiError {
  return new ApiError(
    404,
    undefined,
    `no route ${path}: use /users, /users/{name}, /services, /services/{service}, /events or /top`,
  );
}

function decodePart(part: string, index: number): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(400, index === 0 ? undefined : 'path', `path part ${part}: invalid percent-encoding`);
  }
}

/** The query module's own refusals (a bad date, filter or field) are the client's mistake: 400. */
function asApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof DateMathError || error instanceof FilterError || error instanceof UnknownFieldError) {
    return new ApiError(400, parameterNamed(error.message), error.message.replace(/^--/, ''));
  }
  return undefined;
}

/** The CLI-worded messages start with the option (`--from x: …`): its API parameter name. */
function parameterNamed(message: string): string | undefined {
  const option = /^--([a-z-]+)/.exec(message)?.[1];
  if (option === undefined) return undefined;
  const names: Record<string, string> = { by: 'by', param: 'param', ip: 'ip', from: 'from', to: 'to' };
  return names[option] ?? option;
}
