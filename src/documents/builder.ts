/**
 * One CloudTrail record (its JSON bytes) → one bulk document: `_index` from the event's UTC day,
 * `_id` from eventID, and a `_source` that is the record itself plus `@timestamp` and the `ct`
 * namespace (see docs/field-model.md).
 *
 * A file's run owns one DocumentBuilder, which builds into that file's arena. Each record goes through
 * the byte-level fast path (fastBuilder.ts) and, when the fast path declines it, through the parse-based
 * reference builder (reference.ts), which handles every record and defines the output.
 */
import type { BulkDocument } from '../types.js';
import type { BailReason } from './fast/bail.js';
import type { BuildContext } from './context.js';
import { FastBuilder } from './fastBuilder.js';
import { SlabPool, SourceArena } from './memory.js';
import { ReferenceBuilder } from './reference.js';

export { DocumentError, type BuildContext, type CtFields } from './context.js';

export class DocumentBuilder {
  /** Records the fast path declined, built by the reference builder instead (logged per file). */
  fallbacks = 0;
  /** The same, by the reason the fast path gave. */
  readonly fallbackReasons = new Map<BailReason, number>();
  private readonly fast: FastBuilder;
  private readonly reference: ReferenceBuilder;

  constructor(arena: SourceArena, context: BuildContext) {
    this.fast = new FastBuilder(arena, context);
    this.reference = new ReferenceBuilder(arena, context);
  }

  /** The document of the record `recordBytes`; throws DocumentError when it cannot be one. */
  build(recordBytes: Buffer, recordIndex: number): BulkDocument {
    const document = this.fast.build(recordBytes, recordIndex);
    if (document !== undefined) return document;
    this.fallbacks++;
    const reason = this.fast.bailReason!;
    this.fallbackReasons.set(reason, (this.fallbackReasons.get(reason) ?? 0) + 1);
    return this.reference.build(recordBytes, recordIndex);
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
