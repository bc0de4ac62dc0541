/**
 * One alert: a rule matched an event. It keeps the few fields a message shows (copied out of the event,
 * which is not kept) and its id in the alerts index, which makes "once each" work across replays: the
 * same event and rule (or, with a dedup key, the same key in the same window of event time) always gives
 * the same id, whatever the clock says when it is seen.
 */
import { hash } from 'node:crypto';
import { firstTextAt, textsAt } from './match.js';
import type { Rule, Severity } from './rules.js';

export interface Alert {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  actor: string;
  accountId: string;
  region: string;
  sourceIp: string;
  /** The log file (`s3://bucket/key` or a path) and the record's position in it. */
  source: string;
  recordIndex: number;
  /** The daily index and id of the event's document. */
  index: string;
  documentId: string;
}

/** Where the event is, for the alert. */
export interface EventPlace {
  source: string;
  recordIndex: number;
  index: string;
  documentId: string;
}

const MAX_FIELD_CHARS = 512;
const MAX_ID_BYTES = 512;

/** An event's texts at dotted paths, as `textsAt` reads them (from its parse, or from where they are). */
export interface EventTexts {
  /** The first text at `path`, or undefined. */
  first(path: string): string | undefined;
  /** Every text at `path`, joined by commas. */
  joined(path: string): string;
}

/** The paths an alert is made of (besides its rule's dedup key). */
export const ALERT_PATHS = [
  'eventID',
  'eventName',
  'eventSource',
  'eventTime',
  'recipientAccountId',
  'awsRegion',
  'sourceIPAddress',
  'userIdentity.type',
  'userIdentity.accountId',
  'userIdentity.arn',
  'userIdentity.userName',
  'userIdentity.principalId',
  'userIdentity.invokedBy',
] as const;

/** The texts of a parsed event. */
export function parsedTexts(event: Record<string, unknown>): EventTexts {
  return {
    first: (path) => firstTextAt(event, path),
    joined: (path) => textsAt(event, path).join(','),
  };
}

/**
 * What the alert ids of one file's alerts share: a key's hash and a window's start are worked out once
 * (a role refused a hundred times in an hour makes one of each).
 */
export class AlertIds {
  private readonly keyHashes = new Map<string, string>();
  private windowStartMs = NaN;
  private windowStartText = '';

  keyHash(keyText: string): string {
    let keyHash = this.keyHashes.get(keyText);
    if (keyHash === undefined) {
      keyHash = hash('sha256', keyText, 'hex').slice(0, 16);
      this.keyHashes.set(keyText, keyHash);
    }
    return keyHash;
  }

  /** The ISO time of the start of the window of `windowMs` that `eventMs` is in. */
  windowStart(eventMs: number, windowMs: number): string {
    const startMs = Math.floor(eventMs / windowMs) * windowMs;
    if (startMs !== this.windowStartMs) {
      this.windowStartMs = startMs;
      this.windowStartText = new Date(startMs).toISOString();
    }
    return this.windowStartText;
  }
}

export function alertOf(rule: Rule, event: EventTexts, place: EventPlace, ids = new AlertIds()): Alert {
  const eventId = text(event, 'eventID') || place.documentId;
  const eventTime = text(event, 'eventTime');
  return {
    id: alertId(rule, event, eventId, eventTime, ids),
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    eventId,
    eventName: text(event, 'eventName'),
    eventSource: text(event, 'eventSource'),
    eventTime,
    actor: actorOf(event),
    accountId: text(event, 'recipientAccountId') || text(event, 'userIdentity.accountId'),
    region: text(event, 'awsRegion'),
    sourceIp: text(event, 'sourceIPAddress'),
    // one shape for every alert (a spread would make its own)
    source: place.source,
    recordIndex: place.recordIndex,
    index: place.index,
    documentId: place.documentId,
  };
}

/**
 * `rule:eventID`, or with a dedup key `rule:hash(key values):window start` (window of the event's own
 * time; an event without a usable eventTime is its own window).
 */
function alertId(rule: Rule, event: EventTexts, eventId: string, eventTime: string, ids: AlertIds): string {
  const grouping = rule.dedup ?? (rule.threshold && { key: [], windowMs: rule.threshold.windowMs });
  // Most rules have no window: no time to read.
  const eventMs = grouping ? Date.parse(eventTime) : NaN;
  if (!grouping || !Number.isFinite(eventMs)) return limitId(`${rule.id}:${eventId}`);
  const keyText = grouping.key.map((path) => event.joined(path)).join('\n');
  return limitId(`${rule.id}:${ids.keyHash(keyText)}:${ids.windowStart(eventMs, grouping.windowMs)}`);
}

function limitId(id: string): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most ids are measured without encoding them.
  if (id.length * 3 <= MAX_ID_BYTES || Buffer.byteLength(id) <= MAX_ID_BYTES) return id;
  return `${id.slice(0, 64)}:${hash('sha256', id, 'hex')}`;
}

function actorOf(event: EventTexts): string {
  const type = text(event, 'userIdentity.type');
  if (type === 'Root') return `root (account ${text(event, 'userIdentity.accountId')})`;
  return (
    text(event, 'userIdentity.arn') ||
    text(event, 'userIdentity.userName') ||
    text(event, 'userIdentity.principalId') ||
    text(event, 'userIdentity.invokedBy') ||
    type ||
    'unknown'
  );
}

function text(event: EventTexts, path: string): string {
  const first = event.first(path) ?? '';
  return first.length > MAX_FIELD_CHARS ? `${first.slice(0, MAX_FIELD_CHARS)}…` : first;
}

/** A sample alert for `alerts send-test`: says plainly that it is a test. */
export function sampleAlert(): Alert {
  return {
    id: 'send-test',
    ruleId: 'send-test',
    title: 'Test message from cloudtrail-opensearch',
    severity: 'info',
    eventId: '00000000-0000-0000-0000-000000000000',
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    eventTime: new Date().toISOString(),
    actor: 'arn:aws:iam::111122223333:user/example',
    accountId: '111122223333',
    region: 'us-east-1',
    sourceIp: '192.0.2.10',
    source: 'alerts send-test',
    recordIndex: 0,
    index: '-',
    documentId: '-',
  };
}
