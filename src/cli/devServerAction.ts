/** What `cloudtrail-opensearch dev-server` does once its options are parsed (loaded only when it runs). */
import { startDevServer } from '../../devserver/index.js';
import type { DevServerFlags } from './devServerCommand.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { UsageError } from './options.js';

export async function runDevServer(flags: DevServerFlags): Promise<ExitCode> {
  let sigv4;
  if (flags.sigv4 !== undefined) {
    const [accessKeyId, secretAccessKey] = flags.sigv4.split(':');
    if (!accessKeyId || !secretAccessKey)
      throw new UsageError('--sigv4: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY');
    sigv4 = { accessKeyId, secretAccessKey, region: flags.region, service: flags.service };
  }
  const server = await startDevServer({
    port: flags.port,
    host: flags.host,
    flavor: flags.flavor,
    sigv4,
    seed: flags.seed,
  });
  process.stdout.write(
    `dev server (${flags.flavor}${sigv4 ? `, SigV4 ${sigv4.service}/${sigv4.region}` : ''}) listening on ${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}
