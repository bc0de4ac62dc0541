/**
 * One index as a search sees it (each index is one shard): the documents as of its last refresh, the
 * mapping to resolve field names against, the columns to read values from, and the per-shard error
 * OpenSearch reports (collected into `search_phase_execution_exception` by the caller).
 *
 * Query results are score arrays over the shard's document numbers: a score of 0 or more means the
 * document matches, -1 that it does not.
 */
import { OpenSearchError, shardMeta } from '../errors.js';
import type { IndexState, SearchView } from '../index-state.js';
import type { LeafField } from '../mapping/model.js';
import { NumberColumn, TermColumn, type FieldColumn } from '../store/columns.js';

export type Scores = Float32Array;

/** A failure OpenSearch reports per shard (wrapped later into search_phase_execution_exception). */
export class ShardQueryError extends Error {
  constructor(readonly error: OpenSearchError) {
    super(error.reason);
  }
}

export function parsingError(reason: string): OpenSearchError {
  return new OpenSearchError(400, 'parsing_exception', reason);
}

export class Shard {
  constructor(
    readonly view: SearchView,
    readonly now: number,
  ) {}

  get index(): IndexState {
    return this.view.index;
  }

  get docCount(): number {
    return this.view.docCount;
  }

  leaf(field: string): LeafField | undefined {
    return this.index.fieldIndex.leaves.get(field);
  }

  isObject(field: string): boolean {
    return this.index.fieldIndex.objects.has(field);
  }

  column(path: string): FieldColumn | undefined {
    return this.index.columns.get(path);
  }

  terms(path: string): TermColumn | undefined {
    const column = this.column(path);
    return column instanceof TermColumn ? column : undefined;
  }

  numbers(path: string): NumberColumn | undefined {
    const column = this.column(path);
    return column instanceof NumberColumn ? column : undefined;
  }

  /** The flat_object field a dotted path goes into, and the path inside it (`labels.version`). */
  flatObjectPath(field: string): { field: string; subPath: string } | undefined {
    for (let dot = field.lastIndexOf('.'); dot > 0; dot = field.lastIndexOf('.', dot - 1)) {
      const leaf = this.leaf(field.slice(0, dot));
      if (leaf?.type === 'flat_object') return { field: leaf.path, subPath: field.slice(dot + 1) };
    }
    return undefined;
  }

  none(): Scores {
    return new Float32Array(this.docCount).fill(-1);
  }

  all(score = 1): Scores {
    return new Float32Array(this.docCount).fill(score);
  }

  failure(reason: string, type = 'query_shard_exception'): ShardQueryError {
    return new ShardQueryError(
      new OpenSearchError(400, type, reason, shardMeta(this.index.name, this.index.uuid)),
    );
  }

  fail(reason: string, type = 'query_shard_exception'): never {
    throw this.failure(reason, type);
  }
}

/** Marks documents having a term whose ordinal `accepts` (a mask over the dictionary, or one ordinal). */
export function scoreTerms(
  shard: Shard,
  column: TermColumn | undefined,
  accepts: Uint8Array | number,
): Scores {
  const scores = shard.none();
  if (!column) return scores;
  const docs = column.docs.array;
  const ords = column.ords.array;
  const pairs = column.pairCount;
  const limit = shard.docCount;
  if (typeof accepts === 'number') {
    if (accepts < 0) return scores;
    for (let i = 0; i < pairs; i++) if (ords[i] === accepts && docs[i]! < limit) scores[docs[i]!] = 1;
  } else {
    for (let i = 0; i < pairs; i++) if (accepts[ords[i]!] === 1 && docs[i]! < limit) scores[docs[i]!] = 1;
  }
  return scores;
}

/** Marks documents having a number that passes `test`. */
export function scoreNumbers(
  shard: Shard,
  column: NumberColumn | undefined,
  test: (value: number) => boolean,
): Scores {
  const scores = shard.none();
  if (!column) return scores;
  const docs = column.docs.array;
  const values = column.values.array;
  const limit = shard.docCount;
  for (let i = 0; i < column.pairCount; i++) if (docs[i]! < limit && test(values[i]!)) scores[docs[i]!] = 1;
  return scores;
}

/** A mask over the dictionary of `column`: 1 for every term that passes `test`. */
export function termMask(column: TermColumn | undefined, test: (term: string) => boolean): Uint8Array {
  if (!column) return new Uint8Array(0);
  const mask = new Uint8Array(column.dict.size);
  for (let ord = 0; ord < mask.length; ord++) if (test(column.dict.term(ord))) mask[ord] = 1;
  return mask;
}

/** Documents with any value in `column` (exists). */
export function scoreAnyValue(shard: Shard, column: FieldColumn | undefined, scores = shard.none()): Scores {
  if (!column) return scores;
  const docs = column.docs.array;
  const limit = shard.docCount;
  for (let i = 0; i < column.pairCount; i++) if (docs[i]! < limit) scores[docs[i]!] = 1;
  return scores;
}
