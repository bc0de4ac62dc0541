/** Composable (`_index_template`), component (`_component_template`) and legacy (`_template`) templates. */
import { flag, jsonBody, type RequestContext, type Router } from '../http/router.js';
import { acknowledged, type ServerState } from './state.js';

export function registerTemplateRoutes(router: Router, state: ServerState): void {
  const templates = state.cluster.templates;
  const exists = (lookup: (name: string) => unknown) => (request: RequestContext) => {
    try {
      lookup(request.params.name!);
      return { status: 200 };
    } catch {
      return { status: 404 };
    }
  };

  router.add(['PUT', 'POST'], '/_index_template/{name}', (request) => {
    templates.putComposable(request.params.name!, jsonBody(request, true)!, flag(request, 'create'));
    return acknowledged;
  });
  router.add(['GET'], '/_index_template', () => ({ status: 200, body: templates.getComposable() }));
  router.add(['GET'], '/_index_template/{name}', (request) => ({
    status: 200,
    body: templates.getComposable(request.params.name),
  }));
  router.add(
    ['HEAD'],
    '/_index_template/{name}',
    exists((name) => templates.getComposable(name)),
  );
  router.add(['DELETE'], '/_index_template/{name}', (request) => {
    templates.deleteComposable(request.params.name!);
    return acknowledged;
  });

  router.add(['PUT', 'POST'], '/_component_template/{name}', (request) => {
    templates.putComponent(request.params.name!, jsonBody(request, true)!);
    return acknowledged;
  });
  router.add(['GET'], '/_component_template', () => ({ status: 200, body: templates.getComponents() }));
  router.add(['GET'], '/_component_template/{name}', (request) => ({
    status: 200,
    body: templates.getComponents(request.params.name),
  }));
  router.add(['DELETE'], '/_component_template/{name}', (request) => {
    templates.deleteComponent(request.params.name!);
    return acknowledged;
  });

  router.add(['PUT', 'POST'], '/_template/{name}', (request) => {
    templates.putLegacy(request.params.name!, jsonBody(request, true)!);
    return acknowledged;
  });
  router.add(['GET'], '/_template', () => ({ status: 200, body: templates.getLegacy() }));
  router.add(['GET'], '/_template/{name}', (request) => {
    try {
      return { status: 200, body: templates.getLegacy(request.params.name) };
    } catch {
      return { status: 404, body: {} };
    }
  });
  router.add(
    ['HEAD'],
    '/_template/{name}',
    exists((name) => templates.getLegacy(name)),
  );
  router.add(['DELETE'], '/_template/{name}', (request) => {
    templates.deleteLegacy(request.params.name!);
    return acknowledged;
  });
}
