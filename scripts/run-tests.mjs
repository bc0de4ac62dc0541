#!/usr/bin/env node
// Runs the compiled mocha suite and ends with the line CI reads: "N passed, N failed".
// Mocha's programmatic API gives us the counts without parsing reporter output.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: build/test); TEST_GREP=pattern filters
//
// A passing run prints the test report and nothing else. What the code under test writes to stderr
// (the Lambdas' JSON log lines, Powertools' notices) is held per test and shown only with the
// failure of that test (or of a hook); TEST_STDERR=show passes it straight through.
import Mocha from 'mocha';
import { Buffer } from 'node:buffer';
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

/** Holds what is written to stderr until the current test or hook ends. */
function captureStderr() {
  const write = process.stderr.write.bind(process.stderr);
  let held = [];
  process.stderr.write = (chunk, encoding, callback) => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
  return {
    /** Forgets what the test that just passed wrote. */
    drop() {
      held = [];
    },
    /** Shows what the failed test (or hook) wrote, under its name. */
    show(title) {
      if (held.length > 0) write(`\n--- stderr of "${title}" ---\n${held.join('')}--- end of stderr ---\n`);
      held = [];
    },
  };
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['build/test']).flatMap(testFiles).sort();
// TEST_GREP=pattern runs only the tests whose full title matches.
const mocha = new Mocha({
  timeout: 60_000,
  reporter: process.env.MOCHA_REPORTER ?? 'spec',
  ...(process.env.TEST_GREP ? { grep: process.env.TEST_GREP } : {}),
});
for (const file of files) mocha.addFile(file);
await mocha.loadFilesAsync();
const stderr = process.env.TEST_STDERR === 'show' ? undefined : captureStderr();
const runner = mocha.run((failures) => {
  const { passes = 0, pending = 0 } = runner.stats ?? {};
  const skipped = pending ? `, ${pending} skipped` : '';
  console.log(`\n${passes} passed, ${failures} failed${skipped}`);
  process.exitCode = failures > 0 ? 1 : 0;
});
if (stderr) {
  runner.on('pass', () => stderr.drop());
  runner.on('pending', () => stderr.drop());
  runner.on('hook end', () => stderr.drop());
  runner.on('fail', (test) => stderr.show(test.fullTitle()));
}
