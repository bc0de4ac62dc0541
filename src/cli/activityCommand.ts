/**
 * `cloudtrail-opensearch activity`: who did what, when. Also home of the filter options the other
 * query commands (`actors`, `services`, `top`) share, so every command filters the same way.
 */
import type { EventEmitter } from 'node:events';
import { Command, Option } from 'commander';
import { QUERY_EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import type { AwsService } from '../opensearch/client.js';
import type { ActivityFilters } from '../query/filters.js';
import { addConnectionOptions, wholeNumber, type ConnectionFlags } from './options.js';

export interface FilterFlags extends Omit<ConnectionFlags, 'service'> {
  /** The filter (DESIGN's `--service S`); the SigV4 service is `--sigv4-service`. */
  service?: string;
  sigv4Service?: AwsService;
  actor?: string;
  actorType?: string;
  session?: string;
  user?: string;
  accessKey?: string;
  event?: string;
  ip?: string;
  agent?: string;
  account?: string;
  awsRegion?: string;
  resource?: string;
  errorCode?: string;
  errors: boolean;
  writes: boolean;
  console: boolean;
  root: boolean;
  mfa?: 'yes' | 'no';
  param: string[];
  from?: string;
  to?: string;
}

/**
 * The connection options and the filter options. In the query commands `--service` is the AWS service
 * called (the filter every investigator reaches for), so the SigV4 choice the other commands call
 * `--service` is `--sigv4-service` here; `--region` stays the SigV4 region and the event's region is
 * `--aws-region`.
 */
export function addQueryOptions(command: Command): Command {
  addConnectionOptions(command);
  const sigv4 = command.options.findIndex((option) => option.long === '--service');
  if (sigv4 >= 0) (command.options as Option[]).splice(sigv4, 1);
  // Commander parses an option's value in a listener registered with it: drop that one too.
  (command as unknown as EventEmitter).removeAllListeners('option:service');
  return command
    .addOption(
      new Option(
        '--sigv4-service <name>',
        'SigV4 service: es (managed domain) or aoss (Serverless) (default: from the host, else es)',
      ).choices(['es', 'aoss']),
    )
    .addOption(
      new Option(
        '--actor <arn>',
        'a principal as ct.actor names it: IAM user or role ARN (an assumed role matches its role), root ARN, or an AWS service name',
      ),
    )
    .addOption(
      new Option('--actor-type <type>', 'the kind of principal (ct.actorType)').choices([
        'iam-user',
        'assumed-role',
        'federated-user',
        'root',
        'aws-service',
        'web-identity',
        'saml',
        'identity-center',
        'aws-account',
        'anonymous',
        'unknown',
      ]),
    )
    .addOption(new Option('--session <name>', "an assumed role's session name (ct.sessionName)"))
    .addOption(
      new Option(
        '--user <name>',
        'an IAM user name or role name (userIdentity.userName or the session issuer)',
      ),
    )
    .addOption(new Option('--access-key <id>', 'an access key id (userIdentity.accessKeyId)'))
    .addOption(
      new Option('--service <service>', 'the AWS service called: s3 or s3.amazonaws.com (eventSource)'),
    )
    .addOption(new Option('--event <name>', 'the API call (eventName), e.g. ConsoleLogin'))
    .addOption(
      new Option(
        '--ip <address|cidr|name>',
        'source IP address or CIDR block (ct.sourceIp), or a service name such as ec2.amazonaws.com (sourceIPAddress)',
      ),
    )
    .addOption(new Option('--agent <user-agent>', 'the exact user agent (userAgent)'))
    .addOption(new Option('--account <id>', 'the account that received the event (recipientAccountId)'))
    .addOption(new Option('--aws-region <region>', 'the region of the event (awsRegion)'))
    .addOption(
      new Option('--resource <arn>', 'a resource ARN named in resources or in a request or response value'),
    )
    .addOption(new Option('--error-code <code>', 'one error code, e.g. AccessDenied'))
    .addOption(
      new Option('--errors', 'only calls that failed (any errorCode, and failed console sign-ins)').default(
        false,
      ),
    )
    .addOption(new Option('--writes', 'only calls that change something (readOnly false)').default(false))
    .addOption(
      new Option(
        '--console',
        'only console sign-ins and calls made with console-session credentials (ct.console)',
      ).default(false),
    )
    .addOption(
      new Option(
        '--mfa <yes|no>',
        'only events that say MFA was (yes) or was not (no) used (ct.mfa)',
      ).choices(['yes', 'no']),
    )
    .addOption(new Option('--root', 'only calls made by the root user').default(false))
    .addOption(
      new Option(
        '--param <path=value>',
        'a free-form value, e.g. requestParameters.bucketName=my-bucket (repeat for more)',
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([], 'none'),
    )
    .addOption(new Option('--from <time>', 'from this time: YYYY-MM-DD, ISO 8601 or date math (now-7d/d)'))
    .addOption(new Option('--to <time>', 'up to this time, inclusive (a bare day includes the whole day)'));
}

/** The filters the options ask for, as the query module takes them. */
export function filtersOf(flags: FilterFlags): ActivityFilters {
  return {
    actor: flags.actor,
    actorType: flags.actorType,
    sessionName: flags.session,
    userName: flags.user,
    accessKey: flags.accessKey,
    service: flags.service,
    eventName: flags.event,
    ip: flags.ip,
    userAgent: flags.agent,
    account: flags.account,
    region: flags.awsRegion,
    resource: flags.resource,
    errorCode: flags.errorCode,
    errorsOnly: flags.errors,
    writesOnly: flags.writes,
    consoleOnly: flags.console,
    rootOnly: flags.root,
    mfa: flags.mfa === undefined ? undefined : flags.mfa === 'yes',
    params: flags.param,
    from: flags.from,
    to: flags.to,
  };
}

export const FILTER_EXAMPLES = `
Examples:
  cloudtrail-opensearch activity --actor arn:aws:iam::123456789012:role/Admin --from 2024-05-01 --to 2024-05-07
  cloudtrail-opensearch activity --service iam --writes --from now-7d/d
  cloudtrail-opensearch activity --errors --error-code AccessDenied --ndjson
  cloudtrail-opensearch activity --event ConsoleLogin --mfa no`;

export interface ActivityFlags extends FilterFlags {
  json: boolean;
  ndjson: boolean;
  limit?: number;
}

export function activityCommand(invocation: Invocation): Command {
  const command = new Command('activity')
    .summary('list events in time order: who did what, when')
    .description(
      'List the events that match every filter given, oldest first. Pages through any number of events ' +
        '(search_after, one page in memory at a time); a --from/--to range reads only the daily indices it covers.',
    );
  addQueryOptions(command)
    .addOption(new Option('--json', 'one JSON array of the events').default(false).conflicts('ndjson'))
    .addOption(new Option('--ndjson', 'one event per line, as JSON').default(false))
    .addOption(
      new Option('--limit <n>', 'stop after n events (default: every matching event)').argParser(
        wholeNumber(1),
      ),
    )
    .addHelpText('after', `${FILTER_EXAMPLES}\n\n${QUERY_EXIT_CODES_HELP}`)
    .action(async (flags: ActivityFlags) => {
      const { runActivity } = await import('./queryAction.js');
      invocation.exitCode = await runActivity(flags, invocation);
    });
  return command;
}
