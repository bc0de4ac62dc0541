/** Dead letters as documents in an OpenSearch index (default `cloudtrail-deadletter`). */
import type { Client } from '@opensearch-project/opensearch';
import { deadLetterId, type DeadLetterEntry, type DeadLetterSink } from './entry.js';

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

export class IndexDeadLetterSink implements DeadLetterSink {
  readonly target: string;
  private created = false;

  constructor(
    private readonly client: Client,
    private readonly indexName: string,
  ) {
    this.target = `index:${indexName}`;
  }

  async write(entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.ensureIndex();
    const lines: string[] = [];
    for (const entry of entries) {
      lines.push(
        JSON.stringify({ index: { _index: this.indexName, _id: deadLetterId(entry) } }),
        JSON.stringify(entry),
      );
    }
    const response = await this.client.transport.request(
      { method: 'POST', path: '/_bulk', body: lines.join('\n') + '\n' },
      { maxRetries: 3 },
    );
    const body = response.body as {
      errors?: boolean;
      items?: { index?: { status?: number; error?: unknown } }[];
    };
    if (body.errors) {
      const failed = (body.items ?? []).filter((item) => (item.index?.status ?? 500) >= 300);
      throw new Error(
        `dead letter ${this.target}: ${failed.length} of ${entries.length} entries not stored: ${JSON.stringify(failed[0]?.index?.error)}`,
      );
    }
  }

  private async ensureIndex(): Promise<void> {
    if (this.created) return;
    const response = await this.client.transport.request(
      {
        method: 'PUT',
        path: `/${encodeURIComponent(this.indexName)}`,
        body: { mappings: DEAD_LETTER_MAPPINGS },
      },
      { ignore: [400] },
    );
    const error = (response.body as { error?: { type?: string } }).error;
    if (response.statusCode === 400 && error?.type !== 'resource_already_exists_exception') {
      throw new Error(`dead letter ${this.target}: cannot create the index: ${JSON.stringify(error)}`);
    }
    this.created = true;
  }
}
