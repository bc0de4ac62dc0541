/**
 * One file's matching, as the indexer does it for each record the builder made a document of: the
 * prefilter on the values the builder read (or on the raw bytes, when it handed none over), a parse of
 * the rare candidate (none when the builder parsed the record), the rules; each alert then waits for
 * its document's outcome.
 */
import type { BuiltRecord } from '../pipeline/extensions.js';
import type { BulkDocument, DocumentOutcome } from '../types.js';
import { AlertIds, alertOf, parsedTexts, type Alert, type EventTexts } from './alert.js';
import { FieldTexts } from './fieldTexts.js';
import type { RuleSet } from './match.js';
import type { Rule } from './rules.js';

/**
 * One file's matching: the alerts of its records, kept until each document's outcome is known, then
 * confirmed (the event is in the index) or dropped (dead-lettered). No delivery here.
 */
export class FileAlertMatcher {
  /**
   * Alerts by their record's index in the file, until the document's outcome is known (a number: the
   * lookup made for every document's outcome hashes no string).
   */
  private readonly waiting = new Map<number, Alert[]>();
  /** Alerts whose event is in the index, by alert id (one per id). */
  readonly confirmed = new Map<string, Alert>();
  /** The threshold of each alert id whose rule has one. */
  private readonly thresholds = new Map<string, number>();
  belowThreshold = 0;
  private readonly fieldTexts: FieldTexts;
  private readonly ids = new AlertIds();

  constructor(
    private readonly rules: RuleSet,
    private readonly sourceName: string,
    /** True once `needed` matches of this alert id were seen (this container's count). */
    private readonly reachesThreshold: (alert: Alert, needed: number) => boolean,
  ) {
    this.fieldTexts = new FieldTexts(rules.alertReads);
  }

  onRecord({ raw, recordIndex, document, fields }: BuiltRecord): void {
    let event: Record<string, unknown> | undefined;
    let matched: readonly Rule[];
    let texts: EventTexts | undefined;
    if (fields?.parsed) {
      event = fields.parsed;
      matched = this.rules.matches(event);
    } else if (fields) {
      const prefilter = this.rules.prefilter;
      const positions = prefilter.mayMatch(fields);
      if (positions.length === 0) return;
      texts = prefilter.decided ? this.fieldTexts.of(fields, positions) : undefined;
      if (texts) matched = positions.map((position) => this.rules.rules[position]!);
      else {
        event = parseRecord(raw);
        if (event === undefined) return;
        matched = this.rules.matchesAmong(event, positions);
      }
    } else {
      if (!this.rules.isCandidate(raw)) return;
      event = parseRecord(raw);
      if (event === undefined) return;
      matched = this.rules.matches(event);
    }
    if (matched.length === 0) return;
    const place = { source: this.sourceName, recordIndex, index: document.index, documentId: document.id };
    texts ??= parsedTexts(event!);
    for (const rule of matched) {
      const alert = alertOf(rule, texts, place, this.ids);
      if (rule.threshold) this.thresholds.set(alert.id, rule.threshold.count);
      const list = this.waiting.get(recordIndex);
      if (list) list.push(alert);
      else this.waiting.set(recordIndex, [alert]);
    }
  }

  onOutcome(document: BulkDocument, outcome: DocumentOutcome): void {
    if (this.waiting.size === 0) return; // the common case: no document of this file matched
    const list = this.waiting.get(document.recordIndex);
    if (!list) return;
    this.waiting.delete(document.recordIndex);
    if (outcome.kind === 'dead-letter') return; // not in the index: nothing to point the alert at
    for (const alert of list) {
      const needed = this.thresholds.get(alert.id);
      if (needed !== undefined && !this.reachesThreshold(alert, needed)) {
        this.belowThreshold++;
        continue;
      }
      if (!this.confirmed.has(alert.id)) this.confirmed.set(alert.id, alert);
    }
  }
}

/** The record as an object, or undefined when its raw form is not plain JSON (see docs/field-model.md). */
function parseRecord(raw: Buffer): Record<string, unknown> | undefined {
  let event: unknown;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  return event as Record<string, unknown>;
}
