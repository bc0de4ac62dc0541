#!/usr/bin/env node
// Runs the compiled mocha suite and ends with the line CI reads: "N passed, N failed".
// Mocha's programmatic API gives us the counts without parsing reporter output.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: build/test)
import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Tests run on Node 20 on purpose (the oldest supported); the SDK's upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function testFiles(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .flatMap((name) => testFiles(join(path, name)))
    .filter((file) => file.endsWith('.test.js'));
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['build/test']).flatMap(testFiles).sort();
const mocha = new Mocha({ timeout: 60_000, reporter: process.env.MOCHA_REPORTER ?? 'spec' });
for (const file of files) mocha.addFile(file);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const { passes = 0, pending = 0 } = runner.stats ?? {};
  const skipped = pending ? `, ${pending} skipped` : '';
  console.log(`\n${passes} passed, ${failures} failed${skipped}`);
  process.exitCode = failures > 0 ? 1 : 0;
});
