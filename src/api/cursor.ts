/**
 * The API's `next` cursor: the sort values of the last event of a page (what `search_after` takes),
 * as base64url JSON. A cursor is checked before use, so a made-up one is a 400, never a cluster error.
 */
import { ApiError } from './params.js';

/** The event sort (time, source file, record index): three values, each a number or a string. */
const SORT_VALUES = 3;

export function encodeCursor(sort: unknown[]): string {
  return Buffer.from(JSON.stringify(sort), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (
    !Array.isArray(values) ||
    values.length !== SORT_VALUES ||
    !values.every(
      (value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)),
    )
  ) {
    throw new ApiError(
      400,
      'next',
      'next: not a cursor this API gave (pass the "next" of the previous page as it is)',
    );
  }
  return values;
}
