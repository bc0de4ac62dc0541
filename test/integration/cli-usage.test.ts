/**
 * The command line's own surface, through the CLI as a child process: `--help` and `-h` on the program
 * and on every command list every option with its default, `--version`, unknown options and bad
 * values refused with exit 2 naming the option and what it expects, and the README's command-line
 * section listing exactly the options `--help` shows.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli.js';

const COMMANDS = [
  'index',
  'cleanup',
  'install-ism',
  'redrive',
  'dev-server',
  'demo',
  'generate',
  'audit',
  'serve',
];
const CONNECTION_OPTIONS = [
  '--endpoint',
  '--auth',
  '--region',
  '--service',
  '--index-prefix',
  '--request-timeout',
];
/** Options without a default: the command refuses to run without them. */
const MANDATORY: Record<string, string[]> = {
  cleanup: ['--keep-days'],
  'install-ism': ['--keep-days'],
  redrive: ['--from'],
  generate: ['--out', '--records'],
};
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

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

describe('CLI usage: help, version, unknown options and bad values (child process)', function () {
  this.timeout(60_000);

  it('--help and -h on the program list every command and the exit codes; no command is exit 2', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await cli(flag);
      assert.equal(result.code, 0, result.stderr);
      for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'), command);
      assert.match(result.stdout, /Exit codes:\n\s+0 .*\n[\s\S]*\s+3 /);
    }
    const none = await cli();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: cloudtrail-opensearch/);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(PACKAGE, 'utf8')) as { version: string };
    const result = await cli('--version');
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  });

  for (const command of COMMANDS) {
    it(`${command} --help (and -h, and help ${command}) lists every option with its default`, async () => {
      const result = await cli(command, '--help');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: cloudtrail-opensearch ${command} `));
      const options = helpOptions(result.stdout);
      assert.ok(options.size >= 2, result.stdout);
      for (const [name, description] of options) {
        if (name === '--help') continue;
        if (MANDATORY[command]?.includes(name)) {
          assert.match(description, /\(required\)/, `${command} ${name}`);
          continue;
        }
        // A flag that turns a default behaviour off says what the default is in its own words.
        const saysDefault = /\(default: [^)]+\)|default: /.test(description) || name.startsWith('--no-');
        assert.ok(saysDefault, `${command} ${name}: no default shown in "${description}"`);
      }
      const [short, helpCommand] = await Promise.all([cli(command, '-h'), cli('help', command)]);
      assert.equal(short.stdout, result.stdout);
      assert.equal(helpCommand.stdout, result.stdout);
    });

    it(`${command} refuses an unknown option with exit 2, naming it`, async () => {
      const result = await cli(command, '--no-such-option');
      assert.equal(result.code, 2);
      assert.match(result.stderr, /unknown option '--no-such-option'/);
      assert.match(result.stderr, new RegExp(`cloudtrail-opensearch ${command} --help`));
      assert.equal(result.stdout, '');
    });
  }

  it('a missing mandatory option is named, exit 2', async () => {
    const given: Record<string, string[]> = {
      '--keep-days': ['--keep-days', '3'],
      '--from': ['--from', 'index:x'],
      '--out': ['--out', '/tmp/unused'],
      '--records': ['--records', '1'],
    };
    for (const [command, mandatory] of Object.entries(MANDATORY)) {
      for (const missing of mandatory) {
        const others = mandatory.filter((name) => name !== missing).flatMap((name) => given[name]!);
        const endpoint = command === 'generate' ? [] : ['--endpoint', 'http://127.0.0.1:1'];
        const result = await cli(command, ...endpoint, ...others);
        assert.equal(result.code, 2, `${command} without ${missing}`);
        assert.match(result.stderr, new RegExp(`required option '${missing} <[a-z]+>' not specified`));
      }
    }
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
    const rows = [...section.matchAll(/^\| `([a-z][a-z-]*)[^`]*` \|[^|]*\|([^|]*)\|$/gm)];
    const documented = new Map(rows.map((row) => [row[1]!, row[2]!]));
    assert.deepEqual([...documented.keys()].sort(), [...COMMANDS].sort(), 'one table row per command');
    const helps = new Map(
      await Promise.all(
        COMMANDS.map(async (command) => [command, (await cli(command, '--help')).stdout] as const),
      ),
    );
    for (const command of COMMANDS) {
      const cell = documented.get(command)!;
      const listed = new Set(cell.match(/--[a-z0-9-]+/g) ?? []);
      if (/connection options/.test(cell)) for (const name of CONNECTION_OPTIONS) listed.add(name);
      const shown = [...helpOptions(helps.get(command)!).keys()].filter((name) => name !== '--help');
      assert.deepEqual([...listed].sort(), shown.sort(), `README row of ${command} vs ${command} --help`);
    }
    const connectionTable = [...section.matchAll(/^\| `(--[a-z0-9-]+)/gm)].map((row) => row[1]!);
    assert.deepEqual(connectionTable.sort(), [...CONNECTION_OPTIONS].sort(), 'the connection options table');
  });
});
