#!/usr/bin/env node
// Bundles the Lambdas with esbuild into Lambda-ready zips (handler `index.handler`):
//   dist/indexer.zip, dist/cleanup.zip, dist/breaker.zip, dist/audit.zip, dist/query-api.zip
//   (index.js, minified)
//   dist/indexer.js.map, dist/cleanup.js.map, ...           (source maps, to decode stack traces)
// Everything, including the AWS SDK clients, is bundled: the runtime's preinstalled SDK version is not
// ours to choose, and bundling lets esbuild drop what we don't use.
// The source map more than doubles the zip (≈280 KB → ≈630 KB), which costs cold-start time on every
// invocation, so it stays beside the zip; `--source-map-in-zip` puts it inside (with
// NODE_OPTIONS=--enable-source-maps, Lambda stack traces then point at the TypeScript sources).
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const mapInZip = process.argv.includes('--source-map-in-zip');
const dist = join(root, 'dist');
const lambdas = [
  { name: 'indexer', entry: 'index.ts' },
  { name: 'cleanup', entry: 'cleanup/index.ts' },
  // The storage circuit breaker (cloudformation.yml's BreakerFunction).
  { name: 'breaker', entry: 'src/breaker/lambda.ts' },
  // The scheduled completeness audit (cloudformation.yml's AuditFunction, when AuditSchedule is set).
  { name: 'audit', entry: 'src/audit/lambda.ts' },
  // The read-only query API behind an IAM-auth function URL (cloudformation.yml's QueryApiFunction).
  { name: 'query-api', entry: 'src/api/lambda.ts' },
];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const lambda of lambdas) {
  const outdir = join(dist, lambda.name);
  const result = await build({
    entryPoints: [join(root, lambda.entry)],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const files = { 'index.js': readFileSync(join(outdir, 'index.js')) };
  const map = readFileSync(join(outdir, 'index.js.map'));
  if (mapInZip) files['index.js.map'] = map;
  else writeFileSync(join(dist, `${lambda.name}.js.map`), map);
  // A fixed timestamp keeps the zip byte-identical for identical code, so deploys are content-addressed.
  const zip = zipSync(files, { level: 9, mtime: new Date('2020-01-01T00:00:00Z') });
  const zipPath = join(dist, `${lambda.name}.zip`);
  writeFileSync(zipPath, zip);
  writeFileSync(join(dist, `${lambda.name}.meta.json`), JSON.stringify(result.metafile));
  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
  console.log(
    `${zipPath}: ${kb(statSync(zipPath).size)} (index.js ${kb(files['index.js'].length)}; source map ${kb(map.length)} ${mapInZip ? 'inside' : 'beside it'})`,
  );
}
