/**
 * The command line's own surface, through the CLI as a child process: `--help` and `-h` on the program
 * and on every command and subcommand list every option with its default, `--version`, unknown
 * options and bad values refused with exit 2 naming the option and what it expects, and the README's
 * command-line section listing exactly the commands and options `--help` shows. The commands come from
 * the program's own definition, so a command added later is checked without being listed here.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ALERT_ENV_VARS } from '../../src/alerts/envVars.js';
import { Invocation } from '../../src/cli/invocation.js';
import { buildProgram, everyCommand } from '../../src/cli/program.js';
import { BIN, cli, cliWithEnv } from '../helpers/cli.js';

/** Every command and subcommand, as the words after the program's name (`['alerts', 'test']`). */
const TREE = everyCommand(buildProgram(new Invocation()))
  .slice(1)
  .map(({ command, path }) => ({ command, words: path.slice(1) }));
/** The commands that do something (not groups such as `alerts`), as they are typed: `alerts test`. */
const LEAVES = TREE.filter(({ command }) => command.commands.length === 0).map(({ words }) =>
  words.join(' '),
);
const CONNECTION_OPTIONS = [
  '--endpoint',
  '--auth',
  '--region',
  '--service',
  '--index-prefix',
  '--request-timeout',
];
/**
 * Options that have no default because leaving them out is their meaning: a filter not applied, no
 * limit. Every other option shows its default (or says it is required).
 */
const NOT_APPLIED_WHEN_ABSENT = new Set([
  '--actor',
  '--actor-type',
  '--session',
  '--user',
  '--access-key',
  '--event',
  '--ip',
  '--agent',
  '--account',
  '--aws-region',
  '--resource',
  '--error-code',
  // The query commands' filter on the AWS service called (elsewhere the SigV4 service, with a default).
  '--service',
  '--mfa',
  '--from',
  '--to',
]);
/** A value for each option some command requires, to leave out one at a time. */
const REQUIRED_VALUES: Record<string, string> = {
  '--keep-days': '3',
  '--from': 'index:x',
  '--out': '/tmp/unused',
  '--records': '1',
  '--by': 'event',
};
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));
/** `node --import` it to record every module loaded (test/helpers/record-loads.ts). */
const RECORD_LOADS = fileURLToPath(new URL('../helpers/record-loads.js', import.meta.url));

/** The options a command requires, from its definition (requireOptions marks them "(required)"). */
function requiredOptions(command: Command): string[] {
  return command.options
    .filter((option) => option.description.endsWith('(required)'))
    .map((option) => option.long!);
}

/** Does the command talk to a cluster (it has the connection options)? */
function hasEndpoint(command: Command): boolean {
  return command.options.some((option) => option.long === '--endpoint');
}

/** Every option line of a help text: its long name and its description (wrapped lines joined). */
function helpOptions(help: string): Map<string, string> {
  const section = help.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
  const options = new Map<string, string>();
  let current: string | undefined;
  for (const line of section.split('\n')) {
    const start = /^ {2}(?:-\w, )?(--[a-z0-9-]+)(?: <[^>]+>)?\s+(.*)$/.exec(line);
    if (start) {
      current = start[1]!;
      options.set(current, start[2]!);
    } else if (current && line.trim() !== '') {
      options.set(current, `${options.get(current)!} ${line.trim()}`);
    }
  }
  return options;
}

/** Each command's `--help`, as its help test got it (the README test reads them again only if needed). */
const HELP_TEXTS = new Map<string, string>();

async function helpOf(name: string): Promise<string> {
  if (!HELP_TEXTS.has(name)) HELP_TEXTS.set(name, (await cli(...name.split(' '), '--help')).stdout);
  return HELP_TEXTS.get(name)!;
}

