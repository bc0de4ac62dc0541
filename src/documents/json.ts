/**
 * JSON text for parsed record values, at any depth.
 *
 * `JSON.stringify` recurses natively and throws `Maximum call stack size exceeded` a few thousand levels
 * down (about 5,000 on Node 20), and a record can nest deeper than that while staying well under
 * MAX_RECORD_BYTES. Everything the builder or the healer writes from record values goes through
 * {@link stringifyJson} instead, which keeps its place on an explicit stack. `JSON.parse` itself does
 * not recurse (V8's parser is iterative), so parsing a deep record is safe.
 */

type Container = unknown[] | Record<string, unknown>;

/**
 * Exactly `JSON.stringify(value)` for values made of plain objects, arrays, strings, numbers, booleans
 * and null (what JSON.parse returns, and copies of it): the same key order, escapes and number text;
 * members whose value is undefined are left out, undefined array elements are written as null.
 */
export function stringifyJson(value: unknown): string {
  let out = '';
  const containers: Container[] = [];
  const keyLists: (string[] | undefined)[] = [];
  const positions: number[] = [];
  const written: number[] = [];
  let next: unknown = value;
  for (;;) {
    if (typeof next === 'object' && next !== null) {
      const isArray = Array.isArray(next);
      out += isArray ? '[' : '{';
      containers.push(next as Container);
      keyLists.push(isArray ? undefined : Object.keys(next));
      positions.push(0);
      written.push(0);
    } else {
      out += scalarJson(next);
    }
    // The next value to write, closing every container that has none left.
    let found = false;
    while (!found && containers.length > 0) {
      const top = containers.length - 1;
      const container = containers[top]!;
      const keys = keyLists[top];
      let position = positions[top]!;
      if (keys === undefined) {
        const array = container as unknown[];
        if (position < array.length) {
          if (position > 0) out += ',';
          const element = array[position];
          next = element === undefined || !isJsonValue(element) ? null : element;
          positions[top] = position + 1;
          found = true;
          continue;
        }
        out += ']';
      } else {
        const object = container as Record<string, unknown>;
        while (position < keys.length && !isJsonValue(object[keys[position]!])) position++;
        if (position < keys.length) {
          const key = keys[position]!;
          out += (written[top]! > 0 ? ',' : '') + JSON.stringify(key) + ':';
          written[top] = written[top]! + 1;
          next = object[key];
          positions[top] = position + 1;
          found = true;
          continue;
        }
        out += '}';
      }
      containers.pop();
      keyLists.pop();
      positions.pop();
      written.pop();
    }
    if (!found) return out;
  }
}

/** Whether JSON.stringify writes the value (undefined, functions and symbols it leaves out of objects). */
function isJsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

function scalarJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** A copy of a parsed JSON value, at any depth (what `structuredClone` does, without its recursion). */
export function copyJson<T>(value: T): T {
  return JSON.parse(stringifyJson(value)) as T;
}
