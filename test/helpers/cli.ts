/** Runs the CLI as a user does (`node bin/cloudtrail-opensearch.js ...`) in a child process. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const BIN = fileURLToPath(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url));
const run = promisify(execFile);
const CLI_TIMEOUT_MS = 150_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...args: string[]): Promise<CliResult> {
  return cliWithEnv({}, ...args);
}

/** Like `cli`, with environment variables set (a value of undefined removes the variable). */
export async function cliWithEnv(
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      maxBuffer: 16 * 1024 * 1024,
      env: childEnv,
      // A command that hangs (a broken `demo`, say) is ended rather than outliving the test run.
      timeout: CLI_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number | null; signal?: string; stdout: string; stderr: string };
    if (failure.code === null)
      throw new Error(`cli ${args.join(' ')}: ended by ${failure.signal}\n${failure.stderr}`, {
        cause: error,
      });
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** A number from the `index`/`redrive` summary, e.g. `records read:  1214`. */
export function summaryNumber(stdout: string, label: string): number {
  const match = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(stdout);
  assert.ok(match, `summary line "${label}" in:\n${stdout}`);
  return Number(match[1]);
}
