// The part of Handlebars that metadata-action's tag, flavor and label expressions use: {{name}}, {{{name}}} and
// {{&name}} (unescaped), {{name 'arg' key='value'}}, comments, \{{ escapes, ~ whitespace control and the
// "standalone" whitespace rule for comments. It lexes as Handlebars' tokenizer does (handlebars.l: the same
// token patterns, in the same order), so that what it accepts renders as Handlebars renders it, and it refuses
// the rest of Handlebars (blocks, partials, paths like a.b or ../a, @data, subexpressions, literal names) so
// that a typo is reported when the config is read instead of silently rendering as "".
// Why not Handlebars itself: 765 KB of bundle (its parser, compiler and source-map) against 11.5 KB, and an
// import of 29 ms against 5.5 ms (medians, bench/lib-cost.mjs), for the few constructs above. Parity:
// test/unit/parity-template.test.ts runs both on Handlebars' own spec templates, metadata-action's and 10,000
// generated ones, and lists what is refused on purpose.

export interface Param {
  /** string: a quoted literal; path: a bare word (Handlebars looks it up, and finds nothing); other: number etc. */
  kind: 'string' | 'path' | 'other';
  value: string;
}

export interface Mustache {
  kind: 'mustache';
  name: string;
  params: Param[];
  hash: Map<string, Param>;
  /** Handlebars HTML-escapes {{x}} output but not {{{x}}} or {{&x}}; metadata-action inherits that. */
  escaped: boolean;
  /** The expression as written, for messages. */
  source: string;
}

export type TemplateNode = { kind: 'text'; text: string } | { kind: 'comment' } | Mustache;

export class TemplateError extends Error {}

/** ~ at the opening or closing braces: strip all whitespace before or after. */
interface Strip {
  open: boolean;
  close: boolean;
}

// What the lexer produces, before whitespace control: Handlebars' ContentStatement, CommentStatement and
// MustacheStatement, with the flags its whitespace control keeps per content node.
type Lexed =
  | { kind: 'text'; original: string; value: string; leftStripped: boolean; rightStripped: boolean }
  | { kind: 'comment'; strip: Strip }
  | { kind: 'mustache'; node: Mustache; strip: Strip };

