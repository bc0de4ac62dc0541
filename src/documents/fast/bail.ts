/**
 * The fast path's one way out: `bail(reason)` abandons the record, and the caller (FastBuilder) hands it
 * to the reference builder. Nothing else may be caught: any other exception in the fast path is a bug
 * and must surface.
 */

/** Why the fast path declined a record (counted per file, and checked by the tests). */
export type BailReason =
  | 'not-an-object' // no `{` first, or an empty record `{}`
  | 'invalid-utf8'
  | 'invalid-json' // a syntax error, or a raw control character in a string
  | 'odd-key' // a key with a `\u` or `\/` escape, or starting with a digit (JSON.parse reorders those)
  | 'duplicate-key'
  | 'displaced' // a value the reference moves into ct.original
  | 'escaped-boolean' // a boolean field's text written with escapes: it would have to be decoded to judge
  | 'not-canonical' // a root `@timestamp` or `ct` in a record the fast path cannot cut them out of
  | 'too-deep'
  | 'no-time' // no usable time: the reference refuses the record
  | 'limits'; // pairs, ct.text or a pair near their limits, a path too long, too many keys

/** The signal itself: one preallocated object per reason (no stack is captured per bail). */
export class FastPathBail extends Error {
  constructor(readonly reason: BailReason) {
    super(`fast path declined the record: ${reason}`);
    this.name = 'FastPathBail';
  }
}

const SIGNALS: Record<BailReason, FastPathBail> = {
  'not-an-object': new FastPathBail('not-an-object'),
  'invalid-utf8': new FastPathBail('invalid-utf8'),
  'invalid-json': new FastPathBail('invalid-json'),
  'odd-key': new FastPathBail('odd-key'),
  'duplicate-key': new FastPathBail('duplicate-key'),
  displaced: new FastPathBail('displaced'),
  'escaped-boolean': new FastPathBail('escaped-boolean'),
  'not-canonical': new FastPathBail('not-canonical'),
  'too-deep': new FastPathBail('too-deep'),
  'no-time': new FastPathBail('no-time'),
  limits: new FastPathBail('limits'),
};

export function bail(reason: BailReason): never {
  throw SIGNALS[reason];
}
