/**
 * `cloudtrail-opensearch dashboards install|export`: the ready-made index pattern, saved searches and
 * Activity/Security dashboards, imported into OpenSearch Dashboards or Kibana 7.10 through the
 * saved-objects import API, or written to a file for Dashboards' own Import button.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { buildSavedObjects } from '../dashboards/export.js';
import {
  DashboardsConfigError,
  FLAVORS,
  installSavedObjects,
  type DashboardsFlavor,
  type InstallResult,
} from '../dashboards/install.js';
import { toNdjson, type SavedObject } from '../dashboards/savedObjects.js';
import { redactCredentials } from '../http/redact.js';
import { clientHttp } from '../http/request.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../http/retry.js';
import { createClient, parseAwsHost, resolveConnection, type AuthMode } from '../opensearch/client.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { indexPrefixOf, UsageError, wholeNumber } from './options.js';

interface InstallFlags {
  dashboardsUrl?: string;
  url?: string;
  endpoint?: string;
  auth?: AuthMode;
  region?: string;
  tenant?: string;
  flavor: DashboardsFlavor;
  indexPrefix?: string;
  requestTimeout: number;
}

interface ExportFlags {
  out?: string;
  indexPrefix?: string;
}

const PREFIX_OPTION = () =>
  new Option(
    '--index-prefix <prefix>',
    'the index pattern is PREFIX + 2* (the daily indices) (default: $INDEX_PREFIX, else cloudtrail-)',
  );

export function dashboardsCommand(invocation: Invocation): Command {
  const command = new Command('dashboards')
    .summary('install the ready-made index pattern, saved searches and dashboards')
    .description(
      'The index pattern on the daily indices, a saved search per investigator question, and the ' +
        '"CloudTrail activity" and "CloudTrail security" dashboards, for OpenSearch Dashboards 1.x/2.x ' +
        'and Kibana 7.10 (docs/dashboards.md).',
    );
  // The program makes a bad option here a usage error (exit 2), as on every command.
  for (const sub of [installCommand(invocation), exportCommand()]) command.addCommand(sub);
  return command;
}

function installCommand(invocation: Invocation): Command {
  return new Command('install')
    .summary('import the saved objects through the saved-objects import API (overwrites earlier copies)')
    .addOption(
      new Option(
        '--dashboards-url <url>',
        'Dashboards or Kibana: https://DOMAIN/_dashboards on Amazon OpenSearch Service, http://HOST:5601 ' +
          'self-managed (default: $DASHBOARDS_URL, else the AWS --endpoint + /_dashboards)',
      ),
    )
    .addOption(new Option('--url <url>', 'the same as --dashboards-url').hideHelp())
    .addOption(
      new Option(
        '--endpoint <url>',
        'an Amazon OpenSearch Service domain endpoint to derive --dashboards-url from (default: $OPENSEARCH_URL)',
      ),
    )
    .addOption(
      new Option(
        '--auth <mode>',
        'basic reads $OPENSEARCH_USERNAME and $OPENSEARCH_PASSWORD; sigv4 signs for service es ' +
          '(default: basic when both are set, sigv4 for *.es.amazonaws.com, else none)',
      ).choices(['none', 'basic', 'sigv4']),
    )
    .addOption(new Option('--region <region>', 'SigV4 region (default: from the AWS host, else $AWS_REGION)'))
    .addOption(
      new Option(
        '--tenant <name>',
        "the security plugin's tenant to install into: global, private, or a custom tenant's name " +
          "(default: the user's current tenant)",
      ),
    )
    .addOption(
      new Option(
        '--flavor <flavor>',
        'which anti-CSRF header to send: osd-xsrf (opensearch-dashboards), kbn-xsrf (kibana), or both (auto)',
      )
        .choices([...FLAVORS])
        .default('auto'),
    )
    .addOption(PREFIX_OPTION())
    .addOption(
      new Option(
        '--request-timeout <ms>',
        'deadline of the import request, connecting and reading the answer',
      )
        .argParser(wholeNumber(100, 900_000))
        .default(DEFAULT_REQUEST_TIMEOUT_MS),
    )
    .addHelpText(
      'after',
      `
Examples:
  cloudtrail-opensearch dashboards install --endpoint https://search-logs-abc123.eu-west-1.es.amazonaws.com
  OPENSEARCH_USERNAME=admin OPENSEARCH_PASSWORD=... \\
    cloudtrail-opensearch dashboards install --dashboards-url https://dashboards.example.com:5601 --tenant global

Exit codes:
  0  every saved object was imported
  1  some objects were refused (each is named) or Dashboards kept failing (5xx): run again
  2  usage or configuration error: bad option, URL not Dashboards, credentials refused (401/403)`,
    )
    .action(async (flags: InstallFlags) => {
      invocation.exitCode = await runInstall(flags, invocation);
    });
}

function exportCommand(): Command {
  return new Command('export')
    .summary("write the saved objects as NDJSON, for Dashboards' Import button (stdout unless --out)")
    .addOption(new Option('--out <file>', 'write to this file (default: standard output)'))
    .addOption(PREFIX_OPTION())
    .action(async (flags: ExportFlags) => {
      const ndjson = toNdjson(buildSavedObjects({ indexPrefix: indexPrefixOf(flags) }));
      if (flags.out === undefined) process.stdout.write(ndjson);
      else {
        await writeFile(flags.out, ndjson).catch((error: Error) => {
          throw new UsageError(`--out ${flags.out}: cannot write: ${error.message}`);
        });
        process.stderr.write(`wrote ${ndjson.split('\n').length - 1} saved objects to ${flags.out}\n`);
      }
    });
}

async function runInstall(flags: InstallFlags, invocation: Invocation): Promise<ExitCode> {
  const url = dashboardsUrl(flags);
  const connection = {
    endpoint: url,
    auth: flags.auth,
    region: flags.region,
    service: 'es' as const,
    username: process.env.OPENSEARCH_USERNAME,
    password: process.env.OPENSEARCH_PASSWORD,
    requestTimeoutMs: flags.requestTimeout,
  };
  let resolved;
  try {
    resolved = resolveConnection(connection);
  } catch (error) {
    throw new UsageError(redactCredentials((error as Error).message, 'user'));
  }
  const objects = buildSavedObjects({ indexPrefix: indexPrefixOf(flags) });
  const client = createClient(connection);
  let result: InstallResult;
  try {
    result = await installSavedObjects(clientHttp(client), toNdjson(objects), {
      url: resolved.endpoint,
      flavor: flags.flavor,
      tenant: flags.tenant,
      timeoutMs: flags.requestTimeout,
      auth: resolved.auth,
    });
  } catch (error) {
    if (error instanceof DashboardsConfigError) throw new UsageError(error.message);
    throw error;
  } finally {
    await client.close();
  }
  const where = `${resolved.endpoint}${flags.tenant === undefined ? '' : ` (tenant ${flags.tenant})`}`;
  process.stdout.write(`imported ${result.successCount} of ${objects.length} saved objects into ${where}\n`);
  for (const line of summary(objects)) process.stdout.write(`  ${line}\n`);
  for (const failure of result.failures)
    invocation.reportError(
      `not imported: ${failure.type} ${failure.id}${failure.title ? ` "${failure.title}"` : ''}: ${failure.reason}`,
    );
  return result.failures.length > 0 || result.successCount < objects.length ? EXIT.undelivered : EXIT.ok;
}

/** --dashboards-url, $DASHBOARDS_URL, or an AWS domain endpoint's `/_dashboards`. */
function dashboardsUrl(flags: InstallFlags): string {
  const given = flags.dashboardsUrl ?? flags.url ?? process.env.DASHBOARDS_URL;
  if (given !== undefined && given.trim() !== '') return given.trim();
  const endpoint = flags.endpoint ?? process.env.OPENSEARCH_URL;
  if (endpoint !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(endpoint).hostname;
    } catch {
      throw new UsageError(`--endpoint ${redactCredentials(endpoint, 'user')}: not a URL`);
    }
    if (parseAwsHost(host)?.service === 'es') return `${endpoint.replace(/\/+$/, '')}/_dashboards`;
  }
  throw new UsageError(
    '--dashboards-url is required (or set DASHBOARDS_URL): the Dashboards or Kibana URL, e.g. ' +
      'http://localhost:5601; for an Amazon OpenSearch Service domain, --endpoint is enough',
  );
}

function summary(objects: SavedObject[]): string[] {
  const titles = (type: SavedObject['type']) =>
    objects.filter((object) => object.type === type).map((object) => String(object.attributes.title));
  return [
    `index pattern: ${titles('index-pattern').join(', ')}`,
    `dashboards: ${titles('dashboard').join(', ')}`,
    `visualizations: ${titles('visualization').length}, saved searches: ${titles('search').length}`,
  ];
}
