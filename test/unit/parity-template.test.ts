// Parity: src/meta/template.ts against Handlebars, which metadata-action compiles every tag, flavor and label
// template with. Both render the same templates with the same values: every name is a function that shows what
// it was called with (Handlebars calls a function it finds in the context, with or without arguments), so the
// output shows the parse (name, arguments, hash), the escaping and the whitespace control at once.
// Where only one side accepts a template: ours accepting what Handlebars refuses is a defect; ours refusing what
// Handlebars accepts must be one of the constructs refused on purpose (refusedOnPurpose, from Handlebars' AST).
import { describe, expect, it } from '@jest/globals';
import Handlebars from 'handlebars';
import { isRawStatement, parseTemplate, renderTemplate, TemplateError, type Param } from '../../src/meta/template.js';
import { templateLike } from './vectors/generated.js';
import { HANDLEBARS_SPEC } from './vectors/handlebars.js';
import { FLAVOR_ENTRIES, LABEL_ENTRIES, RAW_STATEMENTS, TAG_ENTRIES } from './vectors/metadata-action.js';

// Handlebars without its built-in helpers: our names never include if, each, log, lookup, etc. (the config checks
// refuse them), and a built-in would answer instead of the showing function.
const hb = Handlebars.create();
for (const name of ['if', 'unless', 'each', 'with', 'log', 'lookup']) hb.unregisterHelper(name);
// Past "error" (3): no console message when a template we refuse anyway (a.link) meets the prototype-access check.
hb.logger.level = 4;

const display = (v: unknown): string =>
  typeof v === 'function' ? `@${v.name}` : v === undefined ? 'undefined' : JSON.stringify(v);
const show = (name: string, params: unknown[], hash: Record<string, unknown>) =>
  `${name}(${params.map(display).join(',')}|${Object.keys(hash)
    .sort()
    .map((k) => `${k}=${display(hash[k])}`)
    .join(',')})`;

