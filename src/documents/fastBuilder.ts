/**
 * The document builder's fast path: one pass of a byte-level JSON tokenizer over the record's
 * UTF-8 bytes that writes `ct.pairs` and `ct.text` straight into byte buffers. This module runs a
 * record through the parts in fast/ (tokenizer, typed-field table, key guard, pairs writer, walk,
 * source writer) and resolves its time and id; each part owns its state, and a FastBuilder owns one of
 * each, so builders are independent of each other.
 *
 * Why a hand-written tokenizer beats `JSON.parse` + a walk here: the parse-based builder decodes the
 * whole record into a V8 object graph (one string per key and per value, one object per container),
 * walks that graph to build a `path=value` string per leaf, then `JSON.stringify` escapes every one
 * of those strings again. The pairs are, byte for byte, the path's raw key bytes + `=` + the value's
 * raw JSON string content (already escaped the way JSON.stringify escapes it), so they can be copied
 * from the record without decoding, allocating or re-escaping anything. Only the three values the
 * builder must read (eventTime, eventID, sourceIPAddress) are decoded to strings.
 *
 * The fast path must give exactly the parse-based builder's output (ReferenceBuilder, reference.ts:
 * same `_source` bytes, `_index`, `_id`, `eventTimeMs`; test/documents/fastBuilder.test.ts checks it
 * on every sample record and targeted cases, test/documents/fuzz.test.ts on 20,000 random records).
 * It handles the common case and bails out (returns `undefined` and says why in `bailReason`; the
 * caller then runs the reference builder) whenever it is not sure: a value that must be displaced
 * into `ct.original` (but for a root `@timestamp` or `ct` in a canonical record, see below),
 * duplicate keys, invalid UTF-8 or JSON, a key with a `\u` or `\/` escape or starting with a digit
 * (JSON.parse orders integer-like keys first), more than MAX_PAIRS pairs, `ct.text` near its limit, a
 * very long pair, deep nesting, an empty record, no usable time.
 *
 * Equivalences it relies on (each keeps the output identical):
 * - A JSON string's content is "canonical" when it holds no `\/` and no `\u` escape: it is then
 *   exactly what JSON.stringify writes for the decoded string (which escapes only `"`, `\`, control
 *   characters and lone surrogates, and valid JSON cannot hold the last two raw). Other strings are
 *   decoded and re-encoded with JSON.parse/JSON.stringify (rare).
 * - JSON.stringify of `path + "=" + value` is the concatenation of the canonical pieces, so two
 *   pairs are equal strings exactly when their canonical bytes are equal (deduplication on bytes).
 * - Canonical content is never shorter in bytes than the decoded string's UTF-8 or its UTF-16
 *   length, so a raw length within a limit proves the decoded value is within it too.
 * - A number's pair text is `String(Number(raw))`: raw digits for a plain integer of at most 15
 *   digits (other than `-0`), converted otherwise.
 * - A record that is "canonical" (exactly JSON.stringify's text for its parse: no whitespace, no
 *   `\u` or `\/` escape, numbers as String(Number(raw)), distinct keys, none integer-like) minus a
 *   member, with its comma, is JSON.stringify's text for the parse without that member. So a root
 *   `@timestamp` or `ct` (shippers such as Logstash write `@timestamp`), which the reference moves
 *   to `ct.original` and re-serialises the record without, is cut out of the bytes instead.
 */
import { isUtf8 } from 'node:buffer';
import type { BulkDocument } from '../types.js';
import type { BuildContext } from './context.js';
import { contentHashId } from './documentId.js';
import { TimeRules, type ResolvedTime } from './eventTime.js';
import { bail, FastPathBail, type BailReason } from './fast/bail.js';
import type { DerivedMembers } from './fast/derivedMembers.js';
import type { KeyGuard } from './fast/keyGuard.js';
import type { PairsWriter } from './fast/pairsWriter.js';
import type { RecordScanner } from './fast/recordScanner.js';
import { RecordWalker } from './fast/recordWalker.js';
import { isoTimeAt, SourceWriter, type SourceFacts } from './fast/sourceWriter.js';
import { FastWorkspace } from './fast/workspace.js';
import { DailyIndexNames, ipOrUndefined, jsonSpan, TIME_TAGS } from './head.js';
import { MAX_ID_BYTES } from './limits.js';
import type { SourceArena } from './memory.js';
import type { RecordFields } from './recordFields.js';

