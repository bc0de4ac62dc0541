/**
 * The dev server's ingest capacity with a light client: the bulk requests the product's CLI sends are
 * recorded once, then replayed from disk to a `dev-server` process over a few keep-alive connections,
 * so nearly all the CPU of the run is the server's. Reads the server's CPU time (all threads, and its
 * main thread alone) and peak RSS from /proc, so it runs on Linux.
 *
 * Record (runs the real CLI through a recording proxy in front of a dev server of this tree):
 *   node build/scripts/bench-devserver-replay.js --record FILES_DIR --bodies DIR
 * Replay, this tree against another build, alternating sides each round, with an A/A side:
 *   node build/scripts/bench-devserver-replay.js --bodies DIR [--rounds 5] [--compare ROOT] [--aa]
 *     [--connections 2] [--limit N] [--node-arg=--cpu-prof ...]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const thisRoot = fileURLToPath(new URL('../../', import.meta.url));
const clockTicks = 100; // USER_HZ on Linux
const setupFile = 'setup.jsonl';
const bulkUrlFile = 'bulk-url';

const usage = `Usage:
  bench-devserver-replay --record FILES_DIR --bodies DIR    record the CLI's requests for FILES_DIR
  bench-devserver-replay --bodies DIR [--rounds N] [--compare ROOT] [--aa] [--connections N] [--limit N] [--node-arg=ARG ...]
      replay them to a dev server of this tree (and of ROOT, alternating; --aa adds this tree again)`;

interface CpuSample {
  totalSeconds: number;
  mainSeconds: number;
}

function cpuOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function sampleCpu(pid: number): CpuSample {
  return { totalSeconds: cpuOf(`/proc/${pid}/stat`), mainSeconds: cpuOf(`/proc/${pid}/task/${pid}/stat`) };
}

function peakRssMb(pid: number): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(hwm?.[1] ?? 0) / 1024;
}

function startServer(root: string, nodeArgs: string[] = []): Promise<{ child: ChildProcess; url: URL }> {
  return new Promise((resolvePromise, reject) => {
    const cli = join(root, 'bin/cloudtrail-opensearch.js');
    const child = spawn(process.execPath, [...nodeArgs, cli, 'dev-server', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(printed);
      if (match) resolvePromise({ child, url: new URL(match[1]!) });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`dev server exited with ${code}: ${printed}`)));
  });
}

interface Answer {
  status: number;
  body: Buffer;
}

function send(
  agent: http.Agent,
  base: URL,
  method: string,
  path: string,
  body?: Buffer,
  contentType = 'application/json',
): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        timeout: 120_000,
        headers: body ? { 'content-type': contentType, 'content-length': body.length } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolvePromise({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 120 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** Runs the CLI against a dev server through a proxy that writes every request down. */
async function record(filesDir: string, bodiesDir: string): Promise<void> {
  mkdirSync(bodiesDir, { recursive: true });
  writeFileSync(join(bodiesDir, setupFile), '');
  const { child, url: target } = await startServer(thisRoot);
  const agent = new http.Agent({ keepAlive: true });
  let bulks = 0;
  const proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = request.url ?? '/';
      const method = request.method ?? 'GET';
      if (/\/_bulk(\?|$)/.test(path)) {
        writeFileSync(join(bodiesDir, `${String(bulks++).padStart(5, '0')}.ndjson`), body);
        writeFileSync(join(bodiesDir, bulkUrlFile), path);
      } else if (bulks === 0 && method !== 'GET' && method !== 'HEAD') {
        const line = {
          method,
          path,
          contentType: request.headers['content-type'],
          body: body.toString('utf8'),
        };
        appendFileSync(join(bodiesDir, setupFile), `${JSON.stringify(line)}\n`);
      }
      send(agent, target, method, path, body.length > 0 ? body : undefined, request.headers['content-type'])
        .then((answer) => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(answer.body);
        })
        .catch((error: unknown) => response.destroy(error as Error));
    });
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const cli = spawn(
    process.execPath,
    [join(thisRoot, 'bin/cloudtrail-opensearch.js'), 'index', filesDir, '--endpoint', proxyUrl],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, LOG_LEVEL: 'ERROR' } },
  );
  const code = await new Promise<number | null>((done) => cli.on('exit', done));
  proxy.close();
  agent.destroy();
  child.kill('SIGTERM');
  if (code !== 0) throw new Error(`the CLI exited with ${code}`);
  console.log(`recorded ${bulks} bulk requests in ${bodiesDir}`);
}

interface Round {
  events: number;
  seconds: number;
  mainMicros: number;
  totalMicros: number;
  peakRssMb: number;
}

