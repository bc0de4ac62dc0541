/**
 * Index administration: create, exists, get, delete (spec §6.2), mappings, settings and refresh.
 */
import type { IndexState } from '../cluster.js';
import { OpenSearchError, illegalArgument } from '../errors.js';
import { isWildcardExpression } from '../index-names.js';
import { mergeMappings, validateMapping } from '../mapping/validate.js';
import { flag, jsonBody, type RequestContext, type Router } from '../http/router.js';
import { isDynamicIndexSetting, nestSettings, normaliseIndexSettings } from '../settings.js';
import { acknowledged, type ServerState } from './state.js';

function renderSettings(index: IndexState, flat: boolean): Record<string, unknown> {
  const all: Record<string, string> = {
    ...index.settings,
    'index.creation_date': String(index.creationDate),
    'index.uuid': index.uuid,
    'index.version.created': '136387827',
    'index.provided_name': index.name,
  };
  return flat ? all : nestSettings(all);
}

function resolveRead(state: ServerState, request: RequestContext): IndexState[] {
  return state.cluster.resolve(request.params.index!, {
    ignoreUnavailable: flag(request, 'ignore_unavailable'),
  });
}

export function registerIndexRoutes(router: Router, state: ServerState): void {
  const { cluster } = state;

  router.add(['PUT'], '/{index}', (request) => {
    const body = jsonBody(request)?.plain ?? {};
    for (const key of Object.keys(body)) {
      if (!['settings', 'mappings', 'aliases'].includes(key)) {
        throw new OpenSearchError(400, 'parse_exception', `unknown key [${key}] for create index`);
      }
    }
    const index = cluster.createIndex(request.params.index!, body);
    return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index: index.name } };
  });

  router.add(['HEAD'], '/{index}', (request) => {
    try {
      resolveRead(state, request);
      return { status: 200 };
    } catch {
      return { status: 404 };
    }
  });

  router.add(['GET'], '/{index}', (request) => {
    const out: Record<string, unknown> = {};
    for (const index of resolveRead(state, request)) {
      out[index.name] = {
        aliases: {},
        mappings: index.mapping,
        settings: renderSettings(index, flag(request, 'flat_settings')),
      };
    }
    return { status: 200, body: out };
  });

  router.add(['DELETE'], '/{index}', (request) => {
    const expression = request.params.index!;
    if (
      cluster.clusterSetting('action.destructive_requires_name') === 'true' &&
      isWildcardExpression(expression)
    ) {
      throw illegalArgument('Wildcard expressions or all indices are not allowed');
    }
    // Resolve everything first: one missing concrete name fails the request and deletes nothing.
    const targets = resolveRead(state, request);
    for (const index of targets) cluster.indices.delete(index.name);
    return acknowledged;
  });

  const getMapping = (request: RequestContext) => {
    const indices = request.params.index ? resolveRead(state, request) : [...cluster.indices.values()];
    return { status: 200, body: Object.fromEntries(indices.map((i) => [i.name, { mappings: i.mapping }])) };
  };
  router.add(['GET'], '/{index}/_mapping', getMapping);
  router.add(['GET'], '/_mapping', getMapping);

  router.add(['PUT', 'POST'], '/{index}/_mapping', (request) => {
    const update = validateMapping(jsonBody(request, true)!.plain);
    const targets = resolveRead(state, request);
    const merged = targets.map((index) => {
      const mapping = mergeMappings(index.mapping, update);
      index.checkMappingLimits(mapping);
      return [index, mapping] as const;
    });
    for (const [index, mapping] of merged) index.setMapping(mapping);
    return acknowledged;
  });

  const getSettings = (request: RequestContext) => {
    const indices = request.params.index ? resolveRead(state, request) : [...cluster.indices.values()];
    const flat = flag(request, 'flat_settings');
    return {
      status: 200,
      body: Object.fromEntries(indices.map((i) => [i.name, { settings: renderSettings(i, flat) }])),
    };
  };
  router.add(['GET'], '/{index}/_settings', getSettings);
  router.add(['GET'], '/_settings', getSettings);

  router.add(['PUT'], '/{index}/_settings', (request) => {
    const updates = normaliseIndexSettings(jsonBody(request, true)!.plain);
    const targets = resolveRead(state, request);
    const fixed = Object.keys(updates).filter((key) => !isDynamicIndexSetting(key));
    if (fixed.length > 0) {
      throw illegalArgument(
        `Can't update non dynamic settings [[${fixed.join(', ')}]] for open indices [${targets.map((t) => `[${t.name}/${t.uuid}]`).join(', ')}]`,
      );
    }
    for (const index of targets) {
      for (const [key, value] of Object.entries(updates)) {
        if (value === null) delete index.settings[key];
        else index.settings[key] = value;
      }
    }
    return acknowledged;
  });

  const refresh = (request: RequestContext) => {
    const targets = request.params.index ? resolveRead(state, request) : [...cluster.indices.values()];
    let total = 0;
    for (const index of targets) {
      index.refresh();
      total += index.shards() * (1 + index.replicas());
    }
    const successful = targets.reduce((sum, i) => sum + i.shards(), 0);
    return { status: 200, body: { _shards: { total, successful, failed: 0 } } };
  };
  router.add(['POST', 'GET'], '/{index}/_refresh', refresh);
  router.add(['POST', 'GET'], '/_refresh', refresh);
}
