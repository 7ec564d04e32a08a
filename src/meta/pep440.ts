// PEP 440 version parsing and normalization as @renovate/pep440 (the library docker/metadata-action uses)
// does it: valid(), clean(), explain() and major/minor/patch, with the same regex and the same quirks.

const VERSION_PATTERN = [
  'v?',
  '(?:',
  '(?:(?<epoch>[0-9]+)!)?',
  '(?<release>[0-9]+(?:\\.[0-9]+)*)',
  '(?<pre>[-_\\.]?(?<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\\.]?(?<pre_n>[0-9]+)?)?',
  '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_\\.]?(?<post_l>post|rev|r)[-_\\.]?(?<post_n2>[0-9]+)?))?',
  '(?<dev>[-_\\.]?(?<dev_l>dev)[-_\\.]?(?<dev_n>[0-9]+)?)?',
  ')',
  '(?:\\+(?<local>[a-z0-9]+(?:[-_\\.][a-z0-9]+)*))?',
].join('');

const VALID = new RegExp(`^${VERSION_PATTERN}$`, 'i');
// clean() tolerates surrounding whitespace; valid() does not.
const CLEAN = new RegExp(`^\\s*${VERSION_PATTERN}\\s*$`, 'i');

type Letter = [string, number];

export interface Pep440 {
  epoch: number;
  release: number[];
  pre?: Letter;
  post?: Letter;
  dev?: Letter;
  local?: (string | number)[];
}

function parse(version: string, re: RegExp): Pep440 | undefined {
  const g = re.exec(version)?.groups;
  if (!g) return undefined;
  return {
    epoch: Number(g.epoch ?? 0),
    release: g.release.split('.').map(Number),
    pre: letter(g.pre_l, g.pre_n),
    post: letter(g.post_l, g.post_n1 ?? g.post_n2),
    dev: letter(g.dev_l, g.dev_n),
    local: g.local?.split(/[._-]/).map((part) => (Number.isNaN(Number(part)) ? part.toLowerCase() : Number(part))),
  };
}

// Spellings are normalized (alpha -> a, c/pre/preview -> rc, rev/r -> post) and a missing number means 0;
// "1.0-1" is the implicit post-release form.
function letter(l: string | undefined, n: string | undefined): Letter | undefined {
  if (l) {
    const lower = l.toLowerCase();
    const map: Record<string, string> = {
      alpha: 'a',
      beta: 'b',
      c: 'rc',
      pre: 'rc',
      preview: 'rc',
      rev: 'post',
      r: 'post',
    };
    return [map[lower] ?? lower, Number(n ?? 0)];
  }
  return n ? ['post', Number(n)] : undefined;
}

function stringify(v: Pep440): string {
  let out = v.epoch !== 0 ? `${v.epoch}!` : '';
  out += v.release.join('.');
  if (v.pre) out += v.pre.join('');
  if (v.post) out += `.${v.post.join('')}`;
  if (v.dev) out += `.${v.dev.join('')}`;
  if (v.local) out += `+${v.local.join('.')}`;
  return out;
}

export function pep440Valid(version: string): boolean {
  return VALID.test(version);
}

/** The normalized form, e.g. "v1.2.3beta2" -> "1.2.3b2", "1.0dev4" -> "1.0.dev4"; undefined when not PEP 440. */
export function pep440Clean(version: string): string | undefined {
  const v = parse(version, CLEAN);
  return v && stringify(v);
}

export interface Pep440Explained {
  release: number[];
  isPrerelease: boolean;
  isPostrelease: boolean;
  isDevrelease: boolean;
}

export function pep440Explain(version: string): Pep440Explained | undefined {
  const v = parse(version, VALID);
  if (!v) return undefined;
  // A dev release counts as a prerelease too, as in the library.
  return {
    release: v.release,
    isPrerelease: Boolean(v.dev || v.pre),
    isPostrelease: Boolean(v.post),
    isDevrelease: Boolean(v.dev),
  };
}

/** major/minor/patch as the library returns them: missing minor/patch parts are 0. */
export function pep440Part(version: string, index: 0 | 1 | 2): number | undefined {
  const v = pep440Explain(version);
  return v && (v.release[index] ?? 0);
}
