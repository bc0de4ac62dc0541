/** Command-line parsing helpers: errors name the flag and what it expects. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

export function parse<const T extends FlagSpecs>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function requiredString(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

export function integerFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number | undefined,
  min = 0,
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required (a whole number ≥ ${min})`);
    return fallback;
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min) {
    throw new UsageError(`--${name} ${String(raw)}: expected a whole number ≥ ${min}`);
  }
  return value;
}
