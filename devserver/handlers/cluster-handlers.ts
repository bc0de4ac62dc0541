/** `GET|HEAD /`, `_cluster/health`, `_cluster/settings` and `_cat/indices`. */
import { catIndices } from '../cat.js';
import { illegalArgument } from '../errors.js';
import { rootInfo } from '../flavor.js';
import { flag, jsonBody, type RequestContext, type Router } from '../http/router.js';
import { flattenSettings, nestSettings, validateClusterSetting } from '../settings.js';
import type { ServerState } from './state.js';

function health(state: ServerState): Record<string, unknown> {
  const indices = [...state.cluster.indices.values()];
  const primaries = indices.reduce((sum, i) => sum + i.shards(), 0);
  const unassigned = indices.reduce((sum, i) => sum + i.shards() * i.replicas(), 0);
  const total = primaries + unassigned;
  const body: Record<string, unknown> = {
    cluster_name: state.traits.clusterName,
    status: unassigned > 0 ? 'yellow' : 'green',
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: 1,
  };
  if (state.traits.reportsClusterManager)
    Object.assign(body, { discovered_master: true, discovered_cluster_manager: true });
  return Object.assign(body, {
    active_primary_shards: primaries,
    active_shards: primaries,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: unassigned,
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: total === 0 ? 100 : (primaries / total) * 100,
  });
}

export function registerClusterRoutes(router: Router, state: ServerState): void {
  const { cluster } = state;
  router.add(['GET'], '/', () => ({ status: 200, body: rootInfo(state.flavor, cluster.uuid) }));
  router.add(['HEAD'], '/', () => ({ status: 200 }));
  router.add(['GET'], '/_cluster/health', () => ({ status: 200, body: health(state) }));
  router.add(['GET'], '/_cluster/health/{index}', (request) => {
    cluster.resolve(request.params.index!);
    return { status: 200, body: health(state) };
  });

  router.add(['GET'], '/_cluster/settings', (request) => {
    const render = (s: Record<string, string>): unknown =>
      flag(request, 'flat_settings') ? s : nestSettings(s);
    return {
      status: 200,
      body: { persistent: render(cluster.persistentSettings), transient: render(cluster.transientSettings) },
    };
  });
  router.add(['PUT'], '/_cluster/settings', (request) => {
    const body = jsonBody(request, true)!.plain;
    const applied: Record<string, Record<string, string>> = { persistent: {}, transient: {} };
    for (const key of Object.keys(body)) {
      if (key !== 'persistent' && key !== 'transient') throw illegalArgument(`unknown field [${key}]`);
    }
    for (const scope of ['persistent', 'transient'] as const) {
      const updates = flattenSettings(body[scope] ?? {});
      for (const [key, value] of Object.entries(updates)) validateClusterSetting(scope, key, value);
      const target = scope === 'persistent' ? cluster.persistentSettings : cluster.transientSettings;
      for (const [key, value] of Object.entries(updates)) {
        if (value === null) delete target[key];
        else target[key] = applied[scope]![key] = value;
      }
    }
    const render = (s: Record<string, string>): unknown =>
      flag(request, 'flat_settings') ? s : nestSettings(s);
    return {
      status: 200,
      body: {
        acknowledged: true,
        persistent: render(applied.persistent!),
        transient: render(applied.transient!),
      },
    };
  });

  const cat = (expression: string | undefined) => (request: RequestContext) => {
    const indices = cluster.resolve(expression ?? request.params.index ?? '_all');
    const output = catIndices(indices, {
      h: request.query.get('h') ?? undefined,
      s: request.query.get('s') ?? undefined,
      bytes: request.query.get('bytes') ?? undefined,
      health: request.query.get('health') ?? undefined,
      format: request.query.get('format') ?? undefined,
      v: flag(request, 'v'),
    });
    return { status: 200, body: output };
  };
  router.add(['GET'], '/_cat/indices', cat('_all'));
  router.add(['GET'], '/_cat/indices/{index}', cat(undefined));
}
