// type=pep440's version check (src/meta/pep440.ts: @renovatebot/pep440 as metadata-action calls it) on the
// library's own test vectors. Until the switch to the library this file compared the hand-written helpers with
// it on these, metadata-action's refs and 20,000 generated strings: they differed only in clean() of a local
// version of more than one segment, which the last cases here pin down as metadata-action has it.
import { describe, expect, it } from '@jest/globals';
import { pep440Clean, pep440Explain, pep440Part, pep440Valid } from '../../src/meta/pep440.js';
import { computeTags, parseFlavor, parseTagRules } from '../../src/meta/tags.js';
import { TAG_REFS } from './vectors/metadata-action.js';
import {
  CLEAN,
  INVALID_VERSIONS,
  IS_DEVRELEASE,
  IS_POSTRELEASE,
  IS_PRERELEASE,
  RELEASE,
  SEMANTIC,
  VERSIONS,
} from './vectors/pep440.js';

describe('PEP 440 vectors', () => {
  it.each(VERSIONS)('fixture.js VERSIONS %s is valid', (raw) => {
    expect(pep440Valid(raw)).toBe(true);
  });

  it.each(INVALID_VERSIONS)('fixture.js INVALID_VERSIONS %j is not', (raw) => {
    expect(pep440Valid(raw)).toBe(false);
    expect(pep440Explain(raw)).toBeUndefined();
  });

  it.each(CLEAN)('clean(%j) is %j', (raw, cleaned) => {
    expect(pep440Clean(raw)).toBe(cleaned ?? undefined);
  });

  it.each(RELEASE)('explain(%j).release is %j', (raw, release) => {
    expect(pep440Explain(raw)?.release).toEqual(release);
  });

  it.each([
    ['isPrerelease', IS_PRERELEASE],
    ['isDevrelease', IS_DEVRELEASE],
    ['isPostrelease', IS_POSTRELEASE],
  ] as const)('explain().%s', (key, cases) => {
    for (const [raw, expected] of cases) expect([raw, pep440Explain(raw)?.[key]]).toEqual([raw, expected]);
  });

  it.each(SEMANTIC)('%s: %s is %d', (raw, part, expected) => {
    expect(pep440Part(raw, (['major', 'minor', 'patch'] as const).indexOf(part) as 0 | 1 | 2)).toBe(expected);
  });

  it("metadata-action's tag refs: which are PEP 440, and how they clean", () => {
    const refs = TAG_REFS.map((ref) => ref.replace(/\//g, '-')).filter(pep440Valid);
    expect(refs.map((raw) => pep440Clean(raw))).toEqual([
      '1.0.dev4',
      '1.1b2',
      '1.2',
      '1.2.3rc2',
      '1.2.post1',
      '20200110rc2',
      '1.1.1',
      '1.2.3rc2',
      '2.0.8b67',
      '2.1.8b67',
    ]);
  });
});

describe('a local version of more than one segment, as metadata-action has it', () => {
  // The library joins the segments with ",", where PEP 440 normalizes to "."; metadata-action's tags follow it.
  it.each([
    ['1.0+abc.5', '1.0+abc,5'],
    ['2!1.0+ABC.007', '2!1.0+abc,7'],
    ['v1.2.3+build-1_x', '1.2.3+build,1,x'],
  ])('clean(%j) is %j', (raw, cleaned) => {
    expect(pep440Clean(raw)).toBe(cleaned);
  });

  it('refs/tags/1.0+abc.5 with {{version}} is tagged 1.0-abc-5', () => {
    const { rules } = parseTagRules(['type=pep440,pattern={{version}}']);
    const ctx = { eventName: 'push', ref: 'refs/tags/1.0+abc.5', sha: 'f'.repeat(40), date: new Date(0) };
    expect(computeTags(rules, parseFlavor([]).flavor, ctx).tags).toEqual(['1.0-abc-5', 'latest']);
  });
});
