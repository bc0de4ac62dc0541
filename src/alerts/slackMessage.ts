/**
 * Slack messages (Block Kit) for an alert and for the summary of alerts past the invocation's budget.
 * `text` is the plain-text fallback Slack shows in notifications and where blocks cannot be drawn.
 */
import type { Alert } from './alert.js';
import type { Severity } from './rules.js';

const SEVERITY_MARK: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

/** Slack's limits: a header's text 150 characters, a field's 2,000; we stay far below. */
const MAX_HEADER_CHARS = 150;
const MAX_FIELD_CHARS = 300;

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export function alertMessage(alert: Alert): SlackMessage {
  const header = clip(`${alert.severity.toUpperCase()}: ${alert.title}`, MAX_HEADER_CHARS);
  const where = [alert.accountId, alert.region].filter(Boolean).join(' / ') || '-';
  return {
    text: `${header}: ${alert.eventName} by ${alert.actor} in ${where} at ${alert.eventTime} (rule ${alert.ruleId}, eventID ${alert.eventId})`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${SEVERITY_MARK[alert.severity]} rule \`${escape(alert.ruleId)}\`` },
        fields: [
          field('Actor', alert.actor),
          field('Event', `${alert.eventName} (${alert.eventSource})`),
          field('Account / region', where),
          field('Source IP', alert.sourceIp || '-'),
          field('Time', alert.eventTime || '-'),
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: escape(clip(`eventID ${alert.eventId} · ${alert.source}`, MAX_FIELD_CHARS)),
          },
        ],
      },
    ],
  };
}

export function summaryMessage(more: number, budget: number, indexName: string): SlackMessage {
  const text =
    `${more} more alert(s) matched in this run, past the budget of ${budget} message(s). ` +
    `They are in the index ${indexName} with status "summarised" (search status:summarised, newest createdAt first).`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escape(text) } }] };
}

function field(label: string, value: string) {
  return { type: 'mrkdwn', text: `*${label}*\n${escape(clip(value, MAX_FIELD_CHARS))}` };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's three control characters in mrkdwn. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
