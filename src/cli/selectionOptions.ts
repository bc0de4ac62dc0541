/** --from/--to/--accounts/--regions: the part of a trail a command works on (`index` backfills, `audit`). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from './options.js';

export interface SelectionFlags {
  from?: string;
  to?: string;
  accounts?: string[];
  regions?: string[];
}

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError('Expected a day as YYYY-MM-DD.');
  return value;
}

function list(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('Expected a comma-separated list.');
  return items;
}

export function addSelectionOptions(command: Command, defaults: { from: string; to: string }): Command {
  return command
    .addOption(
      new Option('--from <day>', `first day, YYYY-MM-DD UTC (default: ${defaults.from})`).argParser(day),
    )
    .addOption(new Option('--to <day>', `last day, YYYY-MM-DD UTC (default: ${defaults.to})`).argParser(day))
    .addOption(
      new Option('--accounts <ids>', 'only these accounts, comma-separated (default: all)').argParser(list),
    )
    .addOption(
      new Option('--regions <names>', 'only these regions, comma-separated (default: all)').argParser(list),
    );
}

/** The inclusive day range, refusing one that ends before it starts. */
export function dayRange(from: string, to: string): { from: string; to: string } {
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to };
}
