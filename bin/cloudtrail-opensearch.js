#!/usr/bin/env node
// The CLI entry point. The TypeScript sources are compiled to build/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../build/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('cloudtrail-opensearch: build/ is missing; run `npm run build` (npm ci does it) first.');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
