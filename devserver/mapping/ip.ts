/**
 * IP values as Lucene indexes them: every address is a 128-bit number, IPv4 mapped into
 * `::ffff:a.b.c.d`, so ranges and CIDR blocks compare as plain numbers.
 */

const v4MappedPrefix = 0xffffn << 32n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are refused: "010" is ambiguous (octal) and InetAddresses rejects it.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let v4Tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = parseV4(text.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (v4Tail !== undefined) value = (value & ~0xffffffffn) | v4Tail;
  return value;
}

/** Parses an IPv4 or IPv6 literal into its 128-bit value, or undefined. */
export function parseIp(text: string): bigint | undefined {
  if (text.includes(':')) return parseV6(text);
  const v4 = parseV4(text);
  return v4 === undefined ? undefined : v4MappedPrefix | v4;
}

/** Parses `addr/prefix` into the inclusive range it covers, or undefined. */
export function parseCidr(text: string): { low: bigint; high: bigint } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const isV4 = !text.slice(0, slash).includes(':');
  const prefix = Number(prefixText) + (isV4 ? 96 : 0);
  if (prefix > 128 || (isV4 && prefix > 128)) return undefined;
  const hostBits = BigInt(128 - prefix);
  const mask = ((1n << 128n) - 1n) ^ ((1n << hostBits) - 1n);
  return { low: address & mask, high: (address & mask) | ((1n << hostBits) - 1n) };
}

/** Canonical text of a 128-bit address (dotted for IPv4-mapped). */
export function formatIp(value: bigint): string {
  if (value >> 32n === 0xffffn) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((value >> BigInt(112 - i * 16)) & 0xffffn).toString(16),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (bestStart < 0) return groups.join(':');
  return groups.slice(0, bestStart).join(':') + '::' + groups.slice(bestStart + bestLength).join(':');
}
