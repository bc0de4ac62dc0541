/**
 * Dead letters as documents in an OpenSearch index (default `cloudtrail-deadletter`). A write is only
 * done when the cluster has answered for every entry: the answer must hold one item per entry sent (in
 * order, with the entry's _id), throttled and transient items are sent again with the shared retry
 * policy, and whatever could not be stored makes the write fail, naming how many and why, so the
 * caller counts those records undelivered and the file is retried.
 */
import { classifyItem, answeredCount, type ItemClassification } from '../bulk/classify.js';
import { isTransient, HttpError, NetworkError } from '../http/errors.js';
import { accepted, type HttpRequest } from '../http/request.js';
import { RetryingCaller } from '../http/calls.js';
import { attemptTimeoutMs, backoffDelay, canWait, sleep, type RetryPolicy } from '../http/retry.js';
import { deadLetterId, DeadLetterStoreBase, type DeadLetterEntry, type SinkContext } from './entry.js';

// The rejected document is kept in _source only (root `dynamic: false`): indexing it again here could
// fail for the very reason it was rejected in the first place.
const DEAD_LETTER_MAPPINGS = {
  dynamic: false,
  properties: {
    source: { type: 'keyword', ignore_above: 4096 },
    recordIndex: { type: 'long' },
    reason: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 1024 } } },
    index: { type: 'keyword' },
    id: { type: 'keyword', ignore_above: 512 },
    failedAt: { type: 'date' },
  },
};

interface Pending {
  entry: DeadLetterEntry;
  id: string;
}

export class IndexDeadLetterStore extends DeadLetterStoreBase {
  /** Set once the index is known to exist (created here or found). */
  private created: Promise<void> | undefined;

  constructor(
    private readonly indexName: string,
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
  ) {
    super(`index:${indexName}`);
  }

  protected async write(entries: DeadLetterEntry[], context: SinkContext): Promise<void> {
    await this.ensureIndex(context);
    let pending: Pending[] = entries.map((entry) => ({ entry, id: deadLetterId(entry) }));
    const refused: string[] = [];
    let why = '';
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        const delayMs = backoffDelay(attempt - 1, this.policy, this.random);
        if (attempt > this.policy.maxAttempts || !canWait(context.budget, delayMs)) break;
        await (context.health ? context.health.sleep(delayMs) : sleep(delayMs));
      }
      context.health?.throwIfStopped();
      const round = await this.sendOnce(pending, context);
      for (const reason of round.refused) refused.push(reason);
      pending = round.again;
      why = round.why;
    }
    if (pending.length > 0 || refused.length > 0) {
      const notStored = pending.length + refused.length;
      const cause = refused[0] ?? `still failing after ${this.policy.maxAttempts} attempts: ${why}`;
      throw new Error(
        `dead letter ${this.target}: ${notStored} of ${entries.length} entries not stored: ${cause}`,
      );
    }
  }

  /** One bulk request; what to send again (transient failures, entries without an answer) and what was refused. */
  private async sendOnce(
    pending: Pending[],
    context: SinkContext,
  ): Promise<{ again: Pending[]; refused: string[]; why: string }> {
    const lines: string[] = [];
    for (const { entry, id } of pending) {
      lines.push(JSON.stringify({ index: { _index: this.indexName, _id: id } }), JSON.stringify(entry));
    }
    const request: HttpRequest = { method: 'POST', path: '/_bulk', ndjson: lines.join('\n') + '\n' };
    let items: unknown[];
    try {
      const timeoutMs = attemptTimeoutMs(context.budget, `dead letter ${this.target}`);
      const response = accepted(await context.http.request(request, { timeoutMs }), request);
      const body = response.body as { items?: unknown };
      items = Array.isArray(body?.items) ? body.items : [];
    } catch (error) {
      if (!(error instanceof NetworkError || error instanceof HttpError) || !isTransient(error)) throw error;
      return { again: pending, refused: [], why: error.message };
    }
    const answered = answeredCount(items, pending.length, (position) => (pending[position] as Pending).id);
    const again = pending.slice(answered);
    const refused: string[] = [];
    let why =
      answered < pending.length ? `the answer has ${items.length} items for ${pending.length} entries` : '';
    for (let position = 0; position < answered; position++) {
      const item: ItemClassification = classifyItem(items[position]);
      if (item.verdict === 'created') continue;
      const reason = item.reason ?? item.verdict;
      if (item.verdict === 'retry') {
        again.push(pending[position] as Pending);
        why = reason;
      } else {
        refused.push(reason);
      }
    }
    return { again, refused, why };
  }

  private ensureIndex(context: SinkContext): Promise<void> {
    this.created ??= this.createIndex(context).catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }

  private async createIndex(context: SinkContext): Promise<void> {
    const request: HttpRequest = {
      method: 'PUT',
      path: `/${encodeURIComponent(this.indexName)}`,
      body: { mappings: DEAD_LETTER_MAPPINGS },
    };
    const calls = new RetryingCaller(context.http, { ...context, policy: this.policy });
    const response = await calls.call(request, [400]);
    const error = (response.body as { error?: { type?: string } } | undefined)?.error;
    if (response.statusCode === 400 && error?.type !== 'resource_already_exists_exception') {
      throw new HttpError(400, response.body, `creating the dead-letter index ${this.indexName}`);
    }
  }
}
