/**
 * One CloudTrail record (its JSON bytes) → one bulk document: `_index` from the event's UTC day,
 * `_id` from eventID, and a `_source` that is the record itself plus `@timestamp` and the `ct`
 * namespace (see docs/field-model.md).
 *
 * A file's run owns one DocumentBuilder, which builds into that file's arena. Each record goes through
 * the byte-level fast path (fastBuilder.ts) and, when the fast path declines it, through the parse-based
 * reference builder (reference.ts), which handles every record and defines the output. DocumentMemory
 * (one per indexer) lends each file's builder the memory it reuses from file to file.
 */
import type { BulkDocument } from '../types.js';
import type { BuildContext } from './context.js';
import type { BailReason } from './fast/bail.js';
import { FastWorkspace } from './fast/workspace.js';
import { FastBuilder } from './fastBuilder.js';
import { SlabPool, SourceArena, type BatchLimits } from './memory.js';
import type { RecordFields } from './recordFields.js';
import { ReferenceBuilder } from './reference.js';

export { DocumentError, type BuildContext, type CtFields } from './context.js';

export class DocumentBuilder {
  /** Records the fast path declined, built by the reference builder instead (logged per file). */
  fallbacks = 0;
  /** The same, by the reason the fast path gave. */
  readonly fallbackReasons = new Map<BailReason, number>();
  private readonly fast: FastBuilder;
  private readonly reference: ReferenceBuilder;
  /** What the last build() read of its record on the way (recordFields.ts): readable until the next. */
  fields: RecordFields;

  /** @param workspace the fast path's working memory, used by no other builder meanwhile. */
  constructor(
    readonly arena: SourceArena,
    context: BuildContext,
    readonly workspace = new FastWorkspace(),
  ) {
    this.fast = new FastBuilder(arena, context, workspace);
    this.reference = new ReferenceBuilder(arena, context);
    this.fields = this.fast.fields;
  }

  /** The document of the record `recordBytes`; throws DocumentError when it cannot be one. */
  build(recordBytes: Buffer, recordIndex: number): BulkDocument {
    const document = this.fast.build(recordBytes, recordIndex);
    this.fields = this.fast.fields;
    if (document !== undefined) return document;
    this.fields = this.reference.fields;
    this.fallbacks++;
    const reason = this.fast.bailReason!;
    this.fallbackReasons.set(reason, (this.fallbackReasons.get(reason) ?? 0) + 1);
    return this.reference.build(recordBytes, recordIndex);
  }
}

/** How a file's arena lays out its documents (see SourceArena). */
export interface ArenaLayout {
  slabBytes: number;
  /** Room for the bulk action line in front of each document. */
  spareBefore: number;
  /** The bulk sender's limits: each batch then lies within one slab (see SourceArena). */
  batch?: BatchLimits;
}

/**
 * The memory a thread's document builders reuse from file to file (one per indexer): slabs for the
 * documents' bytes, and the fast path's workspaces. Without it, each file's memory would be fresh,
 * faulted in page by page, and freed only when V8 next collects garbage.
 */
export class DocumentMemory {
  readonly slabs = new SlabPool();
  private readonly workspaces: FastWorkspace[] = [];

  /** A builder for one file, with an arena of its own; `close()` it when the file is done. */
  open(context: BuildContext, layout: ArenaLayout): DocumentBuilder {
    const arena = new SourceArena(this.slabs, layout.slabBytes, layout.spareBefore, layout.batch);
    return new DocumentBuilder(arena, context, this.workspaces.pop() ?? new FastWorkspace());
  }

  /**
   * The file is done: its arena allocates no more (its slab goes back once its documents are released)
   * and its workspace serves the next file.
   */
  close(builder: DocumentBuilder): void {
    builder.arena.close();
    if (!this.workspaces.includes(builder.workspace)) this.workspaces.push(builder.workspace);
  }
}

/**
 * One record built on its own, into memory of its own (re-drives and tools, which build a record now and
 * then, from files they do not read through): what a file's DocumentBuilder would build for it.
 */
export function buildDocument(recordBytes: Buffer, recordIndex: number, context: BuildContext): BulkDocument {
  const arena = new SourceArena(new SlabPool(0), 0);
  return new ReferenceBuilder(arena, context).build(recordBytes, recordIndex);
}
