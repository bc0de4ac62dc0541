/**
 * `node build/scripts/bench-alerts-valgrind.js DIR [--files N] [--rounds N]`: what matching the
 * built-in alert rules costs the indexer, in instructions (valgrind's count does not depend on the
 * machine's load). Each round runs bench-alerts-count.js under cachegrind twice, without and with the
 * alerts (the order alternating), and takes the ratio; the median ratio is printed last, with the two
 * plain runs of consecutive rounds compared as the A/A check (a run's count varies a little with the
 * JIT's timing).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-alerts-valgrind.js DIR [--files N] [--rounds N]');
const script = fileURLToPath(new URL('./bench-alerts-count.js', import.meta.url));

/** The instructions the process of one run executed (cachegrind's `I refs`). */
function instructions(alerts: boolean): Promise<number> {
  const args = [
    '--tool=cachegrind',
    '--cache-sim=no',
    '--smc-check=all-non-file',
    '--cachegrind-out-file=/dev/null',
    process.execPath,
    '--max-semi-space-size=8',
    script,
    dir!,
    '--files',
    values.files!,
    ...(alerts ? ['--alerts'] : []),
  ];
  const child = spawn('valgrind', args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr)?.[1];
      if (code !== 0 || refs === undefined)
        reject(new Error(`valgrind exited ${code}: ${stderr.slice(-2000)}`));
      else resolve(Number(refs.replaceAll(',', '')));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratios: number[] = [];
const plains: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const counts = { plain: 0, alerts: 0 };
  for (const alerts of round % 2 === 0 ? [false, true] : [true, false]) {
    counts[alerts ? 'alerts' : 'plain'] = await instructions(alerts);
  }
  plains.push(counts.plain);
  ratios.push(counts.alerts / counts.plain);
  console.log(
    `round ${round}: plain ${counts.plain.toLocaleString('en')} / alerts ${counts.alerts.toLocaleString('en')} instructions: ${(counts.alerts / counts.plain).toFixed(4)}`,
  );
}
const plainAA = plains.slice(1).map((count, i) => count / plains[i]!);
console.log(
  JSON.stringify({
    files: Number(values.files),
    rounds: ratios.length,
    plainInstructions: median(plains),
    alertsOverPlain: +median(ratios).toFixed(4),
    plainOverPlain: plainAA.map((ratio) => +ratio.toFixed(4)),
  }),
);
