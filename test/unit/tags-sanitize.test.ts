// Tag sanitizing: metadata-action's (runs of invalid characters become "-") plus the OCI tag grammar (at most
// 128 characters of [A-Za-z0-9_.-], no leading "." or "-"). A branch name is attacker-controllable input: it
// must never yield an extra tag, whitespace, a comma, a line break, or something that reads as an option.
import { describe, expect, it } from '@jest/globals';
import { computeTags, parseFlavor, parseTagRules, sanitizeTag, type MetaContext } from '../../src/meta/tags.js';

const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const push = (branch: string): MetaContext => ({
  eventName: 'push',
  ref: `refs/heads/${branch}`,
  sha: 'abcdef1234567890abcdef1234567890abcdef12',
  defaultBranch: 'main',
  date: new Date(0),
});
// The ref itself, the same through a Handlebars value (which HTML-escapes), and as a prefix of the sha tag.
const RULES = ['type=ref,event=branch', 'type=raw,value={{branch}}', 'type=sha,prefix={{branch}}-'];

const cases: [name: string, branch: string, expected: string[]][] = [
  ['slashes and uppercase', 'Feat/Some/THING', ['Feat-Some-THING', 'Feat-Some-THING-abcdef1']],
  ['unicode and @', 'feat/Ünïcode@x', ['feat-n-code-x', 'feat-n-code-x-abcdef1']],
  ['option-like name', '--output=/etc', ['output-etc', 'output-x3D-etc', 'output-x3D-etc-abcdef1']],
  ['a 200-character name is cut to 128', 'a'.repeat(200), ['a'.repeat(128)]],
  ['comma', 'a,b', ['a-b', 'a-b-abcdef1']],
  ['space', 'x y', ['x-y', 'x-y-abcdef1']],
  ['newline', 'x\ny', ['x-y', 'x-y-abcdef1']],
  ['tab and CR', 'x\t\ry', ['x-y', 'x-y-abcdef1']],
  ['quote (escaped by Handlebars first, as in metadata-action)', "it's", ['it-s', 'it-x27-s', 'it-x27-s-abcdef1']],
  ['leading dots', '..hidden', ['hidden', 'hidden-abcdef1']],
  ['only a dash', '-', ['abcdef1']],
  ['emoji only', '😀', ['abcdef1']],
  ['shell metacharacters', '$(rm -rf /);`id`|x', ['rm--rf-id-x', 'rm--rf-x60-id-x60-x', 'rm--rf-x60-id-x60-x-abcdef1']],
  [
    'issue-number hash (metadata-action invalidchars fixture ref)',
    'my/feature#1245',
    ['my-feature-1245', 'my-feature-1245-abcdef1'],
  ],
  ['underscores and dots are kept', 'release_1.x', ['release_1.x', 'release_1.x-abcdef1']],
];

describe('tag sanitizing against hostile branch names', () => {
  it.each(cases)('%s', (_name, branch, expected) => {
    const { rules, errors } = parseTagRules(RULES);
    expect(errors).toEqual([]);
    const result = computeTags(rules, parseFlavor([]).flavor, push(branch));
    expect(result.tags).toEqual(expected);
    for (const tag of result.tags) expect(tag).toMatch(OCI_TAG);
  });

  it('keeps every tag one argument even with a hostile flavor and latest', () => {
    const { rules } = parseTagRules(['type=raw,value={{branch}}']);
    const { flavor, errors } = parseFlavor([
      'latest=true',
      'prefix=-x {{branch}}-,onlatest=true',
      'suffix=-y\tz,onlatest=true',
    ]);
    expect(errors).toEqual([]);
    const result = computeTags(rules, flavor, push('a b'));
    // The latest tag takes the flavor prefix unrendered, as metadata-action does.
    expect(result.tags).toEqual(['x-a-b-a-b-y-z', 'x-branch--latest-y-z']);
    expect(result.latest).toBe(true);
    for (const tag of result.tags) expect(tag).toMatch(OCI_TAG);
  });

  it.each([
    ['metadata-action rule: runs of invalid characters become one dash', 'a//b  c', 'a-b-c'],
    ['leading dash and dot removed', '-.-v1', 'v1'],
    ['valid input is unchanged', 'v1.2.3_rc-1', 'v1.2.3_rc-1'],
    ['nothing usable', '///', ''],
    ['truncated to 128', `${'b'.repeat(127)}cd`, `${'b'.repeat(127)}c`],
  ])('sanitizeTag: %s', (_name, input, expected) => {
    expect(sanitizeTag(input)).toBe(expected);
  });
});
