// moment-timezone's `moment(date).tz(zone).format(format)` for the default "en" locale, which is what
// metadata-action's {{date 'format' tz='Zone'}} and {{commit_date ...}} run. Time zones come from Intl.
// Why not moment-timezone itself: 936 KB of bundle (moment and its 729 KB copy of the tz database) against
// 9 KB, and a first call of 43 ms against 7 ms in UTC, 41 against 27 ms in Asia/Tokyo, where Intl loads the
// zone (medians, bench/lib-cost.mjs). Parity: test/unit/parity-datefmt.test.ts compares both on every token and
// 3,000 generated formats in 15 zones, and on every zone's changes from 1970 to 2025: they differ only where the
// tz database copies do (moment-timezone's against the one in the runner's Node), and on z/zz, refused here.

// moment's own tokenizer, unchanged, so that the same format string splits into the same tokens (including its
// quirks: a single character that happens to be a token, e.g. "a", is formatted even via the "." branch).
const FORMATTING_TOKENS =
  /(\[[^[]*\])|(\\)?([Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)/g;
const LOCAL_FORMATTING_TOKENS = /(\[[^[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})/g;
const LONG_DATE_FORMATS: Record<string, string> = {
  LTS: 'h:mm:ss A',
  LT: 'h:mm A',
  L: 'MM/DD/YYYY',
  LL: 'MMMM D, YYYY',
  LLL: 'MMMM D, YYYY h:mm A',
  LLLL: 'dddd, MMMM D, YYYY h:mm A',
  l: 'M/D/YYYY',
  ll: 'MMM D, YYYY',
  lll: 'MMM D, YYYY h:mm A',
  llll: 'ddd, MMM D, YYYY h:mm A',
};
// Zone abbreviations come from the tz database in moment-timezone; Intl does not give the same strings.
const UNSUPPORTED = new Set(['z', 'zz']);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Fields {
  year: number;
  month: number;
  date: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC, as moment's utcOffset(). */
  offset: number;
  epochMs: number;
}

type TokenFn = (f: Fields) => string | number;
const TOKENS: Record<string, TokenFn> = {};

function zeroFill(n: number, width: number, forceSign = false): string {
  const abs = String(Math.abs(n));
  return (n >= 0 ? (forceSign ? '+' : '') : '-') + '0'.repeat(Math.max(0, width - abs.length)) + abs;
}

function ordinal(n: number): string {
  const b = n % 10;
  const suffix = Math.trunc((n % 100) / 10) === 1 ? 'th' : b === 1 ? 'st' : b === 2 ? 'nd' : b === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

// Mirrors moment's addFormatToken(token, [padded, width, sign], ordinal, fn).
function add(
  token: string | 0,
  padded: [string, number, boolean?] | 0,
  ord: string | 0,
  fn: (f: Fields) => number,
): void {
  if (token) TOKENS[token] = fn;
  if (padded) TOKENS[padded[0]] = (f) => zeroFill(fn(f), padded[1], padded[2]);
  if (ord) TOKENS[ord] = (f) => ordinal(fn(f));
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const dayOfYear = (f: Fields) => Math.round((Date.UTC(f.year, f.month, f.date) - Date.UTC(f.year, 0, 1)) / 864e5) + 1;

// moment's weekOfYear(): dow is the first day of the week, doy decides which January day is always in week 1.
function firstWeekOffset(year: number, dow: number, doy: number): number {
  const fwd = 7 + dow - doy;
  const fwdlw = (7 + new Date(Date.UTC(year, 0, fwd)).getUTCDay() - dow) % 7;
  return -fwdlw + fwd - 1;
}
function weeksInYear(year: number, dow: number, doy: number): number {
  return ((isLeap(year) ? 366 : 365) - firstWeekOffset(year, dow, doy) + firstWeekOffset(year + 1, dow, doy)) / 7;
}
function weekOfYear(f: Fields, dow: number, doy: number): { week: number; year: number } {
  const week = Math.floor((dayOfYear(f) - firstWeekOffset(f.year, dow, doy) - 1) / 7) + 1;
  if (week < 1) return { year: f.year - 1, week: week + weeksInYear(f.year - 1, dow, doy) };
  const inYear = weeksInYear(f.year, dow, doy);
  return week > inYear ? { year: f.year + 1, week: week - inYear } : { year: f.year, week };
}
// The "en" locale: weeks start on Sunday and the week with January 1st is week 1; ISO: Monday and January 4th.
const localeWeek = (f: Fields) => weekOfYear(f, 0, 6);
const isoWeek = (f: Fields) => weekOfYear(f, 1, 4);

add('M', ['MM', 2], 'Mo', (f) => f.month + 1);
TOKENS.MMM = (f) => MONTHS[f.month].slice(0, 3);
TOKENS.MMMM = (f) => MONTHS[f.month];
add('D', ['DD', 2], 'Do', (f) => f.date);
add('DDD', ['DDDD', 3], 'DDDo', dayOfYear);
add('d', 0, 'do', (f) => f.day);
TOKENS.dd = (f) => DAYS[f.day].slice(0, 2);
TOKENS.ddd = (f) => DAYS[f.day].slice(0, 3);
TOKENS.dddd = (f) => DAYS[f.day];
add('e', 0, 0, (f) => f.day);
add('E', 0, 0, (f) => f.day || 7);
add('w', ['ww', 2], 'wo', (f) => localeWeek(f).week);
add('W', ['WW', 2], 'Wo', (f) => isoWeek(f).week);
add(0, ['gg', 2], 0, (f) => localeWeek(f).year % 100);
add(0, ['gggg', 4], 0, (f) => localeWeek(f).year);
add(0, ['ggggg', 5], 0, (f) => localeWeek(f).year);
add(0, ['GG', 2], 0, (f) => isoWeek(f).year % 100);
add(0, ['GGGG', 4], 0, (f) => isoWeek(f).year);
add(0, ['GGGGG', 5], 0, (f) => isoWeek(f).year);
add('Q', 0, 'Qo', (f) => Math.ceil((f.month + 1) / 3));
TOKENS.Y = (f) => (f.year <= 9999 ? zeroFill(f.year, 4) : `+${f.year}`);
add(0, ['YY', 2], 0, (f) => f.year % 100);
add(0, ['YYYY', 4], 0, (f) => f.year);
add(0, ['YYYYY', 5], 0, (f) => f.year);
add(0, ['YYYYYY', 6, true], 0, (f) => f.year);
// Eras of the "en" locale, for years after 1 BC (the only ones a build date can have).
for (const t of ['N', 'NN', 'NNN', 'NNNNN']) TOKENS[t] = () => 'AD';
TOKENS.NNNN = () => 'Anno Domini';
add('y', ['y', 1], 'yo', (f) => f.year);
for (const width of [2, 3, 4]) add(0, ['y'.repeat(width), width], 0, (f) => f.year);
add('H', ['HH', 2], 0, (f) => f.hour);
add('h', ['hh', 2], 0, (f) => f.hour % 12 || 12);
add('k', ['kk', 2], 0, (f) => f.hour || 24);
TOKENS.hmm = (f) => `${f.hour % 12 || 12}${zeroFill(f.minute, 2)}`;
TOKENS.hmmss = (f) => `${f.hour % 12 || 12}${zeroFill(f.minute, 2)}${zeroFill(f.second, 2)}`;
TOKENS.Hmm = (f) => `${f.hour}${zeroFill(f.minute, 2)}`;
TOKENS.Hmmss = (f) => `${f.hour}${zeroFill(f.minute, 2)}${zeroFill(f.second, 2)}`;
TOKENS.a = (f) => (f.hour > 11 ? 'pm' : 'am');
TOKENS.A = (f) => (f.hour > 11 ? 'PM' : 'AM');
add('m', ['mm', 2], 0, (f) => f.minute);
add('s', ['ss', 2], 0, (f) => f.second);
add('S', 0, 0, (f) => Math.trunc(f.ms / 100));
add(0, ['SS', 2], 0, (f) => Math.trunc(f.ms / 10));
for (let width = 3; width <= 9; width++) add(0, ['S'.repeat(width), width], 0, (f) => f.ms * 10 ** (width - 3));
const offsetToken = (sep: string) => (f: Fields) => {
  const sign = f.offset < 0 ? '-' : '+';
  const abs = Math.abs(f.offset);
  return sign + zeroFill(Math.trunc(abs / 60), 2) + sep + zeroFill(Math.trunc(abs) % 60, 2);
};
TOKENS.Z = offsetToken(':');
TOKENS.ZZ = offsetToken('');
TOKENS.X = (f) => Math.floor(f.epochMs / 1000);
TOKENS.x = (f) => f.epochMs;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` names a time zone (IANA names, case-insensitive, as moment-timezone accepts them). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function fields(date: Date, tz: string): Fields {
  const epochMs = date.getTime();
  let offsetMs = 0;
  if (tz.toUpperCase() !== 'UTC') {
    const parts: Record<string, number> = {};
    for (const p of formatter(tz).formatToParts(date)) parts[p.type] = Number(p.value);
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    offsetMs = wall - (epochMs - (((epochMs % 1000) + 1000) % 1000));
  }
  const local = new Date(epochMs + offsetMs);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth(),
    date: local.getUTCDate(),
    day: local.getUTCDay(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    ms: local.getUTCMilliseconds(),
    offset: offsetMs / 60000,
    epochMs,
  };
}

function expand(format: string): string {
  // moment expands locale formats (LT, LL, ...) up to six times, since one may contain another.
  let out = format;
  for (let i = 0; i < 6 && new RegExp(LOCAL_FORMATTING_TOKENS.source).test(out); i++) {
    out = out.replace(LOCAL_FORMATTING_TOKENS, (m) => LONG_DATE_FORMATS[m] ?? m);
  }
  return out;
}

function tokens(format: string): string[] {
  return expand(format).match(FORMATTING_TOKENS) ?? [];
}

// A bracketed literal loses its brackets; elsewhere backslashes only escape.
function literal(token: string): string {
  return /\[[\s\S]/.test(token) ? token.replace(/^\[|\]$/g, '') : token.replace(/\\/g, '');
}

/** The first format token that cannot be rendered exactly like moment-timezone would, if any. */
export function unsupportedDateToken(format: string): string | undefined {
  return tokens(format).find((t) => UNSUPPORTED.has(t));
}

/**
 * Formats like moment-timezone; an undefined or empty format gives moment's default, which ends in "Z" at UTC
 * offset 0 and in "+hh:mm" elsewhere.
 */
export function formatDate(date: Date, format: string | undefined, tz: string): string {
  const f = fields(date, tz);
  const fmt = format || (f.offset === 0 ? 'YYYY-MM-DDTHH:mm:ss[Z]' : 'YYYY-MM-DDTHH:mm:ssZ');
  return tokens(fmt)
    .map((t) => {
      const fn = TOKENS[t];
      return fn ? String(fn(f)) : literal(t);
    })
    .join('');
}
