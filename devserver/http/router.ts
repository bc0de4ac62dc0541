/**
 * Method + path routing with `{param}` segments. Literal segments beat parameters (`/_mapping` before
 * `/{index}`); a path that exists for other methods gets OpenSearch's 405, an unknown path its 400.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { readJsonBody, type JsonBody } from '../body.js';
import type { FaultSpec } from '../faults.js';

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  bodyText: string;
  /** The fault selected for this request, for handlers that act on it (per-item rejections). */
  fault?: FaultSpec;
}

export interface Reply {
  status: number;
  /** JSON value, or a string sent as text/plain. Undefined = empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: RequestContext) => Reply;

interface Route {
  methods: string[];
  segments: string[];
  handler: Handler;
}

export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

export class Router {
  private readonly routes: Route[] = [];

  add(methods: string[], pattern: string, handler: Handler): void {
    this.routes.push({ methods, segments: pattern.split('/').filter(Boolean), handler });
  }

  match(method: string, path: string): RouteMatch {
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const candidates = this.routes
      .map((route) => ({ route, params: bind(route.segments, segments) }))
      .filter((c): c is { route: Route; params: Record<string, string> } => c.params !== undefined)
      .sort((a, b) => literalCount(b.route) - literalCount(a.route));
    if (candidates.length === 0) return { kind: 'none' };
    // Like OpenSearch's RestController: the most specific route serving this method wins; a path
    // served only for other methods gets 405 listing every method any matching route accepts.
    const found = candidates.find((c) => c.route.methods.includes(method));
    if (found) return { kind: 'found', handler: found.route.handler, params: found.params };
    return { kind: 'wrong-method', allowed: [...new Set(candidates.flatMap((c) => c.route.methods))].sort() };
  }
}

function literalCount(route: Route): number {
  return route.segments.filter((s) => !s.startsWith('{')).length;
}

function bind(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('{')) params[p.slice(1, -1)] = segments[i]!;
    else if (p !== segments[i]) return undefined;
  }
  return params;
}

/** Parses the body as a JSON object; see readJsonBody. */
export function jsonBody(request: RequestContext, required = false): JsonBody | undefined {
  return readJsonBody(request.bodyText, required);
}

/** A query flag such as `?ignore_unavailable` or `?ignore_unavailable=true`. */
export function flag(request: RequestContext, name: string): boolean {
  const value = request.query.get(name);
  return value !== null && value !== 'false';
}
