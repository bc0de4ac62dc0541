/**
 * One file's matching, as the indexer does it for each record the builder made a document of: the
 * prefilter on the raw bytes, a parse of the rare candidate, the rules; each alert then waits for its
 * document's outcome.
 */
import type { BuiltRecord } from '../pipeline/extensions.js';
import type { BulkDocument, DocumentOutcome } from '../types.js';
import { alertOf, type Alert } from './alert.js';
import type { RuleSet } from './match.js';

/**
 * One file's matching: the alerts of its records, kept until each document's outcome is known, then
 * confirmed (the event is in the index) or dropped (dead-lettered). No delivery here.
 */
export class FileAlertMatcher {
  /** Alerts by document id, until the document's outcome is known. */
  private readonly waiting = new Map<string, Alert[]>();
  /** Alerts whose event is in the index, by alert id (one per id). */
  readonly confirmed = new Map<string, Alert>();
  /** The threshold of each alert id whose rule has one. */
  private readonly thresholds = new Map<string, number>();
  belowThreshold = 0;

  constructor(
    private readonly rules: RuleSet,
    private readonly sourceName: string,
    /** True once `needed` matches of this alert id were seen (this container's count). */
    private readonly reachesThreshold: (alert: Alert, needed: number) => boolean,
  ) {}

  onRecord({ raw, recordIndex, document }: BuiltRecord): void {
    if (!this.rules.isCandidate(raw)) return;
    let event: unknown;
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch {
      return; // the builder recovered this record; its raw form is not plain JSON (see docs/field-model.md)
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
    const place = { source: this.sourceName, recordIndex, index: document.index, documentId: document.id };
    for (const rule of this.rules.matches(event as Record<string, unknown>)) {
      const alert = alertOf(rule, event as Record<string, unknown>, place);
      if (rule.threshold) this.thresholds.set(alert.id, rule.threshold.count);
      const list = this.waiting.get(document.id);
      if (list) list.push(alert);
      else this.waiting.set(document.id, [alert]);
    }
  }

  onOutcome(document: BulkDocument, outcome: DocumentOutcome): void {
    const list = this.waiting.get(document.id);
    if (!list) return;
    this.waiting.delete(document.id);
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
