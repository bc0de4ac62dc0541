/** Runs the CLI as a user does (`node bin/cloudtrail-opensearch.js ...`) in a child process. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const BIN = fileURLToPath(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url));
const run = promisify(execFile);

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** A number from the `index`/`redrive` summary, e.g. `records read:  1214`. */
export function summaryNumber(stdout: string, label: string): number {
  const match = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(stdout);
  assert.ok(match, `summary line "${label}" in:\n${stdout}`);
  return Number(match[1]);
}
