/**
 * `activity` pages through 100,000 events (PAGING_EVENTS changes how many) with bounded memory and no
 * deep paging: the CLI, in a child process, reads generated events (written by `generate`, indexed by
 * the real pipeline into the dev server) through a recording proxy. Every event is printed exactly
 * once with the child's heap capped far below what holding the events would take, its peak RSS stays
 * under a bound, and every search it sent asked from offset 0 with `search_after` carrying it on.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli.js';
import { startHarness, type Harness } from '../fieldmodel/helpers.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';

const EVENTS = Number(process.env.PAGING_EVENTS ?? 100_000);
/**
 * A coarse bound on the CLI process's own high-water mark (VmHWM): the heap cap below is what fails a
 * CLI that holds the events (it runs out of memory and exits non-zero).
 */
const PEAK_RSS_BOUND_MB = 600;
/** The child's V8 old-space limit: 100,000 events of ~1.5 KB parsed take several times this. */
const HEAP_LIMIT_MB = 96;
const PROBE = fileURLToPath(new URL('./activity-probe.js', import.meta.url));

interface ProbeRun {
  code: number | null;
  lines: number;
  ids: Map<string, number>;
  peakRssMb: number;
  stderr: string;
}

/** Runs `activity` through the probe; the events are counted as they stream, never held whole. */
function runActivity(args: string[]): Promise<ProbeRun> {
  return new Promise((resolve, reject) => {
    // A heap far smaller than the events: a CLI that held them all would run out of memory and fail.
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, PROBE, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ids = new Map<string, number>();
    let lines = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines++;
      const id = String((JSON.parse(line) as { eventID?: unknown }).eventID);
      ids.set(id, (ids.get(id) ?? 0) + 1);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const peak = /peak-rss-mb ([\d.]+)/.exec(stderr);
      resolve({ code, lines, ids, peakRssMb: peak ? Number(peak[1]) : NaN, stderr });
    });
  });
}

describe(`query: activity pages through ${EVENTS.toLocaleString('en-US')} events`, function () {
  this.timeout(20 * 60_000);
  let h: Harness;
  let proxy: RecordingProxy;
  let work: string;

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-paging-'));
    const generated = await cli('generate', '--out', work, '--records', String(EVENTS), '--per-file', '5000');
    assert.equal(generated.code, 0, generated.stderr);
    const totals = await h.index(work);
    assert.equal(totals.indexed, EVENTS);
    await h.client.indices.refresh({ index: 'cloudtrail-*' });
    proxy = await startRecordingProxy(h.server.url);
  });
  after(async () => {
    await proxy?.close();
    await h?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('prints every event once, in bounded memory, with search_after and never a from offset', async () => {
    const run = await runActivity(['activity', '--endpoint', proxy.url, '--ndjson']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.lines, EVENTS, 'one line per event');
    assert.equal(run.ids.size, EVENTS, 'every event once');
    assert.ok(
      run.peakRssMb < PEAK_RSS_BOUND_MB,
      `peak RSS ${run.peakRssMb} MB, bound ${PEAK_RSS_BOUND_MB} MB`,
    );
    console.log(`      ${EVENTS} events, peak RSS ${run.peakRssMb} MB`);

    const searches = proxy.sent.filter((request) => request.path.includes('/_search'));
    assert.ok(searches.length >= EVENTS / 1_000, `${searches.length} pages`);
    for (const [i, { body }] of searches.entries()) {
      const request = body as { from?: number; size: number; search_after?: unknown[] };
      assert.ok(request.from === undefined || request.from === 0, `search ${i} asked from ${request.from}`);
      assert.ok(request.size <= 1_000, `search ${i} asked for ${request.size}`);
      assert.equal(
        Array.isArray(request.search_after),
        i > 0,
        `search ${i}: search_after after the first page`,
      );
    }
  });
});