/** Replays the recording to a fresh dev server of `root`; every document must be created. */
async function replay(
  root: string,
  bodiesDir: string,
  connections: number,
  limit: number,
  nodeArgs: string[],
): Promise<Round> {
  const setup = readFileSync(join(bodiesDir, setupFile), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { method: string; path: string; contentType?: string; body: string });
  const bulkPath = readFileSync(join(bodiesDir, bulkUrlFile), 'utf8');
  const files = readdirSync(bodiesDir)
    .filter((name) => name.endsWith('.ndjson'))
    .sort()
    .slice(0, limit);
  const { child, url } = await startServer(root, nodeArgs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  try {
    for (const step of setup) {
      const answer = await send(agent, url, step.method, step.path, Buffer.from(step.body), step.contentType);
      if (answer.status >= 300)
        throw new Error(`${step.method} ${step.path}: ${answer.status} ${answer.body}`);
    }
    let next = 0;
    let events = 0;
    const before = sampleCpu(child.pid!);
    const started = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const body = await readFile(join(bodiesDir, files[next++]!));
        const answer = await send(agent, url, 'POST', bulkPath, body, 'application/x-ndjson');
        const items =
          (JSON.parse(answer.body.toString('utf8')) as { items?: { [action: string]: { status: number } }[] })
            .items ?? [];
        if (answer.status !== 200) throw new Error(`bulk answered ${answer.status}`);
        for (const item of items) if (Object.values(item)[0]!.status === 201) events++;
        if (items.length * 2 !== body.toString('latin1').split('\n').length - 1)
          throw new Error(`bulk answered ${items.length} items for ${files[next - 1]}`);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = sampleCpu(child.pid!);
    await send(agent, url, 'POST', '/_refresh');
    const counted = JSON.parse((await send(agent, url, 'GET', '/_count')).body.toString('utf8')) as {
      count: number;
    };
    if (counted.count !== events) throw new Error(`${events} created, but _count says ${counted.count}`);
    return {
      events,
      seconds,
      mainMicros: ((after.mainSeconds - before.mainSeconds) * 1e6) / events,
      totalMicros: ((after.totalSeconds - before.totalSeconds) * 1e6) / events,
      peakRssMb: peakRssMb(child.pid!),
    };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function describe(round: Round): string {
  return (
    `${Math.round(round.events / round.seconds)} events/s, main ${round.mainMicros.toFixed(1)} µs, ` +
    `all threads ${round.totalMicros.toFixed(1)} µs per event, peak ${Math.round(round.peakRssMb)} MB`
  );
}

function summary(rounds: Round[]): Record<string, number> {
  return {
    eventsPerSec: Math.round(median(rounds.map((r) => r.events / r.seconds))),
    mainMicrosPerEvent: +median(rounds.map((r) => r.mainMicros)).toFixed(1),
    totalMicrosPerEvent: +median(rounds.map((r) => r.totalMicros)).toFixed(1),
    peakRssMb: Math.round(median(rounds.map((r) => r.peakRssMb))),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      record: { type: 'string' },
      bodies: { type: 'string' },
      rounds: { type: 'string', default: '1' },
      compare: { type: 'string' },
      aa: { type: 'boolean', default: false },
      connections: { type: 'string', default: '2' },
      limit: { type: 'string', default: String(Number.MAX_SAFE_INTEGER) },
      // Passed to the server's node, e.g. --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=DIR.
      'node-arg': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.bodies === undefined) {
    console.log(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (values.record !== undefined) return record(values.record, values.bodies);
  const sides: [string, string][] = [['this', thisRoot]];
  if (values.compare !== undefined) sides.push(['compare', resolve(values.compare)]);
  if (values.aa) sides.push(['this again', thisRoot]);
  const results = sides.map((): Round[] => []);
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so neither side always runs first (warm page cache, load drifting).
    for (let k = 0; k < sides.length; k++) {
      const which = (round + k) % sides.length;
      const result = await replay(
        sides[which]![1],
        values.bodies,
        Number(values.connections),
        Number(values.limit),
        values['node-arg'],
      );
      results[which]!.push(result);
      console.log(`round ${round} ${sides[which]![0]}: ${describe(result)}`);
    }
  }
  const report: Record<string, unknown> = { events: results[0]![0]!.events, rounds };
  sides.forEach(([name], i) => (report[name] = summary(results[i]!)));
  for (let i = 1; i < sides.length; i++) {
    const ratios = results[i]!.map((r, k) => r.mainMicros / results[0]![k]!.mainMicros);
    report[`${sides[i]![0]} ÷ this, main µs per event (median of rounds)`] = +median(ratios).toFixed(3);
  }
  console.log(JSON.stringify(report));
}

await main();
