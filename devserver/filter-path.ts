/**
 * `filter_path`, the response filter every OpenSearch REST API accepts: a comma-separated list of dotted
 * paths. A segment may hold `*` wildcards (any characters within one field name), `**` stands for any
 * number of levels, and a leading `-` excludes instead of includes. Arrays are transparent (a path never
 * names an index). As OpenSearch writes a filtered response, an object or array is only written when
 * something inside it is kept: `items.*.error` on a bulk answer keeps just the failed items, and a filter
 * that keeps nothing answers `{}`.
 */
import { NumberToken, parseJson, RawJson, stringifyJson } from './json.js';

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

/** A `*` segment as a regular expression (one field name: `*` matches any characters but never a level). */
function segmentRegex(segment: string): RegExp {
  const source = segment
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

function matches(segment: string, key: string): boolean {
  if (segment === '*') return true;
  return segment.includes('*') ? segmentRegex(segment).test(key) : segment === key;
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

/** `out[key] = value`, but a key named `__proto__` (stored `_source` may have one) stays a key. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
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
      setOwn(out, key, kept);
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
    setOwn(out, key, rest.length > 0 ? drop(child, rest) : child);
  }
  return out;
}

/** What one key does at a level of a compiled filter. */
interface Step {
  /** A path ends at this key: its whole value is kept. */
  full: boolean;
  /** The paths to match below the key, or undefined when none go on. */
  below: FilterLevel | undefined;
  /** The key as written before its value: `"key":`. */
  label: string;
}

/** Steps remembered per level; a response with many distinct keys (stored `_source`) stops adding. */
const maxStepsPerLevel = 1024;

/**
 * The include paths that apply at one level of the response, with what each key met there does
 * remembered: a bulk answer asks the same ten questions for each of its thousand items.
 */
class FilterLevel {
  private readonly steps = new Map<string, Step>();

  constructor(private readonly paths: Path[]) {}

  step(key: string): Step {
    let step = this.steps.get(key);
    if (step === undefined) {
      const { full, rest } = descend(this.paths, key);
      const below = rest.length > 0 ? new FilterLevel(rest) : undefined;
      step = { full, below, label: JSON.stringify(key) + ':' };
      if (this.steps.size < maxStepsPerLevel) this.steps.set(key, step);
    }
    return step;
  }
}

/**
 * The response body as `applyFilterPath` filters it, serialised as `stringifyJson` would: the same
 * bytes, but the kept values are written as they are found instead of being copied into new objects
 * first, and each key is matched against the paths once per response, not once per occurrence.
 */
export function stringifyFiltered(body: Value, spec: string): string {
  const { include, exclude } = parseFilterPath(spec);
  // Exclusions apply to what the inclusions kept: rare enough to take the copying path.
  if (include.length === 0 || exclude.length > 0) return stringifyJson(applyFilterPath(body, spec));
  return writeKept(body, new FilterLevel(include)) ?? '{}';
}

/** Like `keep`, but returns the JSON text of what is kept (undefined when nothing). */
function writeKept(value: Value, level: FilterLevel): string | undefined {
  if (Array.isArray(value)) {
    let out: string | undefined;
    for (const element of value as Value[]) {
      const kept = writeKept(element, level);
      if (kept !== undefined) out = out === undefined ? '[' + kept : out + ',' + kept;
    }
    return out === undefined ? undefined : out + ']';
  }
  const object = asObject(value);
  if (!object) return undefined;
  let out = '';
  let any = false;
  for (const key of Object.keys(object)) {
    const child = object[key];
    const { full, below, label } = level.step(key);
    let text: string | undefined;
    if (full) {
      // `keep` keeps any defined child; `stringifyJson` then leaves out a function as it does anywhere.
      if (child === undefined) continue;
      any = true;
      if (typeof child === 'function') continue;
      text = stringifyJson(child);
    } else if (below !== undefined) {
      text = writeKept(child, below);
      if (text === undefined) continue;
      any = true;
    } else {
      continue;
    }
    out += (out === '' ? '{' : ',') + label + text;
  }
  if (!any) return undefined;
  return out === '' ? '{}' : out + '}';
}
