/** What `dashboards install` and `dashboards export` do once their options are parsed (loaded only when one runs). */
import { writeFile } from 'node:fs/promises';
import { buildSavedObjects } from '../dashboards/export.js';
import { DashboardsConfigError, installSavedObjects, type InstallResult } from '../dashboards/install.js';
import { toNdjson, type SavedObject } from '../dashboards/savedObjects.js';
import { redactCredentials } from '../http/redact.js';
import { clientHttp } from '../http/request.js';
import { createClient, parseAwsHost, resolveConnection } from '../opensearch/client.js';
import type { ExportFlags, InstallFlags } from './dashboardsCommand.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { endpointOf, indexPrefixOf, UsageError } from './options.js';

/** The saved objects as NDJSON, to stdout or --out. */
export async function runExport(flags: ExportFlags): Promise<void> {
  const ndjson = toNdjson(buildSavedObjects({ indexPrefix: indexPrefixOf(flags) }));
  if (flags.out === undefined) process.stdout.write(ndjson);
  else {
    await writeFile(flags.out, ndjson).catch((error: Error) => {
      throw new UsageError(`--out ${flags.out}: cannot write: ${error.message}`);
    });
    process.stderr.write(`wrote ${ndjson.split('\n').length - 1} saved objects to ${flags.out}\n`);
  }
}

export async function runInstall(flags: InstallFlags, invocation: Invocation): Promise<ExitCode> {
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
  const endpoint = endpointOf(flags);
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
