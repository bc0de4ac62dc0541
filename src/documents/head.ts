/**
 * Pieces shared by the two document builders (the byte-level fast path in fastBuilder.ts and the
 * parse-based one in builder.ts): both must give the same `_index`, tags and `ct.sourceIp`.
 */
import { isIP } from 'node:net';
import type { TimeOrigin } from './eventTime.js';

/** Tags naming where `@timestamp` came from when it was not eventTime. */
export const TIME_TAGS: Record<TimeOrigin, string | undefined> = {
  eventTime: undefined,
  'record-timestamp': 'eventTime-from-record-timestamp',
  's3-key': 'eventTime-from-s3-key',
  'index-time': 'eventTime-from-index-time',
};

// Documents of one file mostly fall on one or two days: reusing the name keeps one string per day
// instead of one per document in every batch in flight.
let lastIndex = { prefix: '', day: '', name: '' };

/** `prefix` + the `YYYY-MM-DD` that starts an ISO timestamp. */
export function dailyIndex(prefix: string, timestamp: string): string {
  const day = timestamp.slice(0, 10);
  if (lastIndex.prefix !== prefix || lastIndex.day !== day) lastIndex = { prefix, day, name: prefix + day };
  return lastIndex.name;
}

/** The value of sourceIPAddress when it is an IP address (it is often a service name instead). */
export function ipOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const zone = value.indexOf('%'); // an IPv6 zone id ("fe80::1%eth0") is not part of the address
  const address = zone === -1 ? value : value.slice(0, zone);
  return isIP(address) === 0 ? undefined : address;
}

/** Byte range of `bytes` without leading/trailing JSON whitespace. */
export function jsonSpan(bytes: Buffer): { start: number; end: number } {
  let start = 0;
  let end = bytes.length;
  while (start < end && isJsonWhitespace(bytes[start]!)) start++;
  while (end > start && isJsonWhitespace(bytes[end - 1]!)) end--;
  return { start, end };
}

export function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
