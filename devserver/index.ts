/**
 * Local OpenSearch-compatible dev server: an in-memory fake that answers the REST subset this project
 * uses and fails where a real cluster fails (see README.md beside this file). Start it from the CLI
 * (`dev-server`) or from tests on port 0. It depends on nothing of the indexer.
 */
import type { AddressInfo } from 'node:net';
import { Cluster } from './cluster.js';
import { FaultController } from './faults.js';
import { flavors, type Flavor } from './flavor.js';
import { registerAdminRoutes } from './handlers/admin-handlers.js';
import { registerClusterRoutes } from './handlers/cluster-handlers.js';
import { registerDocumentRoutes } from './handlers/document-handlers.js';
import { registerIndexRoutes } from './handlers/index-handlers.js';
import { registerSearchRoutes } from './handlers/search-handlers.js';
import type { ServerState } from './handlers/state.js';
import { registerTemplateRoutes } from './handlers/template-handlers.js';
import { Router } from './http/router.js';
import { DevHttpFront } from './http/server.js';

export type { Flavor } from './flavor.js';
export { FaultController } from './faults.js';
export type { FaultRule, FaultSpec, FiredFault } from './faults.js';

export interface DevServerOptions {
  /** Default 9200; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `opensearch-2`. */
  flavor?: Flavor;
  /** When set, every request must carry a valid SigV4 signature for these credentials. */
  sigv4?: { accessKeyId: string; secretAccessKey: string; region: string; service: string };
  /** Seed for probabilistic faults (default 1). */
  seed?: number;
  /** `http.max_content_length` in bytes (default 100 MiB): larger bodies, inflated or not, get 413. */
  maxContentLength?: number;
  /** Deflate stored sources in blocks (default true; false trades memory for a little speed). */
  compressSources?: boolean;
}

export interface DevServer {
  url: string;
  faults: FaultController;
  close(): Promise<void>;
  /** Names of existing indices, sorted. */
  indexNames(): string[];
  /** Documents stored in `index` right now (realtime, refresh not needed); 0 if it does not exist. */
  documentCount(index: string): number;
  /** Requests received (admin paths excluded), optionally only those whose path matches a `*` glob. */
  requestCount(path?: string): number;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const flavor = options.flavor ?? 'opensearch-2';
  if (!flavors[flavor]) throw new Error(`unknown flavor ${String(flavor)}`);
  const state: ServerState = {
    cluster: new Cluster(flavors[flavor].mapping, options.compressSources ?? true),
    flavor,
    traits: flavors[flavor],
    faults: new FaultController(options.seed ?? 1),
  };
  const router = new Router();
  registerClusterRoutes(router, state);
  registerIndexRoutes(router, state);
  registerDocumentRoutes(router, state);
  registerSearchRoutes(router, state);
  registerTemplateRoutes(router, state);
  registerAdminRoutes(router, state);
  const front = new DevHttpFront({
    router,
    faults: state.faults,
    traits: state.traits,
    sigv4: options.sigv4,
    maxContentLength: options.maxContentLength ?? 100 * 1024 * 1024,
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(options.port ?? 9200, host, () => resolve());
  });
  const { port } = front.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    faults: state.faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        state.cluster.close();
        front.server.close((error) => (error ? reject(error) : resolve()));
        front.server.closeAllConnections();
      }),
    indexNames: () => state.cluster.names(),
    documentCount: (index) => state.cluster.indices.get(index)?.docs.liveCount ?? 0,
    requestCount: (path) => front.requestCount(path),
  };
}
