/**
 * Index names: the creation-time validation (spec §5.2) and the expansion of request expressions
 * (`a,b`, `cloudtrail-*`, `_all`, `-excluded`) into concrete names (spec §6.2).
 */
import { OpenSearchError, indexNotFound } from './errors.js';

function invalidName(name: string, message: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'invalid_index_name_exception',
    `Invalid index name [${name}], ${message}`,
    {
      index_uuid: '_na_',
      index: name,
    },
  );
}

const forbiddenCharacters = [' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?'];

/** Throws `invalid_index_name_exception` with OpenSearch's message, checked in OpenSearch's order. */
export function validateIndexName(name: string): void {
  if (forbiddenCharacters.some((ch) => name.includes(ch))) {
    throw invalidName(name, 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]');
  }
  if (name.includes('#')) throw invalidName(name, "must not contain '#'");
  if (name.includes(':')) throw invalidName(name, "must not contain ':'");
  if (/^[_\-+]/.test(name)) throw invalidName(name, "must not start with '_', '-', or '+'");
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > 255) throw invalidName(name, `index name is too long, (${bytes} > 255)`);
  if (name === '.' || name === '..') throw invalidName(name, "must not be '.' or '..'");
  if (name.toLowerCase() !== name) throw invalidName(name, 'must be lowercase');
}

/** Simple wildcard match where `*` matches any run of characters (OpenSearch `Regex.simpleMatch`). */
export function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(text);
}

/** True when some string matches both wildcard patterns (used for template overlap checks). */
export function globsOverlap(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result = false;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = walk(i + 1, j) || (j < b.length && walk(i, j + 1));
    else if (j < b.length && b[j] === '*') result = walk(i, j + 1) || (i < a.length && walk(i + 1, j));
    else if (i < a.length && j < b.length && a[i] === b[j]) result = walk(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return walk(0, 0);
}

export interface ResolveOptions {
  ignoreUnavailable?: boolean;
  /** Names of hidden indices, which wildcards skip. */
  hidden?: Set<string>;
}

/**
 * Expands an index expression into existing names, in first-seen order. A concrete missing name
 * throws 404 `index_not_found_exception` (unless ignoreUnavailable); a wildcard matching nothing is fine.
 */
export function resolveIndexExpression(
  expression: string,
  existing: string[],
  options: ResolveOptions = {},
): string[] {
  const result = new Set<string>();
  const parts = expression.split(',').filter((p) => p !== '');
  if (parts.length === 0 || (parts.length === 1 && (parts[0] === '_all' || parts[0] === '*'))) {
    return existing.filter((n) => !options.hidden?.has(n));
  }
  parts.forEach((part, position) => {
    if (part.startsWith('-') && position > 0) {
      for (const name of [...result]) if (globMatch(part.slice(1), name)) result.delete(name);
      return;
    }
    if (part === '_all') {
      existing.filter((n) => !options.hidden?.has(n)).forEach((n) => result.add(n));
    } else if (part.includes('*')) {
      existing.filter((n) => globMatch(part, n) && !options.hidden?.has(n)).forEach((n) => result.add(n));
    } else if (existing.includes(part)) {
      result.add(part);
    } else if (!options.ignoreUnavailable) {
      throw indexNotFound(part);
    }
  });
  return [...result];
}

export function isWildcardExpression(expression: string): boolean {
  return expression.split(',').some((part) => part.includes('*') || part === '_all' || part === '');
}
