// Seeded, reproducible inputs for the parity tests: strings built from the pieces that matter to each grammar
// (leading zeros, separators, letters, whitespace, numbers past the safe integer range), far more of them than
// upstream vectors hold. The same seed gives the same list on every run and machine.

/** mulberry32: a small 32-bit PRNG; returns floats in [0, 1). */
export function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct strings (fewer if `make` has fewer) from `make`, which draws with pick() and chance(). */
export function generate(
  seed: number,
  count: number,
  make: (pick: <T>(items: readonly T[]) => T, chance: (p: number) => boolean) => string,
): string[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;
  const out = new Set<string>();
  // Bounded, so that a generator with few distinct outputs cannot loop for ever.
  for (let i = 0; out.size < count && i < count * 20; i++) out.add(make(pick, chance));
  return [...out];
}

const BIG = ['9007199254740991', '9007199254740992', '99999999999999999999'];

/** major.minor.patch with optional prerelease and build, in strict, loose and broken spellings. */
export const semverLike = (seed: number, count: number): string[] =>
  generate(seed, count, (pick, chance) => {
    // Mostly well-formed numbers, so that a good share of the strings is valid.
    const num = () => (chance(0.7) ? pick(['0', '1', '12', '345']) : pick(['01', '00', '', ...BIG]));
    const id = () =>
      pick(['0', '1', '01', '00', 'a', 'alpha', '0a', 'a0', '-', '--', 'a-b', 'rc', '1a', 'A', 'Z9', '']);
    const ids = () => Array.from({ length: pick([1, 2, 3]) }, id).join('.');
    let s = pick(['', '', 'v', 'V', '=', ' ', 'v ', '\t']) + `${num()}.${num()}.${num()}`;
    if (chance(0.5)) s += pick(['-', '-', '', '.']) + ids();
    if (chance(0.4)) s += `+${ids()}`;
    return s + pick(['', '', '', ' ', '\n', 'x', '.0']);
  });

/** PEP 440 versions: epoch, release, pre/post/dev in every spelling and separator, local versions. */
export const pep440Like = (seed: number, count: number): string[] =>
  generate(seed, count, (pick, chance) => {
    const sep = () => pick(['', '.', '-', '_', '']);
    const num = () => pick(['0', '1', '01', '10', '007', '', '99999999999999999999']);
    let s = pick(['', '', 'v', 'V', ' ', '\t']) + (chance(0.2) ? `${num()}!` : '');
    s += Array.from({ length: chance(0.5) ? 3 : pick([1, 2, 4]) }, () => pick(['0', '1', '2', '01', '10'])).join('.');
    if (chance(0.4))
      s += sep() + pick(['a', 'b', 'c', 'rc', 'alpha', 'beta', 'pre', 'preview', 'A', 'RC', 'Pre']) + sep() + num();
    if (chance(0.3)) s += chance(0.3) ? `-${num()}` : sep() + pick(['post', 'rev', 'r', 'POST']) + sep() + num();
    if (chance(0.3)) s += sep() + pick(['dev', 'DEV']) + sep() + num();
    if (chance(0.3)) {
      const parts = Array.from({ length: chance(0.5) ? 1 : 3 }, () => pick(['abc', '1', '01', 'A', 'x1', '', '_']));
      s += `+${parts.join(pick(['.', '-', '_']))}`;
    }
    return s + pick(['', '', '', ' ', '\n', 'x']);
  });

