// The part of Handlebars that metadata-action's tag, flavor and label expressions use: {{name}}, {{{name}}} and
// {{&name}} (unescaped), {{name 'arg' key='value'}}, comments, \{{ escapes and ~ whitespace control. Parsing is
// strict so that a typo is reported when the config is read instead of silently rendering as "".

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

// Handlebars' ID token: anything but whitespace and its punctuation; "-" and ":" are allowed, so a bare
// YYYY-MM-DD is one (unresolvable) path.
const ID = /^[^\s!"#%-,./;->@[-^`{-~]+/;
const STRING = /^(?:"((?:\\"|[^"])*)"|'((?:\\'|[^'])*)')/;
const OTHER = /^(?:-?[0-9]+(?:\.[0-9]+)?|true|false|null|undefined)(?=[~}\s)]|$)/;

/** Parses a template; throws TemplateError with a short message. */
export function parseTemplate(src: string): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let text = '';
  let stripNext = false;
  const pushText = () => {
    if (text) nodes.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let chunk = open < 0 ? src.slice(i) : src.slice(i, open);
    if (stripNext) {
      chunk = chunk.replace(/^\s+/, '');
      stripNext = false;
    }
    if (open < 0) {
      text += chunk;
      break;
    }
    if (chunk.endsWith('\\') && !chunk.endsWith('\\\\')) {
      // \{{ is literal text up to the next {{ (Handlebars' "emu" state).
      text += chunk.slice(0, -1);
      let end = open + 2;
      while (
        end < src.length &&
        !src.startsWith('{{', end) &&
        !src.startsWith('\\{{', end) &&
        !src.startsWith('\\\\{{', end)
      )
        end++;
      text += src.slice(open, end);
      i = end;
      continue;
    }
    text += chunk.endsWith('\\\\') ? chunk.slice(0, -1) : chunk;
    const parsed = parseMustache(src, open);
    if (parsed.stripBefore) text = text.replace(/\s+$/, '');
    pushText();
    nodes.push(parsed.node);
    stripNext = parsed.stripAfter;
    i = parsed.end;
  }
  pushText();
  return nodes;
}

function parseMustache(
  src: string,
  at: number,
): { node: TemplateNode; end: number; stripBefore: boolean; stripAfter: boolean } {
  const triple = src.startsWith('{{{', at);
  let i = at + (triple ? 3 : 2);
  const stripBefore = src[i] === '~';
  if (stripBefore) i++;
  if (!triple && src.startsWith('!', i)) {
    const long = src.startsWith('!--', i);
    const m = (long ? /--~?\}\}/ : /\}\}/).exec(src.slice(i + (long ? 3 : 1)));
    if (!m) throw new TemplateError('unterminated {{! comment');
    const end = i + (long ? 3 : 1) + m.index + m[0].length;
    return { node: { kind: 'comment' }, end, stripBefore, stripAfter: src[end - 3] === '~' };
  }
  let escaped = !triple;
  if (!triple && src[i] === '&') {
    escaped = false;
    i++;
  }
  if (!triple && /^[#/^>*]|^else\b/.test(src.slice(i))) {
    throw new TemplateError('block helpers, partials and {{else}} are not supported');
  }
  const close = triple ? '}}}' : '}}';
  if (src.indexOf(close, i) < 0) throw new TemplateError(`unterminated ${triple ? '{{{' : '{{'}`);
  const params: Param[] = [];
  const hash = new Map<string, Param>();
  let name: string | undefined;
  for (;;) {
    const ws = /^\s*/.exec(src.slice(i))![0];
    i += ws.length;
    if (i >= src.length) throw new TemplateError(`unterminated ${triple ? '{{{' : '{{'}`);
    const stripAfter = src.startsWith(`~${close}`, i);
    if (stripAfter || src.startsWith(close, i)) {
      const end = i + (stripAfter ? 1 : 0) + close.length;
      const source = src.slice(at, end);
      if (name === undefined) throw new TemplateError(`empty expression ${source}`);
      return { node: { kind: 'mustache', name, params, hash, escaped, source }, end, stripBefore, stripAfter };
    }
    const rest = src.slice(i);
    const key = /^([^\s!"#%-,./;->@[-^`{-~]+)\s*=\s*/.exec(rest);
    const valueAt = key ? i + key[0].length : i;
    const [param, length] = readParam(src.slice(valueAt), src.slice(at));
    if (key) {
      hash.set(key[1], param);
    } else if (name === undefined) {
      if (param.kind !== 'path') throw new TemplateError(`unsupported expression ${snippet(src.slice(at))}`);
      name = param.value;
    } else {
      if (hash.size) throw new TemplateError(`positional argument after key=value in ${snippet(src.slice(at))}`);
      params.push(param);
    }
    i = valueAt + length;
  }
}

function readParam(rest: string, whole: string): [Param, number] {
  const str = STRING.exec(rest);
  if (str) return [{ kind: 'string', value: (str[1] ?? str[2]).replace(/\\(["'])/g, '$1') }, str[0].length];
  if (/^["']/.test(rest)) throw new TemplateError(`unterminated string in ${snippet(whole)}`);
  const other = OTHER.exec(rest);
  if (other) return [{ kind: 'other', value: other[0] }, other[0].length];
  const id = ID.exec(rest);
  // A path must end where Handlebars' lookahead allows: otherwise it is a dotted path, subexpression, etc.
  if (id && /^(?:[~}\s]|$)/.test(rest.slice(id[0].length))) return [{ kind: 'path', value: id[0] }, id[0].length];
  throw new TemplateError(`unsupported expression ${snippet(whole)}`);
}

function snippet(s: string): string {
  const end = s.indexOf('}}');
  return end >= 0 ? s.slice(0, end + 2) : s;
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

/** metadata-action's isRawStatement: the pattern is exactly one {{raw}} expression. */
export function isRawStatement(pattern: string): boolean {
  try {
    const nodes = parseTemplate(pattern);
    return nodes.length === 1 && nodes[0].kind === 'mustache' && nodes[0].name === 'raw';
  } catch {
    return false;
  }
}
