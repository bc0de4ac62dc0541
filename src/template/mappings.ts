/**
 * The index mappings, generated from the same typed-field table the document builder checks
 * records against, so the two cannot drift apart.
 */
import { KEYWORD_IGNORE_ABOVE, MAX_PAIR_BYTES } from '../documents/limits.js';
import { TYPED_FIELDS, type FieldTable, type TypedField } from '../documents/typedFields.js';

type Mapping = Record<string, unknown>;

const keyword = (ignoreAbove = KEYWORD_IGNORE_ABOVE): Mapping => ({
  type: 'keyword',
  ignore_above: ignoreAbove,
});

function fieldMapping(field: TypedField): Mapping {
  switch (field) {
    case 'keyword':
      return keyword();
    case 'keywordWithText':
      return { ...keyword(), fields: { text: { type: 'text' } } };
    case 'textWithKeyword':
      return { type: 'text', fields: { keyword: keyword() } };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      // A malformed time never rejects the document; `@timestamp` is the normalised time anyway.
      return { type: 'date', ignore_malformed: true };
    default:
      return { properties: propertiesOf(field.properties) };
  }
}

function propertiesOf(table: FieldTable): Mapping {
  const properties: Mapping = {};
  for (const [name, field] of Object.entries(table)) properties[name] = fieldMapping(field);
  return properties;
}

/** The `ct` namespace written by the builder. `ct.original`/`ct.originalText` are kept in `_source` only. */
const CT_MAPPING: Mapping = {
  properties: {
    pairs: keyword(MAX_PAIR_BYTES), // the builder cuts pairs to this many bytes, so nothing is dropped
    text: { type: 'text' },
    sourceIp: { type: 'ip', ignore_malformed: true },
    tags: keyword(256),
    // Never over the limit (an S3 key is at most 1,024 bytes, a Linux path under 4,096), so every
    // document has its doc value: hits read the file's name from there, not from `_source`.
    source: keyword(4096),
    recordIndex: { type: 'long' },
    truncated: { type: 'boolean' },
    // Derived from the record (src/documents/derived.ts): one term per investigator question.
    actor: keyword(),
    actorType: keyword(64),
    sessionName: keyword(),
    mfa: { type: 'boolean' },
    console: { type: 'boolean' },
  },
};

/**
 * Fields indexed but not stored in `_source` (OpenSearch prunes them after indexing, before storing), so
 * each event is stored about once (docs/field-model.md, "Storage"). They stay searchable and
 * aggregatable, but whatever reads `_source` (get, search hits, reindex, update-by-query, highlighting)
 * does not see them; re-indexing the files from S3 rebuilds them.
 * - Derived from the record: `ct.pairs`, `ct.text`, `ct.sourceIp` copy its values; `ct.actorType`,
 *   `ct.sessionName`, `ct.mfa`, `ct.console` are computed from it (query output computes them again
 *   from the event; dashboards aggregate on doc values). `ct.actor` is kept: Discover shows it as a
 *   column, and Discover reads `_source`.
 * - Provenance: `ct.source` (the file's name, the same for every record of a file) and `ct.recordIndex`
 *   live in doc values; readers ask for them ({@link HIT_DOC_VALUE_FIELDS}).
 */
export const SOURCE_EXCLUDES: readonly string[] = [
  'ct.pairs',
  'ct.text',
  'ct.sourceIp',
  'ct.actorType',
  'ct.sessionName',
  'ct.mfa',
  'ct.console',
  'ct.source',
  'ct.recordIndex',
];

/**
 * The `ct` fields left out of `_source` that a hit must still show (which file, which record of it): a
 * search asks for them with `docvalue_fields`, read from doc values (the `fields` option would read
 * `_source` and find nothing).
 */
export const HIT_DOC_VALUE_FIELDS: readonly string[] = ['ct.source', 'ct.recordIndex'];

export function indexMappings(): Mapping {
  return {
    _source: { excludes: [...SOURCE_EXCLUDES] },
    // Nothing outside the explicit list below is ever mapped: unknown fields stay in _source only.
    dynamic: false,
    date_detection: false,
    numeric_detection: false,
    properties: {
      '@timestamp': { type: 'date' },
      ct: CT_MAPPING,
      ...propertiesOf(TYPED_FIELDS),
    },
  };
}

/**
 * Number of mapped fields as OpenSearch counts them against `index.mapping.total_fields.limit`:
 * every object and every field, multi-fields included (metadata fields excluded).
 */
export function countMappedFields(mappings: Record<string, unknown>): number {
  const properties = mappings.properties;
  if (typeof properties !== 'object' || properties === null) return 0;
  let count = 0;
  for (const child of Object.values(properties as Record<string, unknown>)) {
    if (typeof child !== 'object' || child === null) continue;
    const field = child as Record<string, unknown>;
    count += 1 + countMappedFields(field);
    if (typeof field.fields === 'object' && field.fields !== null) {
      count += countMappedFields({ properties: field.fields });
    }
  }
  return count;
}
