/** `_search` and `_count` on `/`, `/{index}` (names, comma lists, wildcards). */
import type { IndexState } from '../cluster.js';
import { flag, jsonBody, type RequestContext, type Router } from '../http/router.js';
import { executeCount, executeSearch } from '../search/search.js';
import type { ServerState } from './state.js';

function targets(state: ServerState, request: RequestContext): IndexState[] {
  return state.cluster.resolve(request.params.index ?? '_all', {
    ignoreUnavailable: flag(request, 'ignore_unavailable'),
  });
}

/** URL parameters that mirror body keys (`size`, `from`, `sort=f:desc`, `_source`, ...). */
function bodyFromQuery(request: RequestContext, body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  const q = request.query;
  if (q.has('size')) out.size = Number(q.get('size'));
  if (q.has('from')) out.from = Number(q.get('from'));
  if (q.has('sort')) out.sort = q.get('sort')!.split(',');
  if (q.has('track_total_hits')) {
    const value = q.get('track_total_hits')!;
    out.track_total_hits = value === 'true' ? true : value === 'false' ? false : Number(value);
  }
  if (q.has('_source')) {
    const value = q.get('_source')!;
    out._source = value === 'false' ? false : value === 'true' ? true : value.split(',');
  }
  if (q.has('_source_includes') || q.has('_source_excludes')) {
    out._source = {
      includes: q.get('_source_includes')?.split(',') ?? [],
      excludes: q.get('_source_excludes')?.split(',') ?? [],
    };
  }
  if (q.has('q')) {
    const text = q.get('q')!;
    const colon = text.indexOf(':');
    out.query = colon > 0 ? { match: { [text.slice(0, colon)]: text.slice(colon + 1) } } : { match_all: {} };
  }
  return out;
}

export function registerSearchRoutes(router: Router, state: ServerState): void {
  const search = (request: RequestContext) => {
    const indices = targets(state, request);
    const body = bodyFromQuery(request, jsonBody(request)?.plain ?? {});
    return {
      status: 200,
      body: executeSearch(indices, body, {
        traits: state.traits,
        now: Date.now(),
        restTotalHitsAsInt: flag(request, 'rest_total_hits_as_int'),
      }),
    };
  };
  router.add(['GET', 'POST'], '/_search', search);
  router.add(['GET', 'POST'], '/{index}/_search', search);

  const count = (request: RequestContext) => {
    const indices = targets(state, request);
    return { status: 200, body: executeCount(indices, jsonBody(request)?.plain ?? {}, Date.now()) };
  };
  router.add(['GET', 'POST'], '/_count', count);
  router.add(['GET', 'POST'], '/{index}/_count', count);
}