export class FastBuilder {
  /** Why the last record was declined (meaningful after build() returned undefined). */
  bailReason: BailReason | undefined;
  private readonly scanner: RecordScanner;
  private readonly pairs: PairsWriter;
  private readonly keys: KeyGuard;
  private readonly walker: RecordWalker;
  /** What the last record built handed over to extensions (recordFields.ts). */
  readonly fields: RecordFields;
  private readonly writer: SourceWriter;
  private readonly times: TimeRules;
  private readonly indices: DailyIndexNames;
  private readonly derived: DerivedMembers;
  /** What is resolved for the record being built (reused from record to record: no object per record). */
  private readonly facts: SourceFacts = {
    timeAt: -1,
    timeLength: 0,
    timestamp: '',
    timeTag: undefined,
    eventTimeInvalid: false,
    hashed: false,
    sourceIp: undefined,
    derived: Buffer.alloc(0),
    index: '',
    id: '',
    recordIndex: 0,
    eventTimeMs: undefined,
  };

  /** @param workspace its working memory: one no other builder uses while this one builds. */
  constructor(
    arena: SourceArena,
    private readonly context: BuildContext,
    workspace = new FastWorkspace(),
  ) {
    this.scanner = workspace.scanner;
    this.pairs = workspace.pairs;
    this.keys = workspace.keys;
    this.derived = workspace.derived;
    this.walker = new RecordWalker(this.scanner, this.pairs, this.keys, workspace.tables);
    this.fields = this.walker.fields;
    this.writer = new SourceWriter(arena, this.scanner, this.walker, this.pairs);
    this.times = new TimeRules(context);
    this.indices = new DailyIndexNames(context.indexPrefix);
  }

  /**
   * The document for `recordBytes`, or `undefined` when the record needs the reference builder (see
   * `bailReason`). Any exception other than the bail signal is a bug, and is thrown.
   */
  build(recordBytes: Buffer, recordIndex: number): BulkDocument | undefined {
    try {
      this.bailReason = undefined;
      return this.buildOrBail(recordBytes, recordIndex);
    } catch (error) {
      if (!(error instanceof FastPathBail)) throw error;
      this.bailReason = error.reason;
      return undefined;
    }
  }

  private buildOrBail(recordBytes: Buffer, recordIndex: number): BulkDocument {
    let bytes = recordBytes;
    if (bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) {
      const span = jsonSpan(recordBytes); // surrounding whitespace (rare)
      bytes = recordBytes.subarray(span.start, span.end);
    }
    if (bytes[0] !== 0x7b) bail('not-an-object');
    if (!isUtf8(bytes)) bail('invalid-utf8');
    const scanner = this.scanner;
    const walker = this.walker;
    scanner.load(bytes);
    this.pairs.startRecord();
    this.keys.startRecord();
    walker.walk();
    if (walker.cutCount > 0 && !scanner.isCanonical()) bail('not-canonical'); // the reference re-serialises

    // CloudTrail's own form of eventTime (with or without milliseconds) is read from the bytes, with no
    // Date or regular expression work.
    const facts = this.facts;
    facts.timeAt = -1;
    facts.timestamp = '';
    facts.timeTag = undefined;
    facts.eventTimeInvalid = false;
    let timeMs = NaN;
    let resolved: ResolvedTime | undefined;
    if (walker.eventTimeAt >= 0) {
      timeMs = isoTimeAt(bytes, walker.eventTimeAt, walker.eventTimeLength);
      if (timeMs === timeMs && this.times.isPlausible(timeMs)) {
        facts.timeAt = walker.eventTimeAt;
        facts.timeLength = walker.eventTimeLength;
      } else {
        const text = bytes.toString(
          'latin1',
          walker.eventTimeAt,
          walker.eventTimeAt + walker.eventTimeLength,
        );
        resolved = this.times.resolve(text, walker.recordTimestamp) ?? bail('no-time');
      }
    } else {
      resolved = this.times.resolve(walker.eventTime, walker.recordTimestamp) ?? bail('no-time');
    }
    if (resolved === undefined) {
      facts.index = this.indices.ofDayAt(bytes, facts.timeAt);
      facts.eventTimeMs = timeMs;
    } else {
      facts.timeTag = TIME_TAGS[resolved.origin];
      facts.eventTimeInvalid = resolved.eventTimeInvalid;
      facts.timestamp = new Date(resolved.ms).toISOString();
      facts.index = this.indices.ofTimestamp(facts.timestamp);
      facts.eventTimeMs = resolved.origin === 'eventTime' ? resolved.ms : undefined;
    }

    // documentId(eventID, bytes), without its result object
    const eventID = walker.eventID;
    facts.hashed = !(typeof eventID === 'string' && eventID !== '' && walker.eventIDBytes <= MAX_ID_BYTES);
    facts.id = facts.hashed ? contentHashId(bytes) : (eventID as string);
    facts.sourceIp = walker.sourceIpAt >= 0 ? undefined : ipOrUndefined(walker.sourceIPAddress);
    facts.recordIndex = recordIndex;
    facts.derived = this.derived.of(scanner.src, scanner.view, walker);
    return this.writer.write(bytes, this.context.sourceName, facts);
  }
}