// Pieces of templates: text that matters to the lexer (braces, backslashes, tildes, quotes, line breaks), every
// kind of expression metadata-action's templates use, and Handlebars constructs that are refused on purpose.
const TEMPLATE_PIECES = [
  ...[
    'a',
    ' ',
    '  ',
    '-',
    '.',
    '\\',
    '\\\\',
    '{',
    '}',
    '~',
    '=',
    "'",
    '"',
    '\n',
    '\r\n',
    '\t',
    '{{',
    '}}',
    '{{{',
    '}}}',
  ],
  ...['{{version}}', '{{ major }}', '{{~minor~}}', '{{{branch}}}', '{{&branch}}', '{{branch}}', '{{~{branch}~}}'],
  ...['{{! c }}', '{{!-- x }} --}}', '{{!--~ y ~--}}', '{{~! z ~}}', '{{!}}', '{{!--}}', '{{raw}}', '{{ raw }}'],
  ...["{{date 'YYYY'}}", '{{date "a\\"b"}}', "{{date 'it\\'s'}}", '{{date "it\\\'s"}}', "{{date 'F' tz='Asia/Tokyo'}}"],
  ...['{{date YYYY-MM-DD}}', '{{date 1}}', '{{date -1.5}}', '{{date true}}', '{{date null}}', '{{date undefined}}'],
  ...['{{commit_date x tz=major}}', '{{date "x" y=1 z="q"}}', '{{date a=1 "b"}}', '{{date\t"T"}}', '{{date true =1}}'],
  ...['{{date true=1}}', "{{date 'a'tz='b'}}", "{{date 'a''b'}}", '{{date x= y}}', '{{date 1.}}', '{{date 01}}'],
  ...['{{#if x}}', '{{/if}}', '{{> p}}', '{{a.b}}', '{{this}}', '{{../a}}', '{{@index}}', '{{(date)}}', '{{else}}'],
  ...[
    '{{^}}',
    '{{*dec}}',
    '{{{{raw}}}}',
    '{{x.[y]}}',
    '{{[foo bar]}}',
    '{{a/b}}',
    '{{"raw"}}',
    '{{1}}',
    '{{date (x)}}',
  ],
  ...['{{date}}', '{{nope}}', '{{~ raw ~}}', '{{{~branch}}}', '{{{branch~}}}', '{{~{branch}}}', '{{{branch}~}}'],
  ...['{{}}', '{{~}}', '{{ }}', '{{x=1}}', '{{elsewhere}}', '{{ else }}', '{{else-x}}', '{{date'],
];

/** Templates of 1 to 6 pieces. */
export const templateLike = (seed: number, count: number): string[] =>
  generate(seed, count, (pick) =>
    Array.from({ length: pick([1, 2, 3, 4, 5, 6]) }, () => pick(TEMPLATE_PIECES)).join(''),
  );

/** moment's format tokens (its FORMATTING_TOKENS and the "en" locale's long formats), z and zz aside. */
export const MOMENT_TOKENS = [
  ...['M', 'Mo', 'MM', 'MMM', 'MMMM', 'Q', 'Qo', 'D', 'Do', 'DD', 'DDD', 'DDDo', 'DDDD', 'd', 'do', 'dd', 'ddd'],
  ...['dddd', 'e', 'E', 'w', 'wo', 'ww', 'W', 'Wo', 'WW', 'YY', 'YYYY', 'YYYYY', 'YYYYYY', 'Y', 'y', 'yy', 'yyy'],
  ...['yyyy', 'yo', 'N', 'NN', 'NNN', 'NNNN', 'NNNNN', 'gg', 'gggg', 'ggggg', 'GG', 'GGGG', 'GGGGG', 'A', 'a', 'H'],
  ...['HH', 'h', 'hh', 'k', 'kk', 'm', 'mm', 's', 'ss', 'S', 'SS', 'SSS', 'SSSS', 'SSSSSSSSS', 'Z', 'ZZ', 'X', 'x'],
  ...['LT', 'LTS', 'L', 'l', 'LL', 'll', 'LLL', 'lll', 'LLLL', 'llll', 'Hmm', 'Hmmss', 'hmm', 'hmmss'],
];
const FORMAT_TEXT = [
  '-',
  ':',
  ' ',
  'T',
  '[Z]',
  '[Built on] ',
  '\\Y',
  '.',
  '/',
  ',',
  '[',
  ']',
  'foo',
  '[a]b',
  '\\\\',
  'é',
];

/** Format strings of 1 to 5 pieces, tokens and text. */
export const dateFormatLike = (seed: number, count: number): string[] =>
  generate(seed, count, (pick, chance) =>
    Array.from({ length: pick([1, 2, 3, 4, 5]) }, () => (chance(0.6) ? pick(MOMENT_TOKENS) : pick(FORMAT_TEXT))).join(
      '',
    ),
  );

// Pieces of tags:/flavor: entries as the CSV reader sees them: separators, quotes (doubled, unclosed, inside a
// field), whitespace around them, line breaks, a byte order mark.
const CSV_PIECES = [
  ...['a', 'b', ',', ',', '"', '""', ' ', '=', '\\', 'type=raw', 'value=', '{{x}}', '\t', '"a,b"', '"x""y"'],
  ...['#', "'", '\ufeff', '\r', '\n', '\r\n', 'pattern=\\d{1,2}', '"pattern=\\d{1,2}"'],
];

/** Entries of 1 to 6 pieces. */
export const csvLike = (seed: number, count: number): string[] =>
  generate(seed, count, (pick) => Array.from({ length: pick([1, 2, 3, 4, 5, 6]) }, () => pick(CSV_PIECES)).join(''));
