/** What `cloudtrail-opensearch install-ism` does once its options are parsed (loaded only when it runs). */
import { installIsmPolicy } from '../cleanup/ism.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import type { IsmFlags } from './ismCommand.js';

export async function runIsm(flags: IsmFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  try {
    await checkEndpoint(connected, invocation);
    const result = await installIsmPolicy(connected.client, {
      requestTimeoutMs: flags.requestTimeout,
      prefix: connected.indexPrefix,
      keepDays: flags.keepDays,
      policyId: flags.policyId,
    });
    const state = result.created ? 'created' : result.updated ? 'updated' : 'unchanged';
    process.stdout.write(
      `ISM policy ${result.policyId}: ${state}; attached to ${result.attachedIndices} existing indices\n`,
    );
    return EXIT.ok;
  } finally {
    await connected.client.close();
  }
}
