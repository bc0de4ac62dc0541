/**
 * `action.auto_create_index` (spec §5.3): `true`, `false`, or a comma list of `+pattern`/`-pattern`
 * where the first match decides. Returns the refusal reason, or undefined when creation is allowed.
 */
import { globMatch } from './index-names.js';

export function autoCreateRefusal(indexName: string, setting: string | undefined): string | undefined {
  const value = (setting ?? 'true').trim();
  if (value === 'true') return undefined;
  const prefix = `no such index [${indexName}] and [action.auto_create_index]`;
  if (value === 'false') return `${prefix} is [false]`;
  for (const rawPattern of value.split(',').map((p) => p.trim())) {
    const negative = rawPattern.startsWith('-');
    const pattern = rawPattern.replace(/^[+-]/, '');
    if (!globMatch(pattern, indexName)) continue;
    return negative
      ? `${prefix} contains [${rawPattern}] which forbids automatic creation of the index`
      : undefined;
  }
  return `${prefix} ([${value}]) doesn't match`;
}
