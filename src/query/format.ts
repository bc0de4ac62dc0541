/** How `activity` prints events: an aligned table for people, JSON or NDJSON for programs. */
import { actorOf, type IdentityFacts } from './actor.js';
import type { EventSource, SeenEntry } from './queryService.js';

export type OutputFormat = 'table' | 'json' | 'ndjson';

const str = (value: unknown): string =>
  typeof value === 'string' ? value : value == null ? '' : String(value);

/** The table's columns for one event: time, actor, call, region, source, error. */
export function eventRow(event: EventSource): string[] {
  const identity = (event.userIdentity ?? {}) as Record<string, unknown>;
  const issuer = ((identity.sessionContext as Record<string, unknown> | undefined)?.sessionIssuer ??
    {}) as Record<string, unknown>;
  const facts: IdentityFacts = {
    type: str(identity.type),
    arn: str(identity.arn),
    issuerArn: str(issuer.arn),
    invokedBy: str(identity.invokedBy),
    identityProvider: str(identity.identityProvider),
    userName: str(identity.userName),
    accountId: str(identity.accountId),
    principalId: str(identity.principalId),
    onBehalfOf: str((identity.onBehalfOf as Record<string, unknown> | undefined)?.userId),
  };
  const { actor, session } = actorOf(facts);
  return [
    str(event['@timestamp']),
    session ? `${actor} (${session})` : actor,
    `${str(event.eventSource).replace(/\.amazonaws\.com$/, '')}:${str(event.eventName)}`,
    str(event.awsRegion),
    str(event.sourceIPAddress),
    str(event.errorCode),
  ];
}

export const EVENT_HEADER = ['TIME', 'ACTOR', 'CALL', 'REGION', 'SOURCE', 'ERROR'];

/** Columns separated by two spaces; each column as wide as its widest cell among `rows`. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function seenRows(entries: SeenEntry[]): string[][] {
  return entries.map((entry) => [
    entry.name,
    String(entry.count),
    entry.firstSeen ?? '',
    entry.lastSeen ?? '',
  ]);
}
