// Parity: src/meta/pep440.ts against @renovatebot/pep440, the maintained name of @renovate/pep440 that
// docker/metadata-action uses (its 1.0.0: the same lib/version.js code, on XRegExp instead of RegExp), for what
// type=pep440 asks of it (metadata-action's procPep440): valid(), explain()'s is_prerelease, is_postrelease,
// is_devrelease and release, clean(), major(), minor(), patch().
import { describe, expect, it } from '@jest/globals';
import { clean, explain, major, minor, patch, valid } from '@renovatebot/pep440';
import { pep440Clean, pep440Explain, pep440Part, pep440Valid } from '../../src/meta/pep440.js';
import { pep440Like } from './vectors/generated.js';
import { TAG_REFS, VERSION_VALUES } from './vectors/metadata-action.js';
import {
  CLEAN,
  INVALID_VERSIONS,
  IS_DEVRELEASE,
  IS_POSTRELEASE,
  IS_PRERELEASE,
  RELEASE,
  VERSIONS,
} from './vectors/pep440.js';

interface Answers {
  valid: boolean;
  explain: { release: number[]; pre: boolean; post: boolean; dev: boolean } | null;
  clean: string | null;
  parts: number[] | null;
}

function library(raw: string): Answers {
  const e = explain(raw);
  return {
    valid: valid(raw) !== null,
    explain: e && { release: e.release, pre: e.is_prerelease, post: e.is_postrelease, dev: e.is_devrelease },
    clean: clean(raw),
    parts: e && [major(raw), minor(raw), patch(raw)],
  };
}

function ours(raw: string): Answers {
  const e = pep440Explain(raw);
  return {
    valid: pep440Valid(raw),
    explain: e ? { release: e.release, pre: e.isPrerelease, post: e.isPostrelease, dev: e.isDevrelease } : null,
    clean: pep440Clean(raw) ?? null,
    parts: e ? [pep440Part(raw, 0)!, pep440Part(raw, 1)!, pep440Part(raw, 2)!] : null,
  };
}

// metadata-action replaces "/" with "-" before the check and applies match=v(\d.\d.\d)$.
const fromMetadataAction = [...TAG_REFS, ...VERSION_VALUES].flatMap((ref) => {
  const value = ref.replace(/\//g, '-');
  const m = /v(\d.\d.\d)$/.exec(value);
  return m ? [value, m[1]!] : [value];
});
const vectorInputs = [CLEAN, RELEASE, IS_PRERELEASE, IS_DEVRELEASE, IS_POSTRELEASE].flatMap((l) => l.map((v) => v[0]));
const upstream = [...new Set([...VERSIONS, ...INVALID_VERSIONS, ...vectorInputs])];
const generated = pep440Like(440, 20000);

// The one difference found: the library's clean() writes a local version of more than one segment with ","
// (its stringify() puts the segment array into a template string), ours with "." as PEP 440 has it. Tags come
// out differently: metadata-action turns "1.0+abc,1" into the tag 1.0-abc-1, ours "1.0+abc.1" into 1.0-abc.1.
const localSegments = (raw: string) => /\+[^+]*[-_.]/.test(raw.trim());
const withCommas = (cleaned: string | null) =>
  cleaned === null ? null : cleaned.replace(/\+.*$/, (local) => local.replace(/\./g, ','));

function differences(inputs: string[]): string[] {
  return inputs.filter((raw) => {
    const [a, b] = [ours(raw), library(raw)];
    return JSON.stringify({ ...a, clean: localSegments(raw) ? withCommas(a.clean) : a.clean }) !== JSON.stringify(b);
  });
}

describe('PEP 440 parity with @renovatebot/pep440', () => {
  it.each([
    ['@renovatebot/pep440 test vectors', upstream],
    ["metadata-action's refs and values", fromMetadataAction],
    ['generated (seed 440)', generated],
  ])('%s: same answers, but for the local-version separator', (_name, inputs) => {
    expect(differences(inputs)).toEqual([]);
  });

  it.each([
    ['1.0+abc.5', '1.0+abc.5', '1.0+abc,5'],
    ['2!1.0+ABC.007', '2!1.0+abc.7', '2!1.0+abc,7'],
    ['v1.2.3+build-1_x', '1.2.3+build.1.x', '1.2.3+build,1,x'],
  ])('differs: clean(%j) is %j here, %j in the library', (raw, here, there) => {
    expect(pep440Clean(raw)).toBe(here);
    expect(clean(raw)).toBe(there);
  });

  it('the inputs hold valid and invalid versions, pre-, post- and dev releases and local versions', () => {
    const all = [...upstream, ...fromMetadataAction, ...generated].map((raw) => [raw, library(raw)] as const);
    expect(all.filter(([, a]) => !a.valid).length).toBeGreaterThan(1000);
    for (const key of ['pre', 'post', 'dev'] as const)
      expect(all.filter(([, a]) => a.explain?.[key]).length).toBeGreaterThan(300);
    expect(all.filter(([raw, a]) => a.valid && localSegments(raw)).length).toBeGreaterThan(300);
  });
});
