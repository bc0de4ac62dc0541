/**
 * Indexing the free-form part of a record without mapping it: every leaf becomes one keyword term
 * `path=value` in `ct.pairs` (path dotted, array positions dropped) and its value joins the
 * analysed `ct.text`. One keyword field holds any number of paths and any mix of value types, so
 * no record can add a field or conflict with another record.
 */
import type { Displacement, PathSegment } from './jsonPointer.js';
import { MAX_PAIR_BYTES, MAX_PAIR_VALUE_BYTES, MAX_PAIRS, MAX_TEXT_CHARS, MAX_WALK_DEPTH } from './limits.js';
import { truncateUtf8 } from './utf8.js';

/** Where a value that stays in the document sits, so that its too-deep parts can be moved aside. */
export interface Placement {
  segments: PathSegment[];
  /** Receives every container found MAX_WALK_DEPTH levels down (it leaves the document whole). */
  displaced: Displacement[];
}

export class PairCollector {
  readonly pairs = new Set<string>();
  /** More distinct pairs existed than MAX_PAIRS. */
  pairsTruncated = false;
  /** At least one value (or pair) was cut to its byte limit. */
  valueTruncated = false;
  /** `ct.text` reached MAX_TEXT_CHARS. */
  textTruncated = false;
  /** A free-form subtree was deeper than MAX_WALK_DEPTH. */
  depthLimited = false;
  private readonly textParts: string[] = [];
  private textChars = 0;

  /**
   * Adds every leaf of `value`, found at dotted `path`, down to MAX_WALK_DEPTH levels of containers (the
   * recursion is bounded by it). With `placement` (the value stays in the document), each container at
   * that depth is also listed to be moved aside: the cluster may refuse a document nested that deep.
   */
  add(path: string, value: unknown, placement?: Placement): void {
    this.walk(path, value, 0, placement);
  }

  private walk(path: string, value: unknown, depth: number, placement: Placement | undefined): void {
    if (value === null || value === undefined) return; // as in OpenSearch, null is "no value"
    if (typeof value === 'object') {
      if (depth >= MAX_WALK_DEPTH) {
        this.depthLimited = true;
        placement?.displaced.push({ segments: placement.segments.slice(), value });
        return;
      }
      const segments = placement?.segments;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          segments?.push(i);
          this.walk(path, value[i], depth + 1, placement);
          segments?.pop();
        }
      } else {
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          segments?.push(key);
          this.walk(path === '' ? key : path + '.' + key, record[key], depth + 1, placement);
          segments?.pop();
        }
      }
      return;
    }
    this.addLeaf(path, typeof value === 'string' ? value : String(value), typeof value !== 'boolean');
  }

  private addLeaf(path: string, raw: string, isText: boolean): void {
    // Hot path: a value short enough to be within the byte limit whatever its characters needs no
    // measuring (and no result object): most CloudTrail values.
    let text = raw;
    if (raw.length * 3 > MAX_PAIR_VALUE_BYTES) {
      const value = truncateUtf8(raw, MAX_PAIR_VALUE_BYTES);
      if (value.truncated) this.valueTruncated = true;
      text = value.text;
    }
    if (isText && text !== '') this.addText(text);
    if (this.pairs.size >= MAX_PAIRS) {
      if (!this.pairs.has(path + '=' + text)) this.pairsTruncated = true;
      return;
    }
    let pair = path + '=' + text;
    if (pair.length * 3 > MAX_PAIR_BYTES) {
      const cut = truncateUtf8(pair, MAX_PAIR_BYTES);
      if (cut.truncated) this.valueTruncated = true;
      pair = cut.text;
    }
    this.pairs.add(pair);
  }

  private addText(text: string): void {
    if (this.textChars >= MAX_TEXT_CHARS) {
      this.textTruncated = true;
      return;
    }
    const room = MAX_TEXT_CHARS - this.textChars;
    let piece = text.length <= room ? text : text.slice(0, room);
    if (piece.length < text.length && isHighSurrogate(piece.charCodeAt(piece.length - 1)))
      piece = piece.slice(0, -1);
    if (piece.length < text.length) this.textTruncated = true;
    this.textParts.push(piece);
    this.textChars += piece.length + 1;
  }

  text(): string {
    return this.textParts.join(' ');
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
