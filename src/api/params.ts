/**
 * The query API's parameters → the query module's filters. Every parameter is checked: an unknown
 * name, a repeated one, or a value that does not parse is a 400 that names the parameter.
 */
import { parsePair, type ActivityFilters } from '../query/filters.js';

/** A request the API refuses: the status, and the parameter (or path part) that is wrong. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly parameter: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Parameter name → the filter it sets; each takes one value. */
const TEXT_FILTERS = {
  actor: 'actor',
  actorType: 'actorType',
  session: 'sessionName',
  user: 'userName',
  accessKey: 'accessKey',
  service: 'service',
  eventName: 'eventName',
  ip: 'ip',
  agent: 'userAgent',
  account: 'account',
  region: 'region',
  resource: 'resource',
  errorCode: 'errorCode',
  from: 'from',
  to: 'to',
} as const satisfies Record<string, keyof ActivityFilters>;

const FLAG_FILTERS = {
  errors: 'errorsOnly',
  writes: 'writesOnly',
  console: 'consoleOnly',
  root: 'rootOnly',
} as const satisfies Record<string, keyof ActivityFilters>;

/** Parameters about the answer, not the filter. */
export const PAGING_PARAMETERS = ['size', 'next'] as const;

const KNOWN = new Set<string>([
  ...Object.keys(TEXT_FILTERS),
  ...Object.keys(FLAG_FILTERS),
  'mfa',
  'param',
  'value',
  ...PAGING_PARAMETERS,
]);

/**
 * The filters of a request's query string (the seed system's `param`/`value` pairs are filters);
 * `routeParameters` are the names the route itself reads besides them (`by` for /top).
 */
export function filtersOfQuery(
  query: URLSearchParams,
  routeParameters: readonly string[] = [],
): ActivityFilters {
  for (const name of new Set(query.keys())) {
    if (!KNOWN.has(name) && !routeParameters.includes(name)) {
      const known = [...KNOWN, ...routeParameters].join(', ');
      throw new ApiError(400, name, `unknown parameter ${name}; known: ${known}`);
    }
    if (name !== 'param' && name !== 'value' && query.getAll(name).length > 1) {
      throw new ApiError(400, name, `parameter ${name} given more than once`);
    }
  }
  const filters: ActivityFilters = {};
  for (const [name, filter] of Object.entries(TEXT_FILTERS)) {
    const value = query.get(name);
    if (value === null) continue;
    if (value === '') throw new ApiError(400, name, `parameter ${name} is empty`);
    filters[filter] = value;
  }
  for (const [name, filter] of Object.entries(FLAG_FILTERS)) {
    const value = query.get(name);
    if (value !== null) filters[filter] = yesOrNo(name, value);
  }
  const mfa = query.get('mfa');
  if (mfa !== null) filters.mfa = yesOrNo('mfa', mfa);
  const params = paramPairs(query);
  if (params.length > 0) filters.params = params;
  return filters;
}

function yesOrNo(name: string, value: string): boolean {
  if (value === 'true' || value === 'yes') return true;
  if (value === 'false' || value === 'no') return false;
  throw new ApiError(400, name, `parameter ${name}=${value}: expected true or false`);
}

/**
 * The seed system's `param=PATH&value=V` pairs (repeat both for more, in order), or `param=PATH=V`
 * alone: `path=value` terms on the free-form parts.
 */
function paramPairs(query: URLSearchParams): string[] {
  const params = query.getAll('param');
  const values = query.getAll('value');
  const withValue = params.filter((param) => !param.includes('='));
  if (withValue.length !== values.length) {
    throw new ApiError(
      400,
      values.length > withValue.length ? 'value' : 'param',
      `each param without "=" needs one value (got ${withValue.length} such param and ${values.length} value)`,
    );
  }
  let next = 0;
  return params.map((param) => {
    const pair = param.includes('=') ? param : `${param}=${values[next++]}`;
    try {
      return parsePair(pair);
    } catch (error) {
      throw new ApiError(400, 'param', (error as Error).message.replace(/^--param /, 'param '));
    }
  });
}

/** `size`: a whole number from 1 to `max`, else `fallback` when absent. */
export function sizeOf(query: URLSearchParams, fallback: number, max: number): number {
  const text = query.get('size');
  if (text === null) return fallback;
  const size = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(size >= 1 && size <= max))
    throw new ApiError(400, 'size', `size=${text}: expected a whole number from 1 to ${max}`);
  return size;
}
