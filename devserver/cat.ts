/**
 * `_cat/indices` (spec §6.1): string-valued columns, `h=` with aliases, `s=` sorting, `bytes=` units,
 * `health=` filtering, JSON or aligned text output.
 */
import type { IndexState } from './cluster.js';
import { illegalArgument } from './errors.js';

interface Column {
  name: string;
  aliases: string[];
  byDefault: boolean;
  numeric: boolean;
  value: (index: IndexState, bytesUnit: string | undefined) => string;
}

const units = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'];

/** OpenSearch's ByteSizeValue text: one truncated decimal, trailing `.0` dropped ("7.7kb", "208b"). */
export function humanBytes(bytes: number): string {
  let unit = 0;
  while (unit < units.length - 1 && bytes >= 1024 ** (unit + 1)) unit++;
  const value = Math.trunc((bytes / 1024 ** unit) * 10) / 10;
  return `${value}${units[unit]}`;
}

function sizeIn(bytes: number, unit: string | undefined): string {
  if (unit === undefined) return humanBytes(bytes);
  const power = units.indexOf(unit);
  if (power < 0) throw illegalArgument(`failed to parse [bytes] with value [${unit}]`);
  return String(Math.trunc(bytes / 1024 ** power));
}

const columns: Column[] = [
  { name: 'health', aliases: ['h'], byDefault: true, numeric: false, value: (i) => i.health() },
  { name: 'status', aliases: ['s'], byDefault: true, numeric: false, value: () => 'open' },
  { name: 'index', aliases: ['i', 'idx'], byDefault: true, numeric: false, value: (i) => i.name },
  { name: 'uuid', aliases: ['id'], byDefault: true, numeric: false, value: (i) => i.uuid },
  {
    name: 'pri',
    aliases: ['p', 'shards.primary', 'shardsPrimary'],
    byDefault: true,
    numeric: true,
    value: (i) => String(i.shards()),
  },
  {
    name: 'rep',
    aliases: ['r', 'shards.replica', 'shardsReplica'],
    byDefault: true,
    numeric: true,
    value: (i) => String(i.replicas()),
  },
  {
    name: 'docs.count',
    aliases: ['dc', 'docsCount'],
    byDefault: true,
    numeric: true,
    value: (i) => String(i.searchView().length),
  },
  {
    name: 'docs.deleted',
    aliases: ['dd', 'docsDeleted'],
    byDefault: true,
    numeric: true,
    value: (i) => String(i.deletedDocs),
  },
  {
    name: 'store.size',
    aliases: ['ss', 'storeSize'],
    byDefault: true,
    numeric: true,
    value: (i, u) => sizeIn(i.storeSizeBytes(), u),
  },
  {
    name: 'pri.store.size',
    aliases: [],
    byDefault: true,
    numeric: true,
    value: (i, u) => sizeIn(i.storeSizeBytes(), u),
  },
  {
    name: 'creation.date',
    aliases: ['cd'],
    byDefault: false,
    numeric: true,
    value: (i) => String(i.creationDate),
  },
  {
    name: 'creation.date.string',
    aliases: ['cds'],
    byDefault: false,
    numeric: false,
    value: (i) => new Date(i.creationDate).toISOString(),
  },
];

function findColumn(name: string): Column | undefined {
  return columns.find((c) => c.name === name || c.aliases.includes(name));
}

export interface CatOptions {
  h?: string;
  s?: string;
  bytes?: string;
  health?: string;
  format?: string;
  v?: boolean;
}

/** Returns a JSON array (format=json) or the aligned text table. */
export function catIndices(indices: IndexState[], options: CatOptions): unknown[] | string {
  const requested = options.h
    ? options.h.split(',').map((name) => ({ display: name, column: findColumn(name) }))
    : columns.filter((c) => c.byDefault).map((c) => ({ display: c.name, column: c }));
  const shown = requested.filter((r): r is { display: string; column: Column } => r.column !== undefined);
  let rows = indices.filter((i) => !options.health || i.health() === options.health);
  for (const key of (options.s ?? '').split(',').filter(Boolean).reverse()) {
    const [name, direction] = key.split(':');
    const column = findColumn(name!);
    if (!column) throw illegalArgument(`Unable to sort by unknown sort key \`${name}\``);
    const sign = direction === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const va = column.value(a, 'b');
      const vb = column.value(b, 'b');
      const order = column.numeric ? Number(va) - Number(vb) : va < vb ? -1 : va > vb ? 1 : 0;
      return order * sign;
    });
  }
  const table = rows.map((index) =>
    shown.map(({ display, column }) => [display, column.value(index, options.bytes)] as const),
  );
  if (options.format === 'json') return table.map((cells) => Object.fromEntries(cells));
  const lines = table.map((cells) => cells.map(([, value]) => value));
  if (options.v) lines.unshift(shown.map((s) => s.display));
  const widths = shown.map((_, i) => Math.max(0, ...lines.map((line) => line[i]!.length)));
  return lines
    .map(
      (line) =>
        line
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join(' ')
          .trimEnd() + '\n',
    )
    .join('');
}
