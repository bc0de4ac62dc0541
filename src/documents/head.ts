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
  'object-time': 'eventTime-from-object-time',
};

/**
 * Daily index names, `prefix` + `YYYY-MM-DD`. Documents of one file mostly fall on one or two days:
 * reusing the name keeps one string per day instead of one per document in every batch in flight.
 */
export class DailyIndexNames {
  private day = '';
  private name = '';
  private readonly dayBytes = Buffer.alloc(10);
  constructor(readonly prefix: string) {}

  /** The index of the day an ISO timestamp starts with. */
  ofTimestamp(timestamp: string): string {
    const day = timestamp.slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.name = this.prefix + day;
      this.dayBytes.write(day, 'latin1');
    }
    return this.name;
  }

  /** The index of the day written (`YYYY-MM-DD`) at `bytes[at, at + 10)`: no string per record. */
  ofDayAt(bytes: Uint8Array, at: number): string {
    const known = this.dayBytes;
    for (let i = 0; i < 10; i++) {
      if (known[i] !== bytes[at + i])
        return this.ofTimestamp(Buffer.from(bytes.buffer, bytes.byteOffset + at, 10).toString('latin1'));
    }
    return this.name;
  }
}

/** The value of sourceIPAddress when it is an IP address (it is often a service name instead). */
export function ipOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  // Without `:` or `%` only IPv4 text can be an address (isIP's IPv6 forms all hold a `:`): decided
  // without isIP's regular expressions, for the common address and the common service name.
  if (value.indexOf(':') === -1 && value.indexOf('%') === -1) return isDottedQuad(value) ? value : undefined;
  const zone = value.indexOf('%'); // an IPv6 zone id ("fe80::1%eth0") is not part of the address
  const address = zone === -1 ? value : value.slice(0, zone);
  return isIP(address) === 0 ? undefined : address;
}

/**
 * `a.b.c.d`, each part 0 to 255 without a leading zero: exactly the IPv4 text `isIP` accepts
 * (test/documents/builder.test.ts compares the two).
 */
export function isDottedQuad(text: string): boolean {
  // Non-ASCII characters become bytes ≥ 0x80, which are neither digits nor dots.
  const bytes = Buffer.from(text, 'utf8');
  return isDottedQuadAt(bytes, 0, bytes.length);
}

/** {@link isDottedQuad} on `bytes[start, end)` (the byte-level builder reads the record's bytes). */
export function isDottedQuadAt(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start > 15) return false;
  let dots = 0;
  let digits = 0; // of the current part
  let part = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      part = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && part === 0) return false; // a leading zero
      part = part * 10 + c - 0x30;
      if (++digits > 3 || part > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
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
