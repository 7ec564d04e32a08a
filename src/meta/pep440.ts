// type=pep440's version check and normalization, by @renovatebot/pep440: the maintained name of the
// @renovate/pep440 1.0.0 docker/metadata-action uses (the same lib/version.js code), called as its procPep440
// calls it: valid(), explain(), clean(), major(), minor(), patch().
// The library rather than our own regex: the hand-written 106 lines it replaced wrote a local version of more
// than one segment with "." where metadata-action writes "," (clean("1.0+abc.5") is "1.0+abc,5", so the tag
// is 1.0-abc-5, not 1.0-abc.5); they agreed on everything else of 20,230 inputs. Cost, by bench/lib-cost.mjs:
// 22.2 KB of bundle against 3.4 KB, an import of 7.3 ms against 5.8 ms (medians). The package index, not its
// lib/ files (13.1 KB): the index is the API that stays put across releases. Vectors:
// test/unit/pep440-vectors.test.ts.
import { clean, explain, major, minor, patch, valid } from '@renovatebot/pep440';

export function pep440Valid(version: string): boolean {
  return valid(version) !== null;
}

/** clean(): the normalized form, e.g. "v1.2.3beta2" -> "1.2.3b2", "1.0dev4" -> "1.0.dev4"; undefined when not PEP 440. */
export function pep440Clean(version: string): string | undefined {
  return clean(version) ?? undefined;
}

export interface Pep440Explained {
  release: number[];
  /** A dev release counts as a prerelease too. */
  isPrerelease: boolean;
  isPostrelease: boolean;
  isDevrelease: boolean;
}

export function pep440Explain(version: string): Pep440Explained | undefined {
  const v = explain(version);
  return v
    ? {
        release: v.release,
        isPrerelease: v.is_prerelease,
        isPostrelease: v.is_postrelease,
        isDevrelease: v.is_devrelease,
      }
    : undefined;
}

/** major(), minor(), patch(): missing minor/patch parts are 0; undefined when not PEP 440 (the library throws). */
export function pep440Part(version: string, index: 0 | 1 | 2): number | undefined {
  return valid(version) === null ? undefined : [major, minor, patch][index](version);
}
