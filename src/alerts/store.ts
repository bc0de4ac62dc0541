/**
 * The alerts index: the record that makes each alert go out once. An alert is created there (`_create`,
 * so a second creation of the same id is refused with 409) before it is sent, and marked after each
 * destination took it. A replay of the file finds it: already sent (nothing to do) or still pending
 * (a crash or an outage came between; send it now).
 */
import { HttpError } from '../http/errors.js';
import { RetryingCaller, type CallSettings } from '../http/calls.js';
import type { HttpCaller } from '../http/request.js';
import { ALERTS_INDEX_MAPPINGS } from '../template/alertsIndex.js';
import type { Alert } from './alert.js';

export type AlertStatus = 'pending' | 'sent' | 'summarised';
export type DestinationName = 'slack' | 'sns';

export interface StoredAlert extends Alert {
  status: AlertStatus;
  /** Destinations that took the alert (a retry sends only to the others). */
  sentTo: DestinationName[];
  createdAt: string;
  sentAt?: string;
  lastError?: string;
}

/** Bound on a single alert document's answer (they are a few KB). */
const MAX_ANSWER_BYTES = 256 * 1024;

export class AlertStore {
  /** Set once the index is known to exist. */
  private created: Promise<void> | undefined;

  constructor(readonly indexName: string) {}

  /** The stored alert: the new one when it did not exist, else the one a previous run stored. */
  async createOrGet(alert: Alert, calls: RetryingCaller): Promise<{ stored: StoredAlert; isNew: boolean }> {
    await this.ensureIndex(calls);
    const stored: StoredAlert = {
      ...alert,
      status: 'pending',
      sentTo: [],
      createdAt: new Date().toISOString(),
    };
    const response = await calls.call(
      { method: 'PUT', path: `${this.docPath('_create', alert.id)}`, body: stored },
      [409],
      MAX_ANSWER_BYTES,
    );
    if (response.statusCode !== 409) return { stored, isNew: true };
    const existing = await calls.call(
      { method: 'GET', path: this.docPath('_doc', alert.id) },
      [],
      MAX_ANSWER_BYTES,
    );
    const source = (existing.body as { _source?: StoredAlert } | undefined)?._source;
    if (!source) throw new HttpError(existing.statusCode, existing.body, `reading alert ${alert.id}`);
    return { stored: { ...source, sentTo: source.sentTo ?? [] }, isNew: false };
  }

  /** Writes the alert's delivery state. */
  async update(
    id: string,
    fields: Partial<Pick<StoredAlert, 'status' | 'sentTo' | 'sentAt' | 'lastError'>>,
    calls: RetryingCaller,
  ): Promise<void> {
    await calls.call(
      { method: 'POST', path: this.docPath('_update', id), body: { doc: fields } },
      [],
      MAX_ANSWER_BYTES,
    );
  }

  private docPath(endpoint: string, id: string): string {
    return `/${encodeURIComponent(this.indexName)}/${endpoint}/${encodeURIComponent(id)}`;
  }

  private ensureIndex(calls: RetryingCaller): Promise<void> {
    this.created ??= this.createIndex(calls).catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }

  private async createIndex(calls: RetryingCaller): Promise<void> {
    const response = await calls.call(
      {
        method: 'PUT',
        path: `/${encodeURIComponent(this.indexName)}`,
        body: { mappings: ALERTS_INDEX_MAPPINGS },
      },
      [400],
    );
    const error = (response.body as { error?: { type?: string } } | undefined)?.error;
    if (response.statusCode === 400 && error?.type !== 'resource_already_exists_exception') {
      throw new HttpError(400, response.body, `creating the alerts index ${this.indexName}`);
    }
  }
}

/** Calls on a file's connection and time. */
export function storeCalls(http: HttpCaller, settings: CallSettings): RetryingCaller {
  return new RetryingCaller(http, settings);
}