// Handlebars' ID token: anything but whitespace and its punctuation; "-" and ":" are allowed, so a bare
// YYYY-MM-DD is one (unresolvable) path. It and the literals must be followed by a character of their lookahead
// (or the end, so that "{{branch" is reported as unterminated).
const ID = /^[^\s!"#%-,./;->@[-^`{-~]+(?=[=~}\s/.)|]|$)/;
const STRING = /^(?:"((?:\\"|[^"])*)"|'((?:\\'|[^'])*)')/;
const LITERAL = /^(?:true|false|undefined|null|-?[0-9]+(?:\.[0-9]+)?)(?=[~}\s)]|$)/;
// Openings that start what is not supported: blocks and their parts ({{#x}}, {{/x}}, {{^x}}, {{else}}),
// partials ({{>x}}, {{#>x}}) and decorators ({{*x}}, {{#*x}}).
const BLOCK = /^\{\{~?(?:>|#|\/|\^|\s*else\b|\*)/;

/** Parses a template; throws TemplateError with a short message. */
export function parseTemplate(src: string): TemplateNode[] {
  return whitespaceControl(lex(src)).flatMap((n): TemplateNode[] => {
    if (n.kind === 'text') return n.value ? [{ kind: 'text', text: n.value }] : [];
    return [n.kind === 'comment' ? { kind: 'comment' } : n.node];
  });
}

function lex(src: string): Lexed[] {
  // Handlebars' content patterns exclude NUL, which no tag or label has a use for.
  if (src.includes('\0')) throw new TemplateError('a NUL character is not allowed');
  const out: Lexed[] = [];
  const text = (original: string) => {
    if (original) out.push({ kind: 'text', original, value: original, leftStripped: false, rightStripped: false });
  };
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      text(src.slice(i));
      break;
    }
    const chunk = src.slice(i, open);
    if (chunk.endsWith('\\') && !chunk.endsWith('\\\\')) {
      // \{{ is literal text up to the next {{, \{{ or \\{{ (Handlebars' "emu" state), as a content node of its own.
      text(chunk.slice(0, -1));
      let end = open + 2;
      while (end < src.length && !/^(?:\{\{|\\\{\{|\\\\\{\{)/.test(src.slice(end, end + 4))) end++;
      text(src.slice(open, end));
      i = end;
      continue;
    }
    // \\{{ is one backslash, then a mustache.
    text(chunk.endsWith('\\\\') ? chunk.slice(0, -1) : chunk);
    const [node, end] = lexMustache(src, open);
    out.push(node);
    i = end;
  }
  return out;
}

function lexMustache(src: string, at: number): [Lexed, number] {
  const rest = src.slice(at);
  if (rest.startsWith('{{{{')) throw new TemplateError('raw blocks {{{{ are not supported');
  if (BLOCK.test(rest)) throw new TemplateError('block helpers, partials and {{else}} are not supported');
  const comment = /^\{\{(~)?!(--)?/.exec(rest);
  if (comment) {
    // A long comment's end is looked for from its opening "--" on, as Handlebars does: {{!--}} is a whole one.
    const body = comment[0].length - (comment[2] ? 2 : 0);
    const close = (comment[2] ? /--~?\}\}/ : /\}\}/).exec(rest.slice(body));
    if (!close) throw new TemplateError('unterminated {{! comment');
    const end = body + close.index + close[0].length;
    return [{ kind: 'comment', strip: { open: !!comment[1], close: rest[end - 3] === '~' } }, at + end];
  }
  const opening = /^\{\{(~)?([{&]?)/.exec(rest)!;
  const triple = opening[2] === '{';
  const escaped = opening[2] === '';
  let i = at + opening[0].length;
  const params: Param[] = [];
  const hash = new Map<string, Param>();
  let name: string | undefined;
  for (;;) {
    i += /^\s*/.exec(src.slice(i))![0].length;
    if (i >= src.length) throw new TemplateError(`unterminated ${triple ? '{{{' : '{{'}`);
    const here = src.slice(i);
    // Handlebars tries "}}}}", then "}~}}" / "}}}" (closes {{{), then "~}}" / "}}" (closes {{), in that order.
    const closeTriple = /^\}(~)?\}\}/.exec(here);
    const close = /^(~)?\}\}/.exec(here);
    if (here.startsWith('}}}}') || (closeTriple && !triple)) {
      throw new TemplateError(`a "}" right after the "}}" of ${src.slice(at, i + 2)} (Handlebars reads "}}}" there)`);
    }
    const closing = triple ? closeTriple : close;
    if (!closing && close) throw new TemplateError('unterminated {{{');
    if (closing) {
      const end = i + closing[0].length;
      const source = src.slice(at, end);
      if (name === undefined) throw new TemplateError(`empty expression ${source}`);
      const node: Mustache = { kind: 'mustache', name, params, hash, escaped, source };
      return [{ kind: 'mustache', node, strip: { open: !!opening[1], close: !!closing[1] } }, end];
    }
    const [param, length] = readParam(here, src.slice(at));
    i += length;
    const equals = /^\s*=\s*/.exec(src.slice(i));
    if (equals) {
      // A hash key is an ID; a literal or a string before "=" is a Handlebars parse error.
      if (param.kind !== 'path' || name === undefined)
        throw new TemplateError(`unsupported expression ${snippet(src.slice(at))}`);
      i += equals[0].length;
      const [value, valueLength] = readParam(src.slice(i), src.slice(at));
      hash.set(param.value, notThis(value, src.slice(at)));
      i += valueLength;
    } else if (notThis(param, src.slice(at)) && name === undefined) {
      if (param.kind !== 'path') throw new TemplateError(`unsupported expression ${snippet(src.slice(at))}`);
      name = param.value;
    } else {
      if (hash.size) throw new TemplateError(`positional argument after key=value in ${snippet(src.slice(at))}`);
      params.push(param);
    }
  }
}

function readParam(rest: string, whole: string): [Param, number] {
  const str = STRING.exec(rest);
  // Each kind of quote unescapes only itself: "it\'s" keeps its backslash, as in Handlebars.
  if (str)
    return [
      { kind: 'string', value: str[1] !== undefined ? str[1].replace(/\\"/g, '"') : str[2].replace(/\\'/g, "'") },
      str[0].length,
    ];
  if (/^["']/.test(rest)) throw new TemplateError(`unterminated string in ${snippet(whole)}`);
  const literal = LITERAL.exec(rest);
  if (literal) return [{ kind: 'other', value: literal[0] }, literal[0].length];
  const id = ID.exec(rest);
  // A path ends where a mustache goes on: a ".", "/", ")" or "|" after it is a dotted path, a subexpression, etc.
  if (id && /^(?:[~}\s=]|$)/.test(rest.slice(id[0].length))) return [{ kind: 'path', value: id[0] }, id[0].length];
  throw new TemplateError(`unsupported expression ${snippet(whole)}`);
}

// A bare "this" is the context itself to Handlebars, not a name (though it may be a hash key).
function notThis(param: Param, whole: string): Param {
  if (param.kind === 'path' && param.value === 'this')
    throw new TemplateError(`unsupported expression ${snippet(whole)}`);
  return param;
}

function snippet(s: string): string {
  const end = s.indexOf('}}');
  return end >= 0 ? s.slice(0, end + 2) : s;
}

/**
 * Handlebars' WhitespaceControl for a template without blocks: ~ strips all whitespace on its side, and a
 * comment alone on its line ("standalone") takes the line's indentation and line break with it.
 */
function whitespaceControl(body: Lexed[]): Lexed[] {
  const textAt = (i: number) => {
    const n = body[i];
    return n?.kind === 'text' ? n : undefined;
  };
  // Whether the content before/after body[i] ends/starts a line; the template's edges count as such.
  const prevWhitespace = (i: number): boolean => {
    if (i === 0) return true;
    const prev = textAt(i - 1);
    return !!prev && (i > 1 ? /(?:^|\S)[^\S\n]*\n\s*$/ : /^\s*$|(?:^|\S)[^\S\n]*\n\s*$/).test(prev.original);
  };
  const nextWhitespace = (i: number): boolean => {
    if (i === body.length - 1) return true;
    const next = textAt(i + 1);
    return !!next && (i + 2 < body.length ? /^\s*?\r?\n/ : /^\s*?(\r?\n|$)/).test(next.original);
  };
  const omitRight = (i: number, multiple: boolean) => {
    const n = textAt(i + 1);
    if (!n || (!multiple && n.rightStripped)) return;
    const before = n.value;
    n.value = n.value.replace(multiple ? /^\s+/ : /^[ \t]*\r?\n?/, '');
    n.rightStripped = n.value !== before;
  };
  const omitLeft = (i: number, multiple: boolean) => {
    const n = textAt(i - 1);
    if (!n || (!multiple && n.leftStripped)) return;
    const before = n.value;
    // Anchored after a non-space character: a bare /\s+$/ takes quadratic time on a long run of spaces.
    n.value = n.value.replace(multiple ? /(^|\S)\s+$/ : /(^|[^ \t])[ \t]+$/, '$1');
    n.leftStripped = n.value !== before;
  };
  body.forEach((n, i) => {
    if (n.kind === 'text') return;
    const standalone = n.kind === 'comment' && prevWhitespace(i) && nextWhitespace(i);
    if (n.strip.close) omitRight(i, true);
    if (n.strip.open) omitLeft(i, true);
    if (standalone) {
      omitRight(i, false);
      omitLeft(i, false);
    }
  });
  return body;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

/** Handlebars' escapeExpression. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]);
}

export function renderTemplate(nodes: readonly TemplateNode[], value: (m: Mustache) => string): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'mustache') out += node.escaped ? escapeHtml(value(node)) : value(node);
  }
  return out;
}

/**
 * metadata-action's isRawStatement: the pattern is exactly one {{raw}} expression, judged before whitespace
 * control as handlebars.parseWithoutProcessing() leaves it (so " {{~raw}}" is not one).
 */
export function isRawStatement(pattern: string): boolean {
  try {
    const nodes = lex(pattern);
    return nodes.length === 1 && nodes[0].kind === 'mustache' && nodes[0].node.name === 'raw';
  } catch {
    return false;
  }
}
