/** Idempotent installation of the index template; never replaces a newer deployment's template. */
import { accepted, type HttpCaller, type RequestLimits } from '../http/request.js';
import type { IndexTemplate } from './template.js';

export type InstallResult = 'installed' | 'up-to-date' | 'newer-exists';

/** Installs `template` unless the same or a newer version is there; a refused request throws an HttpError. */
export async function installTemplate(
  http: HttpCaller,
  template: IndexTemplate,
  limits?: Partial<RequestLimits>,
): Promise<InstallResult> {
  const path = `/_index_template/${encodeURIComponent(template.name)}`;
  const ours = Number(template.body.version ?? 0);
  const installed = await installedVersion(http, path, template.name, limits);
  if (installed !== undefined && installed >= ours) return installed > ours ? 'newer-exists' : 'up-to-date';
  const put = { method: 'PUT', path, body: template.body } as const;
  accepted(await http.request(put, limits), put);
  return 'installed';
}

/** The installed template's version; undefined when it is absent or carries no version. */
async function installedVersion(
  http: HttpCaller,
  path: string,
  name: string,
  limits: Partial<RequestLimits> | undefined,
): Promise<number | undefined> {
  const get = { method: 'GET', path } as const;
  const response = accepted(await http.request(get, limits), get, [404]);
  if (response.statusCode === 404) return undefined;
  const templates = (
    response.body as { index_templates?: { name?: string; index_template?: { version?: unknown } }[] }
  )?.index_templates;
  const entry = templates?.find((t) => t.name === name) ?? templates?.[0];
  const version = entry?.index_template?.version;
  return typeof version === 'number' ? version : undefined;
}
