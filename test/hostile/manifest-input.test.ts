// Hostile manifests on the CLI side (`automesh apply -f`): YAML is decoded locally before anything
// is sent, so deep nesting, __proto__ keys and broken YAML must come back as problems, never a throw.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeManifests } from '../../src/api/index.js';

const service = (spec: string, metadata = '{name: d}'): string =>
  `apiVersion: v1\nkind: Service\nmetadata: ${metadata}\nspec: ${spec}\n`;
const deep = (n: number): string => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`;

describe('hostile manifests (CLI decoding)', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['200 levels of nesting', service(deep(200)), /nested deeper than 100 levels/],
    ['10,000 levels of nesting', service(deep(10_000)), /YAML syntax error|nested deeper/],
    [
      '10,000 nested flow sequences',
      `items: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      /YAML syntax error|nested deeper/,
    ],
    ['a __proto__ label', service('{ports: [{port: 80}]}', '{name: d, labels: {__proto__: x}}'), /__proto__/],
    ['an unclosed flow mapping', service('{ports: [{port: 80}'), /YAML syntax error/],
    ['a tab-indented block', 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: d\n', /YAML syntax error/],
    [
      'a billion-laughs alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n`,
      /Excessive alias count/,
    ],
  ];
  for (const [name, text, problem] of cases) {
    it(`reports ${name} as a problem, storing nothing`, () => {
      const started = Date.now();
      const result = decodeManifests(text, 'hostile.yaml');
      assert.deepEqual(result.resources, []);
      assert.ok(result.problems.length > 0, 'no problem reported');
      assert.match(result.problems.map((p) => p.message).join('\n'), problem);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });
  }
});
