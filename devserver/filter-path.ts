/**
 * `filter_path`, the response filter every OpenSearch REST API accepts: a comma-separated list of dotted
 * paths. A segment may hold `*` wildcards (any characters within one field name), `**` stands for any
 * number of levels, and a leading `-` excludes instead of includes. Arrays are transparent (a path never
 * names an index). As OpenSearch writes a filtered response, an object or array is only written when
 * something inside it is kept: `items.*.error` on a bulk answer keeps just the failed items, and a filter
 * that keeps nothing answers `{}`.
 */
import { NumberToken, parseJson, RawJson } from './json.js';

/** A reply body: plain objects, arrays, scalars, NumberToken and RawJson (stored `_source`). */
type Value = unknown;

type Path = readonly string[];

interface FilterPath {
  include: Path[];
  exclude: Path[];
}

export function parseFilterPath(spec: string): FilterPath {
  const include: Path[] = [];
  const exclude: Path[] = [];
  for (const raw of spec.split(',')) {
    const expression = raw.trim();
    if (!expression) continue;
    const excluded = expression.startsWith('-');
    const segments = (excluded ? expression.slice(1) : expression).split('.').filter(Boolean);
    if (segments.length > 0) (excluded ? exclude : include).push(segments);
  }
  return { include, exclude };
}

/** The response body as OpenSearch filters it (`{}` when nothing is kept). */
export function applyFilterPath(body: Value, spec: string): Value {
  const { include, exclude } = parseFilterPath(spec);
  let kept: Value = body;
  if (include.length > 0) kept = keep(body, include);
  if (kept !== undefined && exclude.length > 0) kept = drop(kept, exclude);
  return kept ?? {};
}

const patterns = new Map<string, RegExp>();
function matches(segment: string, key: string): boolean {
  if (!segment.includes('*')) return segment === key;
  let pattern = patterns.get(segment);
  if (!pattern) {
    const source = segment
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    pattern = new RegExp(`^${source}$`, 's');
    patterns.set(segment, pattern);
  }
  return pattern.test(key);
}

/**
 * The paths left to match below `key`, given those that apply at its level; `full` when one of them ends
 * at `key` (everything below is kept, or dropped).
 */
function descend(paths: Path[], key: string): { full: boolean; rest: Path[] } {
  let full = false;
  const rest: Path[] = [];
  const visit = (path: Path) => {
    const [head, ...tail] = path as [string, ...string[]];
    if (head === '**') {
      if (tail.length === 0) {
        full = true;
        return;
      }
      rest.push(path); // `**` goes on matching deeper levels
      visit(tail); // … or none
      return;
    }
    if (!matches(head, key)) return;
    if (tail.length === 0) full = true;
    else rest.push(tail);
  };
  paths.forEach(visit);
  return { full, rest };
}

/** The object to walk into, or undefined for a leaf; stored `_source` text is parsed when a path goes into it. */
function asObject(value: Value): Record<string, unknown> | undefined {
  if (value instanceof RawJson) return asObject(parseJson(value.text).value);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof NumberToken)
    return undefined;
  return value as Record<string, unknown>;
}

/** What `paths` keep of `value`; undefined when nothing. */
function keep(value: Value, paths: Path[]): Value {
  if (Array.isArray(value)) {
    const kept = value.map((element) => keep(element, paths)).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  const object = asObject(value);
  if (!object) return undefined; // a scalar where a path wants to go deeper
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, child] of Object.entries(object)) {
    const { full, rest } = descend(paths, key);
    const kept = full ? child : rest.length > 0 ? keep(child, rest) : undefined;
    if (kept !== undefined) {
      out[key] = kept;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** `value` without what `paths` name. */
function drop(value: Value, paths: Path[]): Value {
  if (Array.isArray(value)) return value.map((element) => drop(element, paths));
  const object = asObject(value);
  if (!object) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(object)) {
    const { full, rest } = descend(paths, key);
    if (full) continue;
    out[key] = rest.length > 0 ? drop(child, rest) : child;
  }
  return out;
}
