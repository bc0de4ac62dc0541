/** Idempotent installation of the index template; never replaces a newer deployment's template. */
import type { IndexTemplate } from './template.js';

export interface TransportLike {
  transport: {
    request(
      params: { method: string; path: string; body?: unknown },
      options?: unknown,
    ): Promise<{ statusCode: number | null; body: unknown }>;
  };
}

export type InstallResult = 'installed' | 'up-to-date' | 'newer-exists';

export async function installTemplate(
  client: TransportLike,
  template: IndexTemplate,
): Promise<InstallResult> {
  const path = `/_index_template/${encodeURIComponent(template.name)}`;
  const ours = Number(template.body.version ?? 0);
  const installed = await installedVersion(client, path, template.name);
  if (installed !== undefined && installed >= ours) return installed > ours ? 'newer-exists' : 'up-to-date';
  const response = await client.transport.request({ method: 'PUT', path, body: template.body });
  if (response.statusCode !== null && response.statusCode >= 300) {
    throw new Error(`PUT ${path} failed with HTTP ${response.statusCode}: ${JSON.stringify(response.body)}`);
  }
  return 'installed';
}

/** The installed template's version; undefined when it is absent or carries no version. */
async function installedVersion(
  client: TransportLike,
  path: string,
  name: string,
): Promise<number | undefined> {
  let response: { statusCode: number | null; body: unknown };
  try {
    response = await client.transport.request({ method: 'GET', path }, { ignore: [404] });
  } catch (error) {
    // Clients that throw on 404 despite `ignore` (or fakes) report the status in `meta`.
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw error;
  }
  if (response.statusCode === 404) return undefined;
  if (response.statusCode !== null && response.statusCode >= 300) {
    throw new Error(`GET ${path} failed with HTTP ${response.statusCode}: ${JSON.stringify(response.body)}`);
  }
  const templates = (
    response.body as { index_templates?: { name?: string; index_template?: { version?: unknown } }[] }
  )?.index_templates;
  const entry = templates?.find((t) => t.name === name) ?? templates?.[0];
  const version = entry?.index_template?.version;
  return typeof version === 'number' ? version : undefined;
}
