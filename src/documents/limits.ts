/**
 * Bounds of the field model. Lucene rejects a document holding any single term above 32,766 UTF-8
 * bytes, so every value the builder indexes as a term is cut well below that; the counts keep a
 * hostile or enormous record from producing an enormous document.
 */

/** A free-form leaf value is cut to this many UTF-8 bytes before it becomes part of a pair. */
export const MAX_PAIR_VALUE_BYTES = 1024;

/** A whole `path=value` pair (long paths included) never exceeds this many UTF-8 bytes. */
export const MAX_PAIR_BYTES = 2048;

/** At most this many distinct pairs per document; beyond it `ct.truncated` is set. */
export const MAX_PAIRS = 2000;

/** `ct.text` is cut to this many UTF-16 code units (32 KiB). */
export const MAX_TEXT_CHARS = 32 * 1024;

/** Free-form objects nested deeper than this are not walked for pairs (kept in `_source`). */
export const MAX_WALK_DEPTH = 64;

/** `ignore_above` for keyword fields holding record values (chars; 1024 chars ≤ 4096 bytes). */
export const KEYWORD_IGNORE_ABOVE = 1024;

/** Bulk `_id` limit (bytes). */
export const MAX_ID_BYTES = 512;

/** Earliest plausible eventTime: anything before is treated as invalid (CloudTrail started in 2013). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);

/**
 * Latest eventTime ever accepted (the end of 2999): daily index names stay within the template's
 * pattern `<prefix>2*`.
 */
export const MAX_EVENT_TIME_MS = Date.UTC(3000, 0, 1) - 1;

/**
 * How far after its file's latest possible event an eventTime may be (clock skew) before it is treated
 * as invalid (see TimeRules).
 */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
