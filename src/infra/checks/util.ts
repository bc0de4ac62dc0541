// Small helpers shared by the template checks: value shapes, descriptions, "did you mean" suggestions.
import { isPlainObject as isObj } from '../../util/objects.js';

export type Obj = Record<string, unknown>;

export { isObj };

/** The single key of an intrinsic function object ({ Ref: x } / { 'Fn::X': ... }), if it is one. */
export function intrinsicKey(value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

export function isNoValue(value: unknown): boolean {
  return isObj(value) && value['Ref'] === 'AWS::NoValue' && Object.keys(value).length === 1;
}

export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isObj(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diag + cost);
      diag = above;
    }
  }
  return row[b.length]!;
}

export function suggestion(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))
    ? ` (did you mean "${best}"?)`
    : '';
}

/** Calls fn for each concrete value: list items, both branches of Fn::If (minus AWS::NoValue), or the value. */
export function eachValue(value: unknown, path: string, fn: (value: unknown, path: string) => void): void {
  if (value === undefined || isNoValue(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => eachValue(item, `${path}[${i}]`, fn));
    return;
  }
  const ifArgs = isObj(value) ? value['Fn::If'] : undefined;
  if (Array.isArray(ifArgs) && ifArgs.length === 3 && Object.keys(value as Obj).length === 1) {
    eachValue(ifArgs[1], `${path}.Fn::If[1]`, fn);
    eachValue(ifArgs[2], `${path}.Fn::If[2]`, fn);
    return;
  }
  fn(value, path);
}
