/**
 * `/_devserver/faults`: the HTTP face of the fault controller, for tests that drive the server from
 * another process. POST a rule (or `{"rules":[...]}`, optionally with `"seed"`), GET lists, DELETE clears.
 */
import { illegalArgument } from '../errors.js';
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
  router.add(['DELETE'], '/_devserver/faults', () => {
    state.faults.clear();
    return { status: 200, body: { acknowledged: true } };
  });
}
