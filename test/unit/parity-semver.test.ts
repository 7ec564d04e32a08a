// Parity: src/meta/semver.ts against node-semver called as docker/metadata-action calls it for type=semver
// (src/meta.ts procSemver): valid() decides, then parse(raw, { loose: true }) gives the fields a pattern renders
// and prerelease() decides whether the pattern or only {{version}} is used. Prerelease and build render as
// Handlebars renders an array: joined with ",".
import { describe, expect, it } from '@jest/globals';
import parse from 'semver/functions/parse.js';
import prerelease from 'semver/functions/prerelease.js';
import valid from 'semver/functions/valid.js';
import { parseSemver } from '../../src/meta/semver.js';
import { semverLike } from './vectors/generated.js';
import { TAG_REFS, VERSION_VALUES } from './vectors/metadata-action.js';
import { INVALID_VERSIONS, OTHER_VERSIONS, VALID_VERSIONS } from './vectors/semver.js';

interface Fields {
  raw: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  build: string;
  isPrerelease: boolean;
}

function library(raw: string): Fields | undefined {
  if (!valid(raw)) return undefined;
  const v = parse(raw, { loose: true })!;
  const { version, major, minor, patch } = v;
  const fields = { raw: v.raw, version, major, minor, patch };
  return { ...fields, prerelease: v.prerelease.join(','), build: v.build.join(','), isPrerelease: !!prerelease(raw) };
}

function ours(raw: string): Fields | undefined {
  const v = parseSemver(raw);
  if (!v) return undefined;
  const { version, major, minor, patch } = v;
  const fields = { raw: v.raw, version, major, minor, patch };
  return {
    ...fields,
    prerelease: v.prerelease.join(','),
    build: v.build.join(','),
    isPrerelease: v.prerelease.length > 0,
  };
}

// metadata-action replaces "/" with "-" before the check (p1/v1.0.0 -> p1-v1.0.0) and applies match=v(\d.\d.\d)$.
const fromMetadataAction = [...TAG_REFS, ...VERSION_VALUES].flatMap((ref) => {
  const value = ref.replace(/\//g, '-');
  const m = /v(\d.\d.\d)$/.exec(value);
  return m ? [value, m[1]!] : [value];
});
const upstream = [...VALID_VERSIONS.map((v) => v[0]), ...INVALID_VERSIONS, ...OTHER_VERSIONS];
const generated = semverLike(440, 20000);

describe('semver parity with node-semver', () => {
  it.each([
    ['node-semver test/fixtures', upstream],
    ["metadata-action's refs and values", fromMetadataAction],
    ['generated (seed 440)', generated],
  ])('%s: same validity and fields', (_name, inputs) => {
    const differ = inputs.filter((raw) => JSON.stringify(ours(raw)) !== JSON.stringify(library(raw)));
    expect(differ).toEqual([]);
  });

  it('the inputs hold both valid and invalid versions, prereleases among them', () => {
    const all = [...upstream, ...fromMetadataAction, ...generated];
    const parsed = all.map(library);
    expect(parsed.filter((v) => v === undefined).length).toBeGreaterThan(1000);
    expect(parsed.filter((v) => v && !v.isPrerelease).length).toBeGreaterThan(300);
    expect(parsed.filter((v) => v?.isPrerelease).length).toBeGreaterThan(300);
  });

  it.each(VALID_VERSIONS)('valid-versions.js %s', (raw, major, minor, patch, pre, build) => {
    expect(ours(raw)).toMatchObject({ major, minor, patch, prerelease: pre.join(','), build: build.join(',') });
  });
});
