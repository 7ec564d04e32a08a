// Pure guards against hostile input (issue 11): regular expressions that backtrack exponentially, control
// characters echoed to a terminal, build arguments that look like secrets, prototype keys.
import { describe, expect, it } from '@jest/globals';
import { secretLookingBuildArgs } from '../../src/config/semantic-checks.js';
import { parseConfig } from '../../src/config/load.js';
import { backtrackingRisk } from '../../src/meta/regex.js';
import { visibleControls } from '../../src/log/log.js';
import { caught } from './helpers.js';

describe('backtrackingRisk', () => {
  it.each(['(a+)+$', '(\\w*)*x', '(a|aa)+(b+)*', '((ab)*)+', '(x+){2,}', '(?:a*)*'])('%s is refused', (re) =>
    expect(backtrackingRisk(re)).toBe('has a quantifier inside a quantified group'),
  );
  it.each([
    '^ok$',
    '(a)+',
    '[a-z]+(-[0-9]+)?$',
    '"class": *"setosa"',
    '\\(a+\\)+',
    '[(a+)+]',
    'v(\\d+\\.\\d+\\.\\d+)$',
    '(ab)*c+',
  ])('%s is fine', (re) => expect(backtrackingRisk(re)).toBeUndefined());
});

describe('visibleControls', () => {
  it('shows escapes and other controls as \\u sequences, keeps tabs and line breaks', () => {
    expect(visibleControls('\u001b[31mred\u001b[0m\ttab\nline\u0007\u0000')).toBe(
      '\\u001b[31mred\\u001b[0m\ttab\nline\\u0007\\u0000',
    );
    expect(visibleControls('plain ünïcødé 雪')).toBe('plain ünïcødé 雪');
  });
});

describe('secretLookingBuildArgs', () => {
  it('by name or by value', () => {
    expect(
      secretLookingBuildArgs({
        HF_TOKEN: 'x',
        DB_PASSWORD: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        EXTRA: 'ghp_0123456789abcdef',
        KEY_ID: 'AKIAABCDEFGHIJKLMNOP',
        HUB: 'hf_abc',
        PYTHON: '3.12',
        TORCH_INDEX: 'cu121',
        KEYBOARD: 'us',
      }),
    ).toEqual(['HF_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'EXTRA', 'KEY_ID', 'HUB']);
  });
});

describe('prototype keys in a config', () => {
  it('__proto__ anywhere is refused at its line', () => {
    expect(
      caught(() =>
        parseConfig('version: 1\nimages:\n  - name: a\n    __proto__: { x: 1 }\n', '/r/ml-image.yml', '/r', {
          root: '/r',
        }),
      ).message,
    ).toContain('the key "__proto__" is not allowed anywhere');
  });
  it('constructor and toString where the schema knows no such key are unknown keys', () => {
    const err = caught(() =>
      parseConfig('version: 1\nconstructor: 1\ntoString: 2\nimages: [{name: a}]\n', '/r/ml-image.yml', '/r', {
        root: '/r',
      }),
    );
    expect(err.message).toMatch(/unknown key "constructor"/);
  });
});
