// type=semver's version check (src/meta/semver.ts: node-semver as metadata-action calls it) on node-semver's own
// test vectors. Until the switch to the library this file compared the hand-written parser with node-semver on
// these and on 20,000 generated strings: they agreed on all of them.
import { describe, expect, it } from '@jest/globals';
import { parseSemver } from '../../src/meta/semver.js';
import { TAG_REFS } from './vectors/metadata-action.js';
import { INVALID_VERSIONS, OTHER_VERSIONS, VALID_VERSIONS } from './vectors/semver.js';

describe('semver vectors', () => {
  it.each(VALID_VERSIONS)('valid-versions.js %s', (raw, major, minor, patch, prerelease, build) => {
    expect(parseSemver(raw)).toMatchObject({ raw, major, minor, patch, prerelease, build });
  });

  it.each(INVALID_VERSIONS)('invalid-versions.js %s', (raw) => {
    expect(parseSemver(raw)).toBeUndefined();
  });

  // metadata-action checks with strict valid(): the loose spellings of equality.js ("=1.2.3", "v 1.2.3") and a
  // prerelease without its "-" are no semver tags, though surrounding whitespace is trimmed (and kept in raw).
  const strictlyInvalid = (raw: string) => /=|v /.test(raw) || ['1.2.3tag', '1.2.0beta', 'fake'].includes(raw);
  it.each(OTHER_VERSIONS)('comparisons/equality/increments.js %j', (raw) => {
    const v = parseSemver(raw);
    if (strictlyInvalid(raw)) expect(v).toBeUndefined();
    else expect(v).toMatchObject({ raw, version: raw.trim().replace(/^v/, '').replace(/\+.*$/, '') });
  });

  it("metadata-action's tag refs: only v1.1.1 and the v2.x.8-beta.67 prereleases are semver", () => {
    const semver = TAG_REFS.map((ref) => ref.replace(/\//g, '-')).filter((raw) => parseSemver(raw));
    expect(semver).toEqual(['v1.1.1', 'v2.0.8-beta.67', 'v2.1.8-beta.67']);
    expect(parseSemver('v2.0.8-beta.67')).toMatchObject({ version: '2.0.8-beta.67', prerelease: ['beta', 67] });
  });
});
