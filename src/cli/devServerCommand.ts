/** `cloudtrail-opensearch dev-server`: the local OpenSearch-compatible server, until killed. */
import { startDevServer, type Flavor } from '../../devserver/index.js';
import { integerFlag, parse, UsageError } from './args.js';

const FLAVORS: Flavor[] = ['opensearch-1', 'opensearch-2', 'opensearch-3', 'elasticsearch-7'];

export async function devServerCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    flavor: { type: 'string' },
    sigv4: { type: 'string' },
    region: { type: 'string' },
    service: { type: 'string' },
    seed: { type: 'string' },
  });
  const flavor = (values.flavor ?? 'opensearch-2') as Flavor;
  if (!FLAVORS.includes(flavor))
    throw new UsageError(`--flavor ${flavor}: expected one of ${FLAVORS.join(', ')}`);
  let sigv4;
  if (values.sigv4 !== undefined) {
    const [accessKeyId, secretAccessKey] = values.sigv4.split(':');
    if (!accessKeyId || !secretAccessKey) throw new UsageError('--sigv4: expected ACCESS_KEY:SECRET_KEY');
    const service = values.service ?? 'es';
    if (service !== 'es' && service !== 'aoss')
      throw new UsageError(`--service ${service}: expected es or aoss`);
    sigv4 = {
      accessKeyId,
      secretAccessKey,
      region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
      service,
    };
  }
  const server = await startDevServer({
    port: integerFlag(values, 'port', 9200),
    host: values.host ?? '127.0.0.1',
    flavor,
    sigv4,
    seed: values.seed === undefined ? undefined : integerFlag(values, 'seed', 0),
  });
  process.stdout.write(
    `dev server (${flavor}${sigv4 ? `, SigV4 ${sigv4.service}/${sigv4.region}` : ''}) listening on ${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
