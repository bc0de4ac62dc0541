/**
 * Fields a `top --by` may group on: every aggregatable field of the index template (keywords, ip,
 * booleans, numbers, dates; never text), read from the mappings so the list cannot drift, plus short
 * names for the common ones.
 */
import { indexMappings } from '../template/mappings.js';

export const FIELD_SHORTCUTS: Record<string, string> = {
  service: 'eventSource',
  event: 'eventName',
  ip: 'sourceIPAddress',
  account: 'recipientAccountId',
  region: 'awsRegion',
  arn: 'userIdentity.arn',
  role: 'userIdentity.sessionContext.sessionIssuer.arn',
  user: 'userIdentity.userName',
  accessKey: 'userIdentity.accessKeyId',
  error: 'errorCode',
  agent: 'userAgent',
  type: 'userIdentity.type',
};

/**
 * The most values a top answers, from the CLI (`top --size`) and the query API (`/top?size=`) alike:
 * each is a terms bucket the cluster builds and holds in memory for the one request.
 */
export const TOP_SIZE_MAX = 1_000;

const AGGREGATABLE = new Set(['keyword', 'ip', 'boolean', 'long', 'date']);

/** Every aggregatable field of the template, dotted, multi-fields included (`errorMessage.keyword`). */
export function aggregatableFields(): string[] {
  const out: string[] = [];
  const walk = (properties: Record<string, unknown>, path: string) => {
    for (const [name, child] of Object.entries(properties)) {
      const field = child as {
        type?: string;
        properties?: Record<string, unknown>;
        fields?: Record<string, unknown>;
      };
      const full = path ? `${path}.${name}` : name;
      if (field.properties) walk(field.properties, full);
      if (field.type && AGGREGATABLE.has(field.type)) out.push(full);
      if (field.fields) walk(field.fields, full);
    }
  };
  walk((indexMappings() as { properties: Record<string, unknown> }).properties, '');
  return out.sort();
}

export class UnknownFieldError extends Error {
  override name = 'UnknownFieldError';
}

/** The template field `name` stands for, or an error listing what can be used. */
export function aggregatableField(name: string): string {
  const field = FIELD_SHORTCUTS[name] ?? name;
  const fields = aggregatableFields();
  if (fields.includes(field)) return field;
  throw new UnknownFieldError(
    `--by ${name}: not an aggregatable field of the index template; use one of ${Object.keys(FIELD_SHORTCUTS).join(', ')} or a field such as ${fields.slice(0, 6).join(', ')}, … (docs/field-model.md)`,
  );
}
