/**
 * `/_devserver/faults`: the HTTP face of the fault controller, for tests that drive the server from
 * another process. POST a rule (or `{"rules":[...]}`, optionally with `"seed"`), GET lists, DELETE clears.
 *
 * `GET /_devserver/ids/<pattern>`: test-only listing of every live document id, per index (comma-separated
 * `*` globs), so a test can compare the exact set of ids stored against the input without paging.
 */
import { illegalArgument } from '../errors.js';
import { globMatch } from '../index-names.js';
import type { FaultRule } from '../faults.js';
import { jsonBody, type Router } from '../http/router.js';
import type { ServerState } from './state.js';

export function registerAdminRoutes(router: Router, state: ServerState): void {
  router.add(['POST', 'PUT'], '/_devserver/faults', (request) => {
    const body = jsonBody(request, true)!.plain;
    if (typeof body.seed === 'number') state.faults.reseed(body.seed);
    const rules = (Array.isArray(body.rules) ? body.rules : body.fault ? [body] : []) as FaultRule[];
    if (rules.length === 0 && body.seed === undefined)
      throw illegalArgument('expected a rule ({"fault":{...}}), {"rules":[...]} or {"seed":n}');
    const ids = rules.map((rule) => state.faults.add(rule));
    return { status: 200, body: { acknowledged: true, ids } };
  });
  router.add(['GET'], '/_devserver/faults', () => ({
    status: 200,
    body: { rules: state.faults.list(), history: state.faults.history },
  }));
  router.add(['GET'], '/_devserver/ids/{index}', (request) => {
    const patterns = (request.params.index ?? '').split(',').filter((p) => p !== '');
    const ids: Record<string, string[]> = {};
    for (const name of state.cluster.names()) {
      if (!patterns.some((pattern) => globMatch(pattern, name))) continue;
      ids[name] = [...(state.cluster.indices.get(name)?.live.keys() ?? [])];
    }
    return { status: 200, body: { ids } };
  });
  router.add(['DELETE'], '/_devserver/faults', () => {
    state.faults.clear();
    return { status: 200, body: { acknowledged: true } };
  });
}