describe('CLI usage: help, version, unknown options and bad values (child process)', function () {
  // Each run of the CLI loads the whole program: seconds on a loaded 2-core machine.
  this.timeout(300_000);

  it('the command tree is read from the program (a guard on the test itself)', () => {
    for (const expected of ['index', 'cleanup', 'activity', 'alerts test', 'dashboards export'])
      assert.ok(LEAVES.includes(expected), `${expected} in ${LEAVES.join(', ')}`);
  });

  it('--help and -h on the program list every command and the exit codes; no command is exit 2', async () => {
    const topLevel = TREE.filter(({ words }) => words.length === 1).map(({ words }) => words[0]!);
    for (const flag of ['--help', '-h']) {
      const result = await cli(flag);
      assert.equal(result.code, 0, result.stderr);
      for (const command of topLevel) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'), command);
      assert.match(result.stdout, /Exit codes:\n\s+0 .*\n[\s\S]*\s+3 /);
    }
    const none = await cli();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: cloudtrail-opensearch/);
  });

  it("the program's --help names every environment variable the CLI reads", async () => {
    const cliSources = join(fileURLToPath(new URL('../../../src/cli/', import.meta.url)));
    const read = new Set<string>([
      ...ALERT_ENV_VARS, // index and alerts send-test read them with alertsConfigOf(process.env)
      'AWS_DEFAULT_REGION', // the SigV4 region's last fallback (resolveConnection)
    ]);
    for (const file of await readdir(cliSources)) {
      const source = await readFile(join(cliSources, file), 'utf8');
      for (const [, name] of source.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) read.add(name!);
    }
    assert.ok(
      read.has('S3_ENDPOINT') && read.has('DASHBOARDS_URL'),
      'the scan found the CLI reading variables',
    );
    const help = (await cli('--help')).stdout;
    const environment = help.split(/^Environment\b/m)[1]?.split(/^Exit codes:/m)[0] ?? '';
    const missing = [...read].filter((name) => !new RegExp(`\\b${name}\\b`).test(environment));
    assert.deepEqual(missing, [], `not in the Environment section:\n${environment}`);
  });

  it('a reader that closes the pipe early (`| head`) ends the command quietly, not with a stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'activity', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the command writes anything: its first write to stdout meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('--help loads no command implementation: only commander and the option definitions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ct-cli-loads-'));
    try {
      for (const words of [[], ['index'], ['activity'], ['dashboards', 'install']]) {
        const record = join(dir, `${['program', ...words].join('-')}.txt`);
        const result = await cliWithEnv(
          { NODE_OPTIONS: `--import=${RECORD_LOADS}`, LOAD_RECORD: record },
          ...words,
          '--help',
        );
        assert.equal(result.code, 0, result.stderr);
        const loaded = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
        assert.ok(
          loaded.some((url) => url.endsWith('/build/src/cli/program.js')),
          'the recorder saw the program',
        );
        const implementation = loaded.filter((url) =>
          /\/node_modules\//.test(url) ? !/\/node_modules\/commander\//.test(url) : /Action\.js$/.test(url),
        );
        assert.deepEqual(
          implementation,
          [],
          `${['cloudtrail-opensearch', ...words].join(' ')} --help loaded`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(PACKAGE, 'utf8')) as { version: string };
    const result = await cli('--version');
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  });

  it('-h and the help command print the same help as --help (a command, a group, a subcommand)', async () => {
    for (const words of [['index'], ['alerts'], ['dashboards', 'install']]) {
      const helpWords = [...words.slice(0, -1), 'help', words[words.length - 1]!];
      const [long, short, helpCommand] = await Promise.all([
        cli(...words, '--help'),
        cli(...words, '-h'),
        cli(...helpWords),
      ]);
      assert.equal(long.code, 0, long.stderr);
      assert.match(long.stdout, new RegExp(`^Usage: cloudtrail-opensearch ${words.join(' ')} `));
      assert.equal(short.code, 0);
      assert.equal(short.stdout, long.stdout, `${words.join(' ')} -h`);
      assert.equal(helpCommand.code, 0);
      assert.equal(helpCommand.stdout, long.stdout, helpWords.join(' '));
    }
  });

  for (const { command, words } of TREE) {
    const name = words.join(' ');

    it(`${name} --help lists every option with its default`, async () => {
      const result = await cli(...words, '--help');
      assert.equal(result.code, 0, result.stderr);
      HELP_TEXTS.set(name, result.stdout);
      assert.match(result.stdout, new RegExp(`^Usage: cloudtrail-opensearch ${name} `));
      const options = helpOptions(result.stdout);
      const defined = command.options.filter((option) => !option.hidden).map((option) => option.long!);
      assert.deepEqual([...options.keys()].sort(), [...defined, '--help'].sort(), `${name}: options shown`);
      const required = requiredOptions(command);
      for (const [option, description] of options) {
        if (option === '--help') continue;
        if (required.includes(option)) {
          assert.match(description, /\(required\)/, `${name} ${option}`);
          continue;
        }
        // A flag that turns a default behaviour off says what the default is in its own words.
        const saysDefault =
          /\(default: [^)]+\)|default: /.test(description) ||
          option.startsWith('--no-') ||
          NOT_APPLIED_WHEN_ABSENT.has(option);
        assert.ok(saysDefault, `${name} ${option}: no default shown in "${description}"`);
        // A default read from the environment is written the way a shell names it: $S3_ENDPOINT.
        const defaultClause = /default: [^)]*/.exec(description)?.[0] ?? '';
        const bareVariables = defaultClause.match(/(?<![$\w])[A-Z][A-Z0-9]*_[A-Z0-9_]+/g) ?? [];
        assert.deepEqual(
          bareVariables,
          [],
          `${name} ${option}: "${defaultClause}" names a variable without $`,
        );
      }
      for (const sub of command.commands)
        assert.match(result.stdout, new RegExp(`^  ${sub.name()} `, 'm'), `${name} lists ${sub.name()}`);
    });

    it(`${name} refuses an unknown option with exit 2, naming it`, async () => {
      const result = await cli(...words, '--no-such-option');
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /unknown option '--no-such-option'/);
      assert.ok(
        result.stderr.includes(`(run 'cloudtrail-opensearch ${name} --help' for usage)`),
        result.stderr,
      );
      assert.equal(result.stdout, '');
    });
  }

  it('a missing required option is named, exit 2 (every required option of every command)', async () => {
    const runs = TREE.flatMap(({ command, words }) => {
      const required = requiredOptions(command);
      return required.map(async (missing) => {
        const others = required
          .filter((option) => option !== missing)
          .flatMap((option) => {
            assert.ok(REQUIRED_VALUES[option], `a value for ${option} in REQUIRED_VALUES`);
            return [option, REQUIRED_VALUES[option]];
          });
        const endpoint = hasEndpoint(command) ? ['--endpoint', 'http://127.0.0.1:1'] : [];
        const result = await cli(...words, ...endpoint, ...others);
        assert.equal(result.code, 2, `${words.join(' ')} without ${missing}: ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`required option '${missing} <[a-z]+>' not specified`));
        return missing;
      });
    });
    assert.ok((await Promise.all(runs)).length >= 6, 'cleanup, install-ism, redrive, generate, top');
  });

  it('bad values are refused before any work, naming the option, the value and what is expected', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['cleanup', '--endpoint', 'http://127.0.0.1:1', '--keep-days', '-3'],
        /option '--keep-days <days>' argument '-3' is invalid\. Expected a whole number from 1 to 36500/,
      ],
      [
        ['dev-server', '--port', '99999'],
        /option '--port <port>' argument '99999' is invalid\. Expected a port number from 0 to 65535/,
      ],
      [
        ['index', '.', '--threads', '0'],
        /option '--threads <n>' argument '0' is invalid\. Expected a whole number ≥ 1/,
      ],
      [
        ['index', '.', '--auth', 'kerberos'],
        /option '--auth <mode>' argument 'kerberos' is invalid\. Allowed choices are none, basic, sigv4/,
      ],
      [
        ['index', '.', '--dead-letter', 'somewhere'],
        /'--dead-letter <target>' argument 'somewhere' is invalid\. Expected index:NAME or s3:\/\/bucket\/prefix/,
      ],
      [
        ['index', '.', '--progress-interval', 'soon'],
        /'--progress-interval <seconds>' argument 'soon' is invalid\. Expected a positive number of seconds/,
      ],
      [['redrive', '--endpoint', 'http://127.0.0.1:1'], /required option '--from <source>' not specified/],
      [
        ['generate', '--out', '/tmp/x', '--records', '10', '--start', 'yesterday'],
        /'--start <date>' argument 'yesterday' is invalid\. Expected an ISO 8601 date/,
      ],
      [['index'], /missing required argument 'paths'/],
      [
        ['serve', '--port', '99999'],
        /option '--port <port>' argument '99999' is invalid\. Expected a port number from 0 to 65535/,
      ],
      [
        ['activity', '--mfa', 'maybe'],
        /option '--mfa <yes\|no>' argument 'maybe' is invalid\. Allowed choices are yes, no/,
      ],
      [
        ['top', '--by', 'event', '--size', '0'],
        /option '--size <n>' argument '0' is invalid\. Expected a whole number from 1 to 1000\./,
      ],
      [
        // The query API's /top answers at most 1,000 values: the CLI asks for no more.
        ['top', '--by', 'event', '--size', '1001'],
        /option '--size <n>' argument '1001' is invalid\. Expected a whole number from 1 to 1000\./,
      ],
      [
        ['audit', 's3://bucket/AWSLogs/', '--from', '2024-13-40'],
        /option '--from <day>' argument '2024-13-40' is invalid\. Expected a day as YYYY-MM-DD/,
      ],
      [['alerts', 'test'], /missing required argument 'paths'/],
    ];
    await Promise.all(
      cases.map(async ([args, expected]) => {
        const result = await cli(...args);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, expected, args.join(' '));
      }),
    );
  });

  it("the README's command-line section lists exactly the commands and options --help shows", async () => {
    const readme = await readFile(README, 'utf8');
    const section = readme.split(/^## The command line$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, 'README has a "## The command line" section');
    // A row starts with the command as it is typed, then its arguments: `alerts test <paths...>`.
    const rows = [...section.matchAll(/^\| `([a-z][a-z -]*?)(?: [<[][^`]*)?` \|[^|]*\|([^|]*)\|$/gm)];
    const documented = new Map(rows.map((row) => [row[1]!, row[2]!]));
    assert.deepEqual([...documented.keys()].sort(), [...LEAVES].sort(), 'one table row per command');
    const queryLine = /^Query options .*$/m.exec(section)?.[0];
    assert.ok(queryLine, 'a "Query options" paragraph');
    const queryOptions = [...CONNECTION_OPTIONS, ...(queryLine.match(/--[a-z0-9-]+/g) ?? [])];
    const helps = new Map(await Promise.all(LEAVES.map(async (leaf) => [leaf, await helpOf(leaf)] as const)));
    for (const leaf of LEAVES) {
      const cell = documented.get(leaf)!;
      const listed = new Set(cell.match(/--[a-z0-9-]+/g) ?? []);
      if (/connection options/.test(cell)) for (const name of CONNECTION_OPTIONS) listed.add(name);
      if (/query options/.test(cell)) for (const name of queryOptions) listed.add(name);
      const shown = [...helpOptions(helps.get(leaf)!).keys()].filter((name) => name !== '--help');
      assert.deepEqual([...listed].sort(), shown.sort(), `README row of ${leaf} vs ${leaf} --help`);
    }
    const connectionTable = [...section.matchAll(/^\| `(--[a-z0-9-]+)/gm)].map((row) => row[1]!);
    assert.deepEqual(connectionTable.sort(), [...CONNECTION_OPTIONS].sort(), 'the connection options table');
  });

  it('every command line shown in the README and docs/ runs an existing command with options it has', async () => {
    const pages = [
      README,
      ...(await readdir(DOCS)).filter((name) => name.endsWith('.md')).map((name) => join(DOCS, name)),
    ];
    let checked = 0;
    for (const page of pages) {
      const text = await readFile(page, 'utf8');
      const blocks = [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((block) => block[1]!);
      // A command split over lines with a trailing backslash is one command.
      const lines = blocks.flatMap((block) => block.replace(/\\\n/g, ' ').split('\n'));
      for (const line of lines.filter(
        (line) => / cloudtrail-opensearch /.test(` ${line}`) && !/^\s*#/.test(line),
      )) {
        const where = `${basename(page)}: ${line}`;
        const rest = line.slice(line.indexOf('cloudtrail-opensearch ') + 'cloudtrail-opensearch '.length);
        const words = rest.split(/\s+/);
        const at =
          TREE.find(({ words: path }) => path.join(' ') === words.slice(0, 2).join(' ')) ??
          TREE.find(({ words: path }) => path.join(' ') === words[0]);
        assert.ok(at && at.command.commands.length === 0, `a command: ${where}`);
        const known = new Set([...at.command.options.map((option) => option.long!), '--help']);
        for (const option of rest.match(/(?<![\w-])--[a-z0-9-]+/g) ?? [])
          assert.ok(known.has(option), `${option} is an option of ${at.words.join(' ')}: ${where}`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `command lines checked: ${checked}`);
  });
});
