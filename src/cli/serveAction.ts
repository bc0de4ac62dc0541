/** What `cloudtrail-opensearch serve` does once its options are parsed (loaded only when it runs). */
import { QueryApi } from '../api/queryApi.js';
import { startApiServer } from '../api/server.js';
import { clientHttp } from '../http/request.js';
import { errorMessage } from '../opensearch/errors.js';
import { QueryService } from '../query/queryService.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import type { ServeFlags } from './serveCommand.js';

export async function serve(flags: ServeFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  try {
    await checkEndpoint(connected, invocation);
    const http = clientHttp(connected.client, { timeoutMs: flags.requestTimeout });
    const api = new QueryApi(new QueryService(http, { indexPrefix: connected.indexPrefix }));
    // A query's failure reads as the CLI's own errors do (a web page past `GET /` is "not OpenSearch").
    const server = await startApiServer(api, flags.port, flags.host, (error) =>
      errorMessage(error, invocation.errorContext),
    );
    process.stdout.write(`query API listening on ${server.url} (reading ${connected.resolved.endpoint})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT.ok;
  } finally {
    await connected.client.close();
  }
}
