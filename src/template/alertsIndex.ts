/**
 * The mapping of `<INDEX_PREFIX>alerts`, one document per alert (id from rule and event, see
 * src/alerts/alert.ts). Only what operators filter on is mapped; the rest stays in `_source`.
 */
export const ALERTS_INDEX_MAPPINGS = {
  dynamic: false,
  properties: {
    ruleId: { type: 'keyword' },
    severity: { type: 'keyword' },
    status: { type: 'keyword' },
    eventId: { type: 'keyword', ignore_above: 1024 },
    eventName: { type: 'keyword', ignore_above: 1024 },
    eventSource: { type: 'keyword', ignore_above: 1024 },
    eventTime: { type: 'date', ignore_malformed: true },
    actor: { type: 'keyword', ignore_above: 1024 },
    accountId: { type: 'keyword', ignore_above: 1024 },
    region: { type: 'keyword', ignore_above: 1024 },
    sourceIp: { type: 'keyword', ignore_above: 1024 },
    source: { type: 'keyword', ignore_above: 4096 },
    createdAt: { type: 'date' },
    sentAt: { type: 'date' },
  },
} as const;

/** The alerts index of a prefix. */
export function alertsIndexName(indexPrefix: string): string {
  return `${indexPrefix}alerts`;
}
