/**
 * The exit codes every command keeps to, so a script can tell "run it again" from "fix the command"
 * from "look at the dead letters". The help text and the README print the same table.
 */
export const EXIT = {
  /** Everything read was delivered (indexed or already there). */
  ok: 0,
  /** Something was not delivered: records undelivered or a file not read to its end. Run again. */
  undelivered: 1,
  /** Usage or configuration: a bad option, path or endpoint, refused credentials, nothing to index. */
  usage: 2,
  /** Everything was delivered, but some records went to a dead letter (any destination's). */
  deadLettered: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  everything read was delivered (indexed, or already indexed)
  1  something was not delivered (records undelivered, to OpenSearch or Kinesis, a file
     not read to its end, alerts not sent, objects not enqueued, deletions failed): the
     summary names it; running the same command again is safe
  2  usage or configuration error: a bad option or value, a missing path, nothing to
     index, an endpoint that cannot be used (unreachable, refuses the credentials,
     not OpenSearch)
  3  delivered, but some records are in the dead letter (refused by OpenSearch, or by
     Kinesis with --kinesis-stream; or redrive left some there): see the summary, fix
     the cause, then run redrive`;

/** The query commands (activity, actors, services, top) only read: nothing is delivered or dead-lettered. */
export const QUERY_EXIT_CODES_HELP = `Exit codes:
  0  the answer was printed (no matching event is an answer too)
  1  the cluster failed while answering (errors or timeouts after retries): run it again
  2  usage or configuration error: a bad option, filter or date, an endpoint that cannot
     be used (unreachable, refuses the credentials, not OpenSearch)`;

/** `serve` runs until stopped; a query that fails while it runs is a 502 answer, not an exit. */
export const SERVE_EXIT_CODES_HELP = `Exit codes:
  0  stopped by Ctrl-C (SIGINT) or SIGTERM
  1  could not keep serving, e.g. the port is already in use
  2  usage or configuration error: a bad option, an endpoint that cannot be used
     (unreachable, refuses the credentials, not OpenSearch)`;
