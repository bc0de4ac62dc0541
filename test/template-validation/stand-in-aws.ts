/**
 * A stand-in `aws` executable for the deploy script's tests: put its directory first on PATH and it
 * records each call's arguments (one JSON array per line) and answers from a scenario, a map from the
 * call ("cloudformation describe-stacks", "s3 cp", "--version", ...) to its answers in order (the last
 * one repeats).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Answer {
  readonly status?: number;
  /** Printed as is, or as JSON when it is not a string. */
  readonly stdout?: unknown;
  readonly stderr?: string;
}

export type Scenario = Record<string, Answer[]>;

const SCRIPT = `
const fs = require('node:fs');
const args = process.argv.slice(2);
const keyOf = (a) => (a[0] === '--version' ? '--version' : a.slice(0, a[1] === 'wait' ? 3 : 2).join(' '));
fs.appendFileSync(process.env.STAND_IN_AWS_LOG, JSON.stringify(args) + '\\n');
const earlier = fs.readFileSync(process.env.STAND_IN_AWS_LOG, 'utf8').split('\\n').filter(Boolean)
  .map((line) => JSON.parse(line)).filter((a) => keyOf(a) === keyOf(args)).length - 1;
const scenario = JSON.parse(fs.readFileSync(process.env.STAND_IN_AWS_SCENARIO, 'utf8'));
const answers = scenario[keyOf(args)] || [{}];
const answer = answers[Math.min(earlier, answers.length - 1)];
if (answer.stdout !== undefined) process.stdout.write(typeof answer.stdout === 'string' ? answer.stdout : JSON.stringify(answer.stdout));
if (answer.stderr) process.stderr.write(answer.stderr);
process.exitCode = answer.status || 0;
`;

export class StandInAws {
  readonly bin: string;
  private readonly log: string;
  private readonly scenarioFile: string;

  constructor(dir: string) {
    this.bin = join(dir, 'stand-in-bin');
    this.log = join(dir, 'aws-calls.jsonl');
    this.scenarioFile = join(dir, 'aws-scenario.json');
    mkdirSync(this.bin, { recursive: true });
    const file = join(this.bin, 'aws');
    writeFileSync(file, `#!${process.execPath}\n${SCRIPT}`);
    chmodSync(file, 0o755);
  }

  /** Environment for a child process that should find this `aws` first, answering `scenario`. */
  env(scenario: Scenario): NodeJS.ProcessEnv {
    writeFileSync(this.scenarioFile, JSON.stringify(scenario));
    writeFileSync(this.log, '');
    return {
      ...process.env,
      PATH: `${this.bin}:${process.env['PATH'] ?? ''}`,
      STAND_IN_AWS_LOG: this.log,
      STAND_IN_AWS_SCENARIO: this.scenarioFile,
    };
  }

  /** The argument lists of every call since env(), in order. */
  calls(): string[][] {
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
  }
}
