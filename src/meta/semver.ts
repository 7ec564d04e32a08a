// Strict SemVer 2.0 parsing as node-semver's `valid`/`parse` do it (no `loose` mode): the exact set of tags
// docker/metadata-action accepts for type=semver, and the fields its {{...}} patterns can use.

// node-semver's FULL regex: an optional leading "v", numeric identifiers without leading zeros, prerelease
// identifiers that are numeric (no leading zero) or contain a letter or dash, and dot-separated build metadata.
const NUM = '0|[1-9]\\d*';
const PRE_ID = `(?:\\d*[a-zA-Z-][a-zA-Z0-9-]*|${NUM})`;
const BUILD_ID = '[a-zA-Z0-9-]+';
const FULL = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);

// node-semver refuses longer input outright, before matching.
const MAX_LENGTH = 256;

export interface SemVer {
  /** The string as given, which is what {{raw}} renders. */
  raw: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  build: string[];
  /** major.minor.patch[-prerelease], without build metadata: what {{version}} renders. */
  version: string;
}

export function parseSemver(raw: string): SemVer | undefined {
  if (raw.length > MAX_LENGTH) return undefined;
  const m = FULL.exec(raw.trim());
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // node-semver throws ("Invalid major version") past the safe integer range, so such a tag is not semver.
  if (![major, minor, patch].every((n) => n <= Number.MAX_SAFE_INTEGER)) return undefined;
  const prerelease = m[4] ? m[4].split('.') : [];
  const build = m[5] ? m[5].split('.') : [];
  const version = `${major}.${minor}.${patch}${prerelease.length ? `-${prerelease.join('.')}` : ''}`;
  return { raw, major, minor, patch, prerelease, build, version };
}
