#!/usr/bin/env node
// The CLI entry point. The TypeScript sources are compiled to build/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../build/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('cloudtrail-opensearch: build/ is missing; run `npm run build` (npm ci does it) first.');
  process.exit(2);
}
// A reader that stops early (`| head`, a pager quit) closes the pipe: stop quietly, as pipe writers do,
// instead of dying with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
