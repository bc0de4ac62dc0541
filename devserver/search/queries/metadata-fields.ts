/**
 * Queries on metadata fields (OPENSEARCH.md §6.4): `_id`, `_index`, `_routing` and `_ignored` are
 * searchable (term, terms, prefix, wildcard, exists); every document has `_seq_no`, `_version` and
 * `_primary_term` (exists matches all); `_source` is not searchable at all.
 */
import { ignoredField } from '../../index-state.js';
import { scoreAnyValue, scoreTerms, termMask, type Scores, type Shard } from '../shard.js';

const everywhere = new Set(['_seq_no', '_version', '_primary_term']);

export function isMetadataField(field: string): boolean {
  return (
    field.startsWith('_') &&
    (field === '_id' ||
      field === '_index' ||
      field === '_routing' ||
      field === ignoredField ||
      field === '_source' ||
      everywhere.has(field))
  );
}

/** A test over a metadata value; `undefined` asks whether the field exists. */
export type MetadataTest = ((value: string) => boolean) | undefined;

/** Scores of a query on a metadata field, or undefined when `field` is not one. */
export function metadataScores(
  shard: Shard,
  field: string,
  queryName: string,
  test: MetadataTest,
): Scores | undefined {
  if (!isMetadataField(field)) return undefined;
  if (field === '_source') shard.fail('The _source field is not searchable');
  if (everywhere.has(field)) {
    if (test === undefined) return shard.all();
    return shard.fail(
      `Field [${field}] of type [${field}] does not support [${queryName}] queries in the dev server`,
    );
  }
  if (field === '_index') return test === undefined || test(shard.index.name) ? shard.all() : shard.none();
  if (field === ignoredField) {
    const column = shard.terms(ignoredField);
    return test === undefined
      ? scoreAnyValue(shard, column)
      : scoreTerms(shard, column, termMask(column, test));
  }
  const scores = shard.none();
  const docs = shard.index.docs;
  if (field === '_id') {
    for (let doc = 0; doc < shard.docCount; doc++)
      if (test === undefined || test(docs.id(doc))) scores[doc] = 1;
    return scores;
  }
  // _routing: only documents written with a routing value have one.
  if (!docs.hasRouting()) return scores;
  for (let doc = 0; doc < shard.docCount; doc++) {
    const routing = docs.routing(doc);
    if (routing !== undefined && (test === undefined || test(routing))) scores[doc] = 1;
  }
  return scores;
}

/** `_id` terms are looked up directly rather than scanned. */
export function scoreIds(shard: Shard, ids: string[]): Scores {
  const scores = shard.none();
  for (const id of ids) {
    const doc = shard.index.docs.find(id);
    if (doc >= 0 && doc < shard.docCount) scores[doc] = 1;
  }
  return scores;
}
