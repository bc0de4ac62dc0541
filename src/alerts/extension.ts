/**
 * Alerts as a per-file pipeline extension (src/pipeline/extensions.ts). Each record the builder made a
 * document of goes through the rules' prefilter on its raw bytes; the rare candidate is parsed and
 * matched. An alert waits for its document's outcome: only an event that is in the index (indexed now,
 * or a duplicate from an earlier run) alerts. When the file's documents are delivered, each alert is
 * created in the alerts index (a replay finds it there) and sent unless it was sent before.
 *
 * Delivery failures leave the alert pending and fail the file, so the trigger's retry (or re-running
 * the CLI) sends what is pending. Indexing is not undone: the documents are in, and their ids make the
 * replay safe.
 */
import type { Telemetry } from '../observability/telemetry.js';
import type {
  BuiltRecord,
  ExtensionContext,
  ExtensionFile,
  FileExtension,
  FileObserver,
} from '../pipeline/extensions.js';
import type { BulkDocument, DocumentOutcome } from '../types.js';
import { DEFAULT_RETRY } from '../http/retry.js';
import type { Alert } from './alert.js';
import { FileAlertMatcher } from './fileMatcher.js';
import type { AlertDelivery } from './delivery.js';
import type { RuleSet } from './match.js';
import { storeCalls, type AlertStore } from './store.js';

export interface AlertCounts {
  /** Alerts whose event is in the index (after dedup within the file). */
  matched: number;
  sent: number;
  /** Found already sent by an earlier run (a replay). */
  alreadySent: number;
  /** Past the invocation's budget: recorded, told in one summary message. */
  summarised: number;
  /** Still pending: a destination failed, or the alerts index could not be written. */
  failed: number;
  /** Threshold rules whose count is not reached yet. */
  belowThreshold: number;
}

export class AlertsExtension implements FileExtension {
  readonly name = 'alerts';
  /** Matches of threshold rules per alert id (this container's view: see README "Alerts"). */
  private readonly thresholdCounts = new Map<string, number>();
  /** Counts of every file so far (the CLI's summary line). */
  readonly totals: AlertCounts = {
    matched: 0,
    sent: 0,
    alreadySent: 0,
    summarised: 0,
    failed: 0,
    belowThreshold: 0,
  };

  constructor(
    readonly rules: RuleSet,
    readonly delivery: AlertDelivery,
    readonly store: AlertStore,
  ) {}

  openFile(file: ExtensionFile, context: ExtensionContext): FileObserver | undefined {
    if (!context.http) return undefined;
    return new AlertFileObserver(this, file, context);
  }

  /** True when the alert's threshold (if any) is reached with this match. */
  countTowardsThreshold(alert: Alert, needed: number): boolean {
    const count = (this.thresholdCounts.get(alert.id) ?? 0) + 1;
    this.thresholdCounts.set(alert.id, count);
    return count >= needed;
  }

  /** `alerts: matched 3, sent 2, already sent 0, summarised 0, failed 1` */
  summaryLine(): string {
    const t = this.totals;
    return `alerts:        matched ${t.matched}, sent ${t.sent}, already sent ${t.alreadySent}, summarised ${t.summarised}, failed ${t.failed}`;
  }

  addTotals(counts: AlertCounts): void {
    for (const key of Object.keys(counts) as (keyof AlertCounts)[]) this.totals[key] += counts[key];
  }

  /** Sends the summary of alerts past this invocation's budget. */
  async finishInvocation(context: Pick<ExtensionContext, 'budget' | 'telemetry'>): Promise<void> {
    try {
      const summarised = await this.delivery.sendSummary(context.budget);
      if (summarised > 0) context.telemetry.log.info('alerts summary sent', { summarised });
    } catch (error) {
      context.telemetry.metric('AlertsFailed', 1);
      context.telemetry.log.error('alerts summary not sent', { error: (error as Error).message });
    }
  }
}

class AlertFileObserver implements FileObserver {
  private readonly matcher: FileAlertMatcher;
  readonly onRecord: (record: BuiltRecord) => void;
  readonly onOutcome: (document: BulkDocument, outcome: DocumentOutcome) => void;

  constructor(
    private readonly alerts: AlertsExtension,
    private readonly file: ExtensionFile,
    private readonly context: ExtensionContext,
  ) {
    this.matcher = new FileAlertMatcher(alerts.rules, file.sourceName, (alert, needed) =>
      alerts.countTowardsThreshold(alert, needed),
    );
    this.onRecord = (record) => this.matcher.onRecord(record);
    this.onOutcome = (document, outcome) => this.matcher.onOutcome(document, outcome);
  }

  async finish(): Promise<{ counts: Record<string, number>; error?: string }> {
    const counts: AlertCounts = {
      matched: this.matcher.confirmed.size,
      sent: 0,
      alreadySent: 0,
      summarised: 0,
      failed: 0,
      belowThreshold: this.matcher.belowThreshold,
    };
    const { telemetry, budget, health } = this.context;
    const calls = storeCalls(this.context.http!, { policy: DEFAULT_RETRY, budget, health });
    const { delivery, store } = this.alerts;
    let firstError: string | undefined;
    for (const alert of this.matcher.confirmed.values()) {
      try {
        const { stored } = await store.createOrGet(alert, calls);
        if (stored.status !== 'pending') {
          counts.alreadySent++;
          continue;
        }
        if (!delivery.takeBudget()) {
          await store.update(alert.id, { status: 'summarised' }, calls);
          counts.summarised++;
          continue;
        }
        // The message is made from the event as read now: a record from an older version may lack fields.
        const result = await delivery.deliver(alert, stored.sentTo ?? [], budget);
        if (result.error === undefined) {
          await store.update(
            alert.id,
            { status: 'sent', sentTo: result.sentTo, sentAt: new Date().toISOString() },
            calls,
          );
          counts.sent++;
        } else {
          await store.update(alert.id, { sentTo: result.sentTo, lastError: result.error }, calls);
          throw new Error(result.error);
        }
      } catch (error) {
        counts.failed++;
        const message = error instanceof Error ? error.message : String(error);
        firstError ??= message;
        telemetry.log.warn('alert not sent', {
          source: this.file.sourceName,
          alert: alert.id,
          error: message,
        });
      }
    }
    report(telemetry, counts);
    this.alerts.addTotals(counts);
    if (counts.failed === 0) return { counts: { ...counts } };
    return {
      counts: { ...counts },
      error: `${counts.failed} alert(s) not sent, kept pending in ${store.indexName} (a retry of the file sends them): ${firstError}`,
    };
  }
}

function report(telemetry: Telemetry, counts: AlertCounts): void {
  if (counts.matched > 0) telemetry.metric('AlertsMatched', counts.matched);
  if (counts.sent > 0) telemetry.metric('AlertsSent', counts.sent);
  if (counts.failed > 0) telemetry.metric('AlertsFailed', counts.failed);
}
