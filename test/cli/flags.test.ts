import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMON_FLAGS,
  FlagError,
  flagBool,
  flagString,
  flagStrings,
  parseFlags,
  type FlagSpec,
} from '../../src/cli/flags.js';

const SPECS: FlagSpec[] = [
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.allNamespaces,
  COMMON_FLAGS.selector,
  COMMON_FLAGS.output,
  COMMON_FLAGS.filename,
  COMMON_FLAGS.container,
  { name: 'stdin', short: 'i', type: 'bool', usage: '' },
  { name: 'tty', short: 't', type: 'bool', usage: '' },
  { name: 'wait', type: 'bool', usage: '' },
  { name: 'timeout', type: 'string', usage: '' },
];

describe('flag parsing', () => {
  const namespaceCases: [string, string[]][] = [
    ['-n NS', ['-n', 'full']],
    ['attached -nNS (the seed uses -nfull)', ['-nfull']],
    ['-n=NS', ['-n=full']],
    ['--namespace NS', ['--namespace', 'full']],
    ['--namespace=NS', ['--namespace=full']],
  ];
  for (const [label, args] of namespaceCases) {
    it(`reads the namespace from ${label}`, () => {
      const parsed = parseFlags(['pods', ...args], SPECS);
      assert.equal(flagString(parsed, 'namespace'), 'full');
      assert.deepEqual(parsed.positionals, ['pods']);
    });
  }

  it('accepts every spelling of -o jsonpath', () => {
    const spellings = [
      ['-o', 'jsonpath={.items..metadata.name}'],
      ['-o=jsonpath={.items..metadata.name}'],
      ['-ojsonpath={.items..metadata.name}'],
      ['--output=jsonpath={.items..metadata.name}'],
    ];
    for (const args of spellings) {
      assert.equal(
        flagString(parseFlags(args, SPECS), 'output'),
        'jsonpath={.items..metadata.name}',
        args.join(' '),
      );
    }
  });

  it('collects repeated -f in order, with - as a value', () => {
    const parsed = parseFlags(['-f', 'a.yaml', '--filename=b.yaml', '-f', '-'], SPECS);
    assert.deepEqual(flagStrings(parsed, 'filename'), ['a.yaml', 'b.yaml', '-']);
  });

  it('reads booleans alone, grouped and with =value', () => {
    assert.equal(flagBool(parseFlags(['-A'], SPECS), 'all-namespaces'), true);
    assert.equal(flagBool(parseFlags(['--all-namespaces'], SPECS), 'all-namespaces'), true);
    assert.equal(flagBool(parseFlags(['--wait=false'], SPECS), 'wait'), false);
    const grouped = parseFlags(['-it'], SPECS);
    assert.equal(flagBool(grouped, 'stdin'), true);
    assert.equal(flagBool(grouped, 'tty'), true);
  });

  it('keeps positionals around flags and everything after -- untouched', () => {
    const parsed = parseFlags(
      ['sleep-1', '-c', 'sleep', '-nfull', '--', 'curl', '-s', '-w', 'response %{http_code}\n', '-n'],
      SPECS,
    );
    assert.deepEqual(parsed.positionals, ['sleep-1']);
    assert.equal(flagString(parsed, 'container'), 'sleep');
    assert.equal(flagString(parsed, 'namespace'), 'full');
    assert.deepEqual(parsed.rest, ['curl', '-s', '-w', 'response %{http_code}\n', '-n']);
  });

  it('reports no rest when there is no --', () => {
    assert.equal(parseFlags(['pods'], SPECS).rest, undefined);
  });

  it('rejects unknown flags with kubectl wording', () => {
    assert.throws(
      () => parseFlags(['--frobnicate'], SPECS),
      (e: unknown) => {
        assert.ok(e instanceof FlagError);
        assert.equal(e.message, 'unknown flag: --frobnicate');
        return true;
      },
    );
    assert.throws(() => parseFlags(['--frob=1'], SPECS), /unknown flag: --frob$/);
    assert.throws(() => parseFlags(['-x'], SPECS), /unknown shorthand flag: 'x' in -x/);
  });

  it('rejects a value flag at the end of the line', () => {
    assert.throws(() => parseFlags(['get', '-n'], SPECS), /flag needs an argument: 'n' in -n/);
    assert.throws(() => parseFlags(['--namespace'], SPECS), /flag needs an argument: --namespace/);
  });

  it('rejects a boolean with a non-boolean value', () => {
    assert.throws(() => parseFlags(['--wait=maybe'], SPECS), /invalid argument "maybe" for "--wait" flag/);
  });
});