type Shower = (...args: unknown[]) => string;
/** Every word of the template that could be a name, as a function named after it that shows its call. */
function context(template: string): Record<string, Shower> {
  const ctx: Record<string, Shower> = {};
  for (const word of template.match(/[^\s!"#%-,./;->@[-^`{-~]+/g) ?? []) {
    if (word in Object.prototype) continue;
    const named: Record<string, Shower> = {
      [word]: (...args: unknown[]) =>
        show(word, args.slice(0, -1), (args.at(-1) as { hash: Record<string, unknown> }).hash),
    };
    ctx[word] = named[word]!;
  }
  return ctx;
}

function literal(value: string): unknown {
  const known: Record<string, unknown> = { true: true, false: false, null: null, undefined };
  return value in known ? known[value] : Number(value);
}

function ours(template: string): string {
  const ctx = context(template);
  // A bare word is looked up in the context, as Handlebars does.
  const arg = (p: Param): unknown =>
    p.kind === 'string' ? p.value : p.kind === 'path' ? ctx[p.value] : literal(p.value);
  return renderTemplate(parseTemplate(template), (m) =>
    show(m.name, m.params.map(arg), Object.fromEntries([...m.hash].map(([k, p]) => [k, arg(p)]))),
  );
}

// Known helpers are called directly by compiled code; they are unregistered above, so they must be unknown here.
const knownHelpers = { if: false, unless: false, each: false, with: false, log: false, lookup: false };
const handlebars = (template: string): string => hb.compile(template, { knownHelpers })(context(template));

type Outcome = { ok: true; out: string } | { ok: false; error: unknown };
function run(render: (template: string) => string, template: string): Outcome {
  try {
    return { ok: true, out: render(template) };
  } catch (error: unknown) {
    return { ok: false, error };
  }
}

function* astNodes(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* astNodes(v);
  else if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (typeof node.type === 'string') yield node;
    for (const [key, v] of Object.entries(node)) if (key !== 'loc') yield* astNodes(v);
  }
}

interface Loc {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

/** Why ours refuses a template Handlebars takes, when that is on purpose; undefined when it is not. */
function refusedOnPurpose(template: string): string | undefined {
  const lineStarts = [0, ...[...template.matchAll(/\n/g)].map((m) => m.index + 1)];
  const offset = (p: Loc['start']) => lineStarts[p.line - 1] + p.column;
  const sourceOf = (loc: Loc) => template.slice(offset(loc.start), offset(loc.end));
  for (const node of astNodes(hb.parseWithoutProcessing(template))) {
    if (/^(?:Block|Partial|PartialBlock|DecoratorBlock|Decorator)Statement$|^Decorator/.test(String(node.type)))
      return 'blocks, partials and decorators';
    if (node.type === 'SubExpression') return 'subexpressions';
    if (node.type === 'MustacheStatement' && (node.path as { type: string }).type !== 'PathExpression')
      return 'a literal as the name';
    if (node.type === 'PathExpression') {
      // The source, not `original`, which has a [literal] segment without its brackets.
      const { data, depth, parts, loc } = node as { data: boolean; depth: number; parts: string[]; loc: Loc };
      if (data || depth > 0 || parts.length !== 1 || sourceOf(loc) !== parts[0])
        return 'paths other than one plain name (a.b, ../a, this, @data, [a])';
    }
  }
  return undefined;
}

// metadata-action's Meta.isRawStatement, as it is.
function metadataActionIsRaw(pattern: string): boolean {
  try {
    const body = hb.parseWithoutProcessing(pattern).body;
    if (body.length == 1 && body[0].type == 'MustacheStatement') {
      const path = (body[0] as hbs.AST.MustacheStatement).path as hbs.AST.PathExpression;
      return path.parts.length == 1 && path.parts[0] == 'raw';
    }
  } catch {
    return false;
  }
  return false;
}

// The values of metadata-action's entries: what follows the first "=" of each comma-separated field.
const fromMetadataAction = [...TAG_ENTRIES, ...FLAVOR_ENTRIES, ...LABEL_ENTRIES, ...RAW_STATEMENTS.map((r) => r[0])]
  .flatMap((entry) => [entry, ...entry.split(',').map((field) => field.slice(field.indexOf('=') + 1))])
  .filter((text) => text.includes('{{'));
const generated = templateLike(440, 10000);

interface Tally {
  same: number;
  bothRefuse: number;
  onPurpose: number;
  problems: [template: string, problem: string][];
}

function compare(templates: string[]): Tally {
  const tally: Tally = { same: 0, bothRefuse: 0, onPurpose: 0, problems: [] };
  for (const template of templates) {
    const [a, b] = [run(ours, template), run(handlebars, template)];
    if (!a.ok && !(a.error instanceof TemplateError)) tally.problems.push([template, `threw ${String(a.error)}`]);
    else if (a.ok && b.ok) {
      if (a.out === b.out) tally.same++;
      else tally.problems.push([template, `renders ${JSON.stringify(a.out)}, Handlebars ${JSON.stringify(b.out)}`]);
    } else if (a.ok)
      tally.problems.push([template, `accepted here, refused by Handlebars: ${String(b.ok || b.error)}`]);
    else if (!b.ok) tally.bothRefuse++;
    else if (refusedOnPurpose(template)) tally.onPurpose++;
    else tally.problems.push([template, `refused here only: ${String(a.error)}`]);
    if (isRawStatement(template) !== metadataActionIsRaw(template)) tally.problems.push([template, 'isRawStatement']);
  }
  return tally;
}

describe('template parity with Handlebars', () => {
  const tallies = new Map<string[], Tally>();
  const tallyOf = (templates: string[]) =>
    tallies.get(templates) ?? tallies.set(templates, compare(templates)).get(templates)!;

  it.each([
    ["Handlebars' spec templates", HANDLEBARS_SPEC, 40],
    ["metadata-action's templates", fromMetadataAction, 60],
    ['generated (seed 440)', generated, 1500],
  ])('%s: the same output, the same isRawStatement, refusals only on purpose', (_name, templates, minSame) => {
    const tally = tallyOf(templates);
    expect(tally.problems).toEqual([]);
    expect(tally.same).toBeGreaterThan(minSame);
  });

  it('the generated templates include refusals of both kinds', () => {
    const tally = tallyOf(generated);
    expect(tally.bothRefuse).toBeGreaterThan(1000);
    expect(tally.onPurpose).toBeGreaterThan(1000);
  });

  it.each(RAW_STATEMENTS)("metadata-action's isRawStatement case %j", (pattern, expected) => {
    expect(isRawStatement(pattern)).toBe(expected);
  });

  // Handlebars renders these; ours refuses them when the config is read, since in metadata-action's contexts
  // they render nothing useful (or, with blocks and paths, something no tag rule needs).
  it.each([
    ['{{a.b}}', 'paths other than one plain name (a.b, ../a, this, @data, [a])'],
    ['{{../raw}}', 'paths other than one plain name (a.b, ../a, this, @data, [a])'],
    ['{{this}}', 'paths other than one plain name (a.b, ../a, this, @data, [a])'],
    ['{{@index}}', 'paths other than one plain name (a.b, ../a, this, @data, [a])'],
    ['{{[raw]}}', 'paths other than one plain name (a.b, ../a, this, @data, [a])'],
    ['{{"raw"}}', 'a literal as the name'],
    ['{{date (x)}}', 'subexpressions'],
    ['{{#x}}y{{/x}}', 'blocks, partials and decorators'],
  ])('refused on purpose: %j (%s)', (template, reason) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError);
    expect(run(handlebars, template).ok).toBe(true);
    expect(refusedOnPurpose(template)).toBe(reason);
  });

  // Cases where the hand-written parser and Handlebars once differed, fixed to Handlebars' behaviour.
  it.each([
    [' {{~{branch}~}} ', 'branch(|)'],
    ['{{! c }} ', ''],
    ['  {{!-- c --}}\n{{raw}}', 'raw(|)'],
    ['{{!--}}x', 'x'],
    // JSON shows the kept backslash as \\.
    ['{{date "it\\\'s"}}', 'date(&quot;it\\\\&#x27;s&quot;|)'],
  ])('%j renders %j, as in Handlebars', (template, expected) => {
    expect(ours(template)).toBe(expected);
    expect(handlebars(template)).toBe(expected);
  });

  it.each(['{{raw}}}', '{{raw}}}}', '{{{raw}}}}', '{{{~raw}}}', '{{{raw~}}}'])(
    '%j is refused, as in Handlebars',
    (t) => {
      expect(() => parseTemplate(t)).toThrow(TemplateError);
      expect(run(handlebars, t).ok).toBe(false);
    },
  );

  it('" {{~raw}}" is no raw statement: metadata-action looks before whitespace control', () => {
    expect(isRawStatement(' {{~raw}}')).toBe(false);
    expect(metadataActionIsRaw(' {{~raw}}')).toBe(false);
  });
});
