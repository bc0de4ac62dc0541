/**
 * Dev server benchmark: generates CloudTrail events with `cloudtrail-opensearch generate` (or reads
 * them from --files-dir), starts `cloudtrail-opensearch dev-server` as its own process, indexes the
 * events into it with the real CLI (`cloudtrail-opensearch index`), checks that every event is
 * searchable, and prints one JSON line: events/s over the indexing run, the server's CPU time per
 * event (and the events/s one core of it can take), the server's peak RSS (VmHWM), and the CLI's CPU
 * time per event.
 *
 *   npm run bench:devserver -- --records 1000000 [--files-dir DIR] [--keep-files] [--files-per-thread N]
 *     [--threads N]
 *
 * Reads /proc for the server's CPU time and peak memory, so it runs on Linux.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const cli = fileURLToPath(new URL('../../bin/cloudtrail-opensearch.js', import.meta.url));
const clockTicks = 100; // USER_HZ on Linux

interface ProcessSample {
  cpuSeconds: number;
  peakRssMb: number;
}

function sample(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 };
}

/**
 * Runs the CLI; `cpuSeconds` is its CPU time as last sampled (every 100 ms, so it misses at most the
 * last 100 ms before it exits).
 */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let cpuSeconds = 0;
    const poll = setInterval(() => {
      try {
        cpuSeconds = sample(child.pid!).cpuSeconds;
      } catch {
        // exited between two samples
      }
    }, 100);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? 1, output, cpuSeconds });
    });
  });
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'dev-server', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(printed);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      reject(new Error(`dev server exited with ${code} before listening: ${printed}`)),
    );
  });
}

async function searchableCount(url: string): Promise<number> {
  await fetch(`${url}/cloudtrail-*/_refresh`, { method: 'POST' });
  const response = await fetch(`${url}/cloudtrail-2*/_count`);
  return ((await response.json()) as { count: number }).count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      'files-dir': { type: 'string' },
      'keep-files': { type: 'boolean', default: false },
      // How many files the CLI indexes at once; each file of 500 events is one bulk request.
      'files-per-thread': { type: 'string', default: '8' },
      // The CLI's indexing threads (its default: one per CPU, at most 4).
      threads: { type: 'string' },
    },
  });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 1)
    throw new Error(`--records ${values.records}: expected a positive integer`);
  let filesDir = values['files-dir'];
  const generated = filesDir === undefined;
  if (generated) {
    filesDir = mkdtempSync(join(tmpdir(), 'bench-devserver-'));
    const days = String(Math.max(1, Math.ceil(records / 50_000)));
    const generation = await run([
      'generate',
      '--out',
      filesDir,
      '--records',
      String(records),
      '--days',
      days,
    ]);
    if (generation.code !== 0) throw new Error(`generate failed: ${generation.output}`);
  } else if (!existsSync(filesDir!)) {
    throw new Error(`--files-dir ${filesDir}: no such directory`);
  }

  const { child, url } = await startServer();
  try {
    const before = sample(child.pid!);
    const started = process.hrtime.bigint();
    const indexing = await run(
      [
        'index',
        filesDir!,
        '--endpoint',
        url,
        '--files-per-thread',
        values['files-per-thread']!,
        ...(values.threads === undefined ? [] : ['--threads', values.threads]),
      ],
      { ...process.env, LOG_LEVEL: 'ERROR' },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = sample(child.pid!);
    if (indexing.code !== 0)
      throw new Error(`index failed (${indexing.code}): ${indexing.output.slice(-2000)}`);
    const indexed = /indexed:\s+(\d+)/.exec(indexing.output);
    const searchable = await searchableCount(url);
    const result = {
      records,
      indexed: Number(indexed?.[1] ?? NaN),
      searchable,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSec: Math.round(records / seconds),
      serverCpuUsPerEvent: Number((((after.cpuSeconds - before.cpuSeconds) * 1e6) / records).toFixed(1)),
      serverPeakRssMb: Math.round(sample(child.pid!).peakRssMb),
      // What one core of the server can take, and what the CLI spent (the two share the machine).
      serverCapacityEventsPerSec: Math.round(records / (after.cpuSeconds - before.cpuSeconds)),
      cliCpuUsPerEvent: Number(((indexing.cpuSeconds * 1e6) / records).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (searchable !== records) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    if (generated && !values['keep-files']) rmSync(filesDir!, { recursive: true, force: true });
  }
}

await main();
