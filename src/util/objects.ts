/** Type guards on parsed JSON shared by every stage (trigger payloads, documents, cluster answers). */

/** A JSON object (not null, not an array): the only shape whose keys can be read as fields. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
