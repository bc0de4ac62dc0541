/**
 * What kind of cluster we talk to, read from `GET /`, so index templates can use features only some
 * versions have (flat_object since OpenSearch 2.7).
 */
import type { Client } from '@opensearch-project/opensearch';
import { accepted, clientHttp, type HttpCaller, type RequestLimits } from '../http/request.js';
import { isPlainObject as isRecord } from '../util/objects.js';
import { resolvedConnectionOf, type AwsService } from './client.js';

export interface ClusterInfo {
  distribution: 'opensearch' | 'elasticsearch';
  version: string;
  major: number;
  minor: number;
  serverless: boolean;
  /** OpenSearch >= 2.7 has the flat_object field type. */
  supportsFlatObject: boolean;
}

/**
 * Serverless collections have no `GET /` and no version. They speak the OpenSearch 2.x API, so we
 * report 2.0. Whether they accept flat_object mappings is not documented anywhere we could find, so we
 * stay on the mapping every target accepts.
 */
export const SERVERLESS_CLUSTER: ClusterInfo = Object.freeze({
  distribution: 'opensearch',
  version: 'serverless',
  major: 2,
  minor: 0,
  serverless: true,
  supportsFlatObject: false,
});

/** Parses the body of `GET /`. OpenSearch says `version.distribution: "opensearch"`; Elasticsearch has no such field. */
export function parseClusterInfo(rootBody: unknown, serverless: boolean): ClusterInfo {
  if (serverless) return { ...SERVERLESS_CLUSTER };
  const version = isRecord(rootBody) && isRecord(rootBody.version) ? rootBody.version : undefined;
  const number = version?.number;
  const parsed = typeof number === 'string' ? /^(\d+)\.(\d+)/.exec(number) : null;
  if (!version || typeof number !== 'string' || !parsed) {
    throw new Error(
      `GET / did not answer like OpenSearch or Elasticsearch (no version.number): ${preview(rootBody)}`,
    );
  }
  const distributionField = version.distribution;
  if (distributionField !== undefined && distributionField !== 'opensearch') {
    throw new Error(
      `GET / reports an unsupported distribution "${String(distributionField)}" (version ${number})`,
    );
  }
  const distribution = distributionField === 'opensearch' ? 'opensearch' : 'elasticsearch';
  const major = Number(parsed[1]);
  const minor = Number(parsed[2]);
  return {
    distribution,
    version: number,
    major,
    minor,
    serverless: false,
    supportsFlatObject: distribution === 'opensearch' && openSearchAtLeast(major, minor, 2, 7),
  };
}

/**
 * Asks the cluster what it is. Serverless has no `GET /`, so for service aoss (given here, or the one
 * `createClient` resolved for this client) nothing is sent. A refused `GET /` throws an HttpError.
 */
export async function detectCluster(
  client: Client,
  service: AwsService | undefined,
  http: HttpCaller = clientHttp(client),
  limits?: Partial<RequestLimits>,
): Promise<ClusterInfo> {
  const resolved = resolvedConnectionOf(client);
  const effectiveService = service ?? (resolved?.auth === 'sigv4' ? resolved.service : undefined);
  if (effectiveService === 'aoss') return { ...SERVERLESS_CLUSTER };
  const request = { method: 'GET', path: '/' } as const;
  const response = accepted(await http.request(request, limits), request);
  return parseClusterInfo(response.body, false);
}

/**
 * OpenSearch majors run 1, 2, 3...; a domain in Elasticsearch-compatibility mode reports 7.10.2 and hides
 * its real version, so a 7 (or later) is read as "unknown" and the safe answer is "no".
 */
function openSearchAtLeast(major: number, minor: number, wantMajor: number, wantMinor: number): boolean {
  if (major >= 7) return false;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 200 ? text.slice(0, 200) + '…' : text;
}
