/** Starts a benchmark's bulk sink (bench-sink.ts, or the dev server), or its Kinesis sink, in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export async function startSink(kind = 'null'): Promise<{ url: string; child: ChildProcess }> {
  const script =
    kind === 'devserver'
      ? fileURLToPath(new URL('../../bin/cloudtrail-opensearch.js', import.meta.url))
      : kind === 'kinesis-null'
        ? fileURLToPath(new URL('./bench-kinesis-sink.js', import.meta.url))
        : fileURLToPath(new URL('./bench-sink.js', import.meta.url));
  const args = kind === 'devserver' ? [script, 'dev-server', '--port', '0'] : [script];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const url = /http:\/\/[\d.:]+/.exec(line.toString())?.[0];
  if (!url) throw new Error(`bench sink did not print its URL: ${line.toString()}`);
  return { url, child };
}
