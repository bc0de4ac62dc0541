/**
 * Writing Dashboards Query Language (DQL, "kuery") text: the query bar language of OpenSearch Dashboards
 * and Kibana 7.10. Values are quoted or escaped as the DQL grammar needs (an ARN's colons, spaces), so
 * a saved query is parsed by Dashboards exactly as written here.
 */

/** Characters DQL treats specially in an unquoted value (whitespace aside). */
const SPECIAL = /[\\():<>"*{}]/g;
const PLAIN = /^[A-Za-z0-9_.@=+-]+$/;
const KEYWORDS = new Set(['and', 'or', 'not']);

/**
 * A value as one DQL literal: bare when that is unambiguous, otherwise a quoted phrase. A string of
 * digits is quoted: bare, DQL would read it as a number (an account id's leading zeros would be lost).
 */
export function literal(value: string | boolean): string {
  if (typeof value === 'boolean') return String(value);
  const text = value;
  if (PLAIN.test(text) && !/^[\d.]+$/.test(text) && !KEYWORDS.has(text.toLowerCase())) return text;
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `field:value`: an exact value of a keyword or boolean field. */
export function is(field: string, value: string | boolean): string {
  return `${field}:${literal(value)}`;
}

/** `field:(a or b or c)`: any one of the values. */
export function isAnyOf(field: string, values: readonly string[]): string {
  if (values.length === 0) throw new Error(`isAnyOf(${field}): no values`);
  if (values.length === 1) return is(field, values[0]!);
  return `${field}:(${values.map((value) => literal(value)).join(' or ')})`;
}

/** `field:pat*tern`: `*` matches any characters; everything else is matched as written. */
export function matches(field: string, pattern: string): string {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(SPECIAL, (c) => `\\${c}`).replace(/\s/g, (c) => `\\${c}`))
    .join('*');
  return `${field}:${escaped}`;
}

/** `field:*`: the field has a value. */
export function exists(field: string): string {
  return `${field}:*`;
}

const grouped = (clause: string) => (/\s(and|or)\s/i.test(clause) ? `(${clause})` : clause);

export function allOf(...clauses: string[]): string {
  return clauses.length === 1 ? clauses[0]! : clauses.map(grouped).join(' and ');
}

export function anyOf(...clauses: string[]): string {
  return clauses.length === 1 ? clauses[0]! : clauses.map(grouped).join(' or ');
}

export function not(clause: string): string {
  return `not ${/\s/.test(clause) ? `(${clause})` : clause}`;
}
