/**
 * The responses injected faults produce, shaped like the component that would really send them:
 * OpenSearch itself (JSON error envelope), the AWS front end (`{"Message":...}`), or a gateway (HTML).
 */
import { OpenSearchError, errorEnvelope } from '../errors.js';
import type { FaultSpec } from '../faults.js';
import type { FlavorTraits } from '../flavor.js';
import type { Reply } from './router.js';

/** The FGAC action a request needs, for the `security_exception` text. */
function permissionFor(method: string, path: string): string {
  if (path.endsWith('/_bulk')) return 'indices:data/write/bulk';
  if (path.endsWith('/_search')) return 'indices:data/read/search';
  if (path.endsWith('/_count')) return 'indices:data/read/search';
  if (path.startsWith('/_cat/indices')) return 'indices:monitor/settings/get';
  if (path.startsWith('/_index_template'))
    return method === 'GET' ? 'indices:admin/index_template/get' : 'indices:admin/index_template/put';
  if (path.startsWith('/_cluster/health')) return 'cluster:monitor/health';
  if (path === '/') return 'cluster:monitor/main';
  if (method === 'DELETE') return 'indices:admin/delete';
  if (method === 'PUT') return 'indices:admin/create';
  return 'indices:admin/get';
}

const defaultUser = 'arn:aws:iam::123456789012:role/cloudtrail-opensearch-indexer';

/** The reply for a fault that answers instead of the server; undefined for faults handled elsewhere. */
export function faultReply(
  fault: FaultSpec,
  method: string,
  path: string,
  traits: FlavorTraits,
): Reply | undefined {
  switch (fault.kind) {
    case 'too-many-requests':
      if (fault.style === 'aws') return { status: 429, body: { Message: 'Too Many Requests' } };
      return {
        status: 429,
        body: errorEnvelope(
          new OpenSearchError(
            429,
            traits.rejectedExecutionType,
            'rejected execution of coordinating operation [coordinating_and_primary_bytes=53687000, replica_bytes=0, ' +
              'all_bytes=53687000, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=53687091]',
          ),
        ),
      };
    case 'server-error':
      if (fault.status === 500) {
        return {
          status: 500,
          body: errorEnvelope(new OpenSearchError(500, 'exception', 'dev-server injected internal error')),
        };
      }
      if (fault.status === 503) {
        return {
          status: 503,
          body: errorEnvelope(
            new OpenSearchError(
              503,
              'cluster_block_exception',
              'blocked by: [SERVICE_UNAVAILABLE/2/no cluster-manager];',
            ),
          ),
        };
      }
      return {
        status: fault.status,
        body: `<html><body><h1>${fault.status} ${fault.status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}</h1></body></html>\n`,
        headers: { 'content-type': 'text/html' },
      };
    case 'payload-too-large':
      if (fault.style === 'self-managed') return { status: 413, headers: { connection: 'close' } };
      return { status: 413, body: { Message: `Request size exceeded ${fault.maxBytes} bytes` } };
    case 'forbidden': {
      const user = fault.user ?? defaultUser;
      return {
        status: 403,
        body: errorEnvelope(
          new OpenSearchError(
            403,
            'security_exception',
            `no permissions for [${permissionFor(method, path)}] and User [name=${user}, backend_roles=[${user}], requestedTenant=null]`,
          ),
        ),
      };
    }
    default:
      return undefined;
  }
}
