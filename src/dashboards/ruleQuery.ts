/**
 * An alert rule's condition as DQL, so the Security dashboard shows exactly what the built-in alert
 * rules fire on (one definition for both). A path the template maps is queried on its own field (the
 * `.keyword` sub-field of a text field); any other path is a free-form one, queried through `ct.pairs`
 * (`path=value`), which is how rules compare values too.
 */
import type { Condition } from '../alerts/rules.js';
import { allOf, anyOf, exists, is, isAnyOf, matches, not } from './dql.js';
import type { FieldCatalogue } from './fields.js';

const PAIRS = 'ct.pairs';

export function conditionDql(condition: Condition, catalogue: FieldCatalogue): string {
  if ('all' in condition) return allOf(...condition.all.map((c) => conditionDql(c, catalogue)));
  if ('any' in condition) return anyOf(...condition.any.map((c) => conditionDql(c, catalogue)));
  if ('not' in condition) return not(conditionDql(condition.not, catalogue));
  const typed = typedField(condition.field, catalogue);
  const pair = (value: string) => `${condition.field}=${value}`;
  if ('equals' in condition)
    return typed ? is(typed, condition.equals) : is(catalogue.field(PAIRS), pair(condition.equals));
  if ('in' in condition)
    return typed
      ? isAnyOf(typed, condition.in)
      : anyOf(...condition.in.map((value) => is(catalogue.field(PAIRS), pair(value))));
  if ('prefix' in condition) return wildcard(typed, condition.field, `${condition.prefix}*`, catalogue);
  if ('glob' in condition) {
    if (condition.glob.includes('?'))
      throw new Error(
        `rule glob "${condition.glob}" on ${condition.field}: DQL has no single-character wildcard`,
      );
    return wildcard(typed, condition.field, condition.glob, catalogue);
  }
  const present = typed ? exists(typed) : matches(catalogue.field(PAIRS), pair('*'));
  return condition.exists ? present : not(present);
}

function wildcard(typed: string | undefined, path: string, pattern: string, catalogue: FieldCatalogue) {
  return typed ? matches(typed, pattern) : matches(catalogue.field(PAIRS), `${path}=${pattern}`);
}

/** The field to query for `path`, or undefined when the template does not map it (a free-form path). */
function typedField(path: string, catalogue: FieldCatalogue): string | undefined {
  const field = catalogue.lookup(path);
  if (!field) return undefined;
  if (field.esType !== 'text') return path;
  return catalogue.lookup(`${path}.keyword`) ? `${path}.keyword` : path;
}
