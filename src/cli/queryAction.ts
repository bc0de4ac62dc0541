/**
 * What the query commands (`activity`, `actors`, `services`, `top`) do once their options are parsed,
 * loaded only when one of them runs: connect, check the endpoint, query, print.
 */
import { clientHttp } from '../http/request.js';
import { DateMathError } from '../query/dateMath.js';
import { UnknownFieldError } from '../query/fields.js';
import { FilterError } from '../query/filters.js';
import { EVENT_HEADER, eventRow, seenRows, table, type OutputFormat } from '../query/format.js';
import { QueryService } from '../query/queryService.js';
import { filtersOf, type ActivityFlags, type FilterFlags } from './activityCommand.js';
import type { ListFlags } from './actorsCommand.js';
import { checkEndpoint, connect, type Connected } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import type { TopFlags } from './topCommand.js';

export function runActivity(flags: ActivityFlags, invocation: Invocation): Promise<ExitCode> {
  return withQueryService(flags, invocation, (service) => printEvents(service, flags));
}

export function runActors(flags: ListFlags, invocation: Invocation): Promise<ExitCode> {
  return withQueryService(flags, invocation, async (service) => {
    const actors = await service.actors(filtersOf(flags));
    if (flags.json) process.stdout.write(JSON.stringify(actors, null, 2) + '\n');
    else
      process.stdout.write(
        table(
          ['ACTOR', 'TYPE', 'EVENTS', 'FIRST SEEN', 'LAST SEEN'],
          seenRows(actors).map(([name, ...rest], i) => [name!, actors[i]!.actorType, ...rest]),
        ),
      );
  });
}

export function runServices(flags: ListFlags, invocation: Invocation): Promise<ExitCode> {
  return withQueryService(flags, invocation, async (service) => {
    const services = await service.services(filtersOf(flags));
    if (flags.json) process.stdout.write(JSON.stringify(services, null, 2) + '\n');
    else process.stdout.write(table(['SERVICE', 'EVENTS', 'FIRST SEEN', 'LAST SEEN'], seenRows(services)));
  });
}

export function runTop(flags: TopFlags, invocation: Invocation): Promise<ExitCode> {
  return withQueryService(flags, invocation, async (service) => {
    const top = await service.top(flags.by, filtersOf(flags), flags.size);
    if (flags.json) process.stdout.write(JSON.stringify(top, null, 2) + '\n');
    else
      process.stdout.write(
        table(
          [flags.by.toUpperCase(), 'EVENTS'],
          top.map((e) => [e.value, String(e.count)]),
        ),
      );
  });
}

/** Connects, checks the endpoint, runs `work` over a QueryService; a bad filter is a usage error (exit 2). */
async function withQueryService(
  flags: FilterFlags,
  invocation: Invocation,
  work: (service: QueryService, connected: Connected) => Promise<void>,
): Promise<ExitCode> {
  const connected = connect({ ...flags, service: flags.sigv4Service }, invocation);
  try {
    await checkEndpoint(connected, invocation);
    const http = clientHttp(connected.client, { timeoutMs: flags.requestTimeout });
    await work(new QueryService(http, { indexPrefix: connected.indexPrefix }), connected);
    return EXIT.ok;
  } catch (error) {
    if (
      error instanceof FilterError ||
      error instanceof DateMathError ||
      error instanceof UnknownFieldError
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  } finally {
    await connected.client.close();
  }
}

/** Table rows are buffered per page of widths; JSON and NDJSON stream each event as it arrives. */
async function printEvents(service: QueryService, flags: ActivityFlags): Promise<void> {
  const format: OutputFormat = flags.json ? 'json' : flags.ndjson ? 'ndjson' : 'table';
  const events = service.events(filtersOf(flags), flags.limit);
  if (format === 'ndjson') {
    for await (const event of events) await write(JSON.stringify(event) + '\n');
    return;
  }
  if (format === 'json') {
    let first = true;
    await write('[');
    for await (const event of events) {
      await write((first ? '\n' : ',\n') + JSON.stringify(event));
      first = false;
    }
    await write(first ? ']\n' : '\n]\n');
    return;
  }
  let rows: string[][] = [];
  let printedHeader = false;
  const flush = async () => {
    const text = table(EVENT_HEADER, rows);
    await write(printedHeader ? text.slice(text.indexOf('\n') + 1) : text);
    printedHeader = true;
    rows = [];
  };
  for await (const event of events) {
    rows.push(eventRow(event));
    if (rows.length === 1_000) await flush();
  }
  if (rows.length > 0 || !printedHeader) await flush();
}

/** Waits for stdout to drain, so a slow reader (a pager) holds the query back instead of memory growing. */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
