/**
 * `include` / `exclude` of a terms aggregation: exact values (any field type), a regular expression
 * (string fields only), or `{"partition": p, "num_partitions": n}`, which keeps the terms whose hash
 * falls in partition p, with the hashes OpenSearch uses (murmur3 of the UTF-8 bytes with seed 31 for
 * strings, a 64-bit mix of the value for numbers), so a client paging through partitions here sees
 * the same split as on a cluster.
 */
import { illegalArgument } from '../../errors.js';
import { missingValue } from './metrics.js';
import type { AggValue } from './context.js';

const partitionSeed = 31;

/** MurmurHash3 x86 32-bit of `bytes`. */
function murmur3(bytes: Buffer, seed: number): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = bytes.length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const mask64 = (1n << 64n) - 1n;

/** The 64-bit finaliser OpenSearch mixes numeric terms with, as a signed value. */
function mix64(value: bigint): bigint {
  let z = value & mask64;
  z = ((z ^ (z >> 32n)) * 0x4cd6944c5cc20b6dn) & mask64;
  z = ((z ^ (z >> 29n)) * 0xfc12c5b19d3259e9n) & mask64;
  z = z ^ (z >> 32n);
  return z >= 1n << 63n ? z - (1n << 64n) : z;
}

function floorMod(value: bigint, modulus: bigint): number {
  return Number(((value % modulus) + modulus) % modulus);
}

function doubleBits(value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigInt64(0);
}

const floatingTypes = new Set(['double', 'float', 'half_float', 'scaled_float']);

function partitionOf(value: AggValue, type: string | undefined, partitions: number): number {
  if (typeof value === 'string')
    return floorMod(BigInt(murmur3(Buffer.from(value, 'utf8'), partitionSeed)), BigInt(partitions));
  const bits = floatingTypes.has(type ?? '') ? doubleBits(value) : BigInt(Math.trunc(value));
  return floorMod(mix64(bits), BigInt(partitions));
}

const stringTypes = new Set(['keyword', 'wildcard', 'constant_keyword', 'text', 'flat_object']);

type Filter = (value: AggValue) => boolean;

function compile(
  spec: unknown,
  type: string | undefined,
  aggName: string,
  role: 'include' | 'exclude',
): Filter | undefined {
  if (spec === undefined) return undefined;
  if (Array.isArray(spec)) {
    const wanted = new Set(spec.map((v) => missingValue(v, type)));
    return (value) => wanted.has(value);
  }
  if (typeof spec === 'string') {
    if (!stringTypes.has(type ?? 'keyword')) {
      const numeric = type !== 'ip' && type !== 'date' && type !== 'date_nanos' && type !== 'boolean';
      throw illegalArgument(
        `Aggregation [${aggName}] cannot support regular expression style include/exclude settings as they can only be applied to string fields. ` +
          (numeric
            ? 'Use an array of numeric values for include/exclude clauses used to filter numeric fields'
            : 'Use an array of values for include/exclude clauses'),
      );
    }
    const regex = new RegExp(`^(?:${spec})$`, 's');
    return (value) => regex.test(String(value));
  }
  if (typeof spec === 'object' && spec !== null && role === 'include') {
    const { partition, num_partitions: partitions } = spec as { partition?: number; num_partitions?: number };
    if (partitions === undefined || partition === undefined)
      throw illegalArgument('Missing [num_partitions] or [partition] in include');
    if (!(partitions > 0) || partition < 0 || partition >= partitions) {
      throw illegalArgument(`Invalid partition [${partition}] of [${partitions}] partitions`);
    }
    return (value) => partitionOf(value, type, partitions) === partition;
  }
  throw illegalArgument(`Unrecognized token for an ${role} [${JSON.stringify(spec)}]`);
}

/** The filter `include` and `exclude` describe (exclude wins); undefined when neither is set. */
export function includeExclude(
  include: unknown,
  exclude: unknown,
  type: string | undefined,
  aggName: string,
): Filter | undefined {
  const keep = compile(include, type, aggName, 'include');
  const drop = compile(exclude, type, aggName, 'exclude');
  if (!keep && !drop) return undefined;
  return (value) => (keep ? keep(value) : true) && !(drop ? drop(value) : false);
}
