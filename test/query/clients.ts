/**
 * How the tests ask as a user does: a documented `activity` command line read by the command's own
 * options, and a query API event list followed page by page over HTTP.
 */
import { strict as assert } from 'node:assert';
import { Command } from 'commander';
import { addQueryOptions, filtersOf, type FilterFlags } from '../../src/cli/activityCommand.js';
import type { ActivityFilters } from '../../src/query/filters.js';
import type { EventSource } from '../../src/query/queryService.js';

/** The filters a documented command line means, read by the `activity` command's own options. */
export function filtersOfCli(args: string[]): ActivityFilters {
  assert.equal(args[0], 'activity');
  const command = addQueryOptions(new Command('activity')).exitOverride();
  command.parse(args.slice(1), { from: 'user' });
  return filtersOf(command.opts<FilterFlags>());
}

/** Every event of an API event list, following `next` until it is null. */
export async function apiEvents(base: string, path: string, size: number): Promise<EventSource[]> {
  const events: EventSource[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const url = new URL(base + path);
    url.searchParams.set('size', String(size));
    if (next !== null) url.searchParams.set('next', next);
    const response = await fetch(url);
    const body = (await response.json()) as { count: number; events: EventSource[]; next: string | null };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.count, body.events.length);
    events.push(...body.events);
    next = body.next;
    assert.ok(++pages < 10_000, 'the pages end');
  } while (next !== null);
  return events;
}
