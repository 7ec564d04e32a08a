// Parity: src/meta/datefmt.ts against moment-timezone, which metadata-action's {{date 'format' tz='Zone'}} and
// {{commit_date ...}} run as moment(date).tz(tz).format(format) (its src/meta.ts). Ours takes the time zones
// from Intl (the runner's Node), moment-timezone from the tz database copy it ships (0.6.6: 2026f; Node 20.20's
// ICU: 2025c). Where the copies agree, so do the outputs; they differ from 2026 on (British Columbia's, Morocco's
// and Cuba's new rules are in 2026f only), so the sweeps stop at 2025, and in the few zones of TZDATA_DIFFERS.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import moment from 'moment-timezone';
import { formatDate, isTimeZone, unsupportedDateToken } from '../../src/meta/datefmt.js';
import { dateFormatLike, MOMENT_TOKENS, random } from './vectors/generated.js';

const library = (date: Date, format: string | undefined, tz: string) => moment(date).tz(tz).format(format);

// Zones with odd offsets (half and quarter hours, +14, -12), half-hour daylight time (Lord Howe), southern
// daylight time, a changing one (Casablanca) and a name in lower case.
const ZONES = [
  ...['UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'],
  ...['America/St_Johns', 'Europe/London', 'Asia/Kathmandu', 'Etc/GMT+12', 'Pacific/Kiritimati', 'asia/tokyo'],
  ...['Europe/Berlin', 'America/Sao_Paulo', 'Africa/Casablanca'],
];
const rnd = random(440);
const FROM = Date.UTC(1990, 0, 1);
const TO = Date.UTC(2025, 11, 31);
const DATES = [
  ...Array.from({ length: 150 }, () => new Date(FROM + Math.floor(rnd() * (TO - FROM)))),
  // metadata-action's frozen test date; year and week-year boundaries; a leap day; DST changes in New York.
  ...['2020-01-10T00:30:00Z', '2021-01-01T00:00:00Z', '2020-12-31T23:59:59.999Z', '2019-12-30T12:00:00Z'],
  ...['2024-02-29T12:00:00Z', '2024-03-10T07:00:00Z', '2024-11-03T05:30:00Z', '2000-01-01T00:00:00.5Z'],
].map((d) => (typeof d === 'string' ? new Date(d) : d));
const FORMATS = [...MOMENT_TOKENS, ...dateFormatLike(440, 3000)];

// Zones where the two tz database copies disagree on when a change happened (Moldova's changes since 2022 by an
// hour, Colombia's of 1992, Iran's of 1979): not a difference of the code, so they are compared only when
// Node's copy is the one moment-timezone ships. Another Node may show others: add them here, with the reason.
const TZDATA_DIFFERS = ['America/Bogota', 'Asia/Tehran', 'Iran', 'Europe/Chisinau', 'Europe/Tiraspol'];
const sameTzData = process.versions.tz === moment.tz.dataVersion;

describe('date parity with moment-timezone', () => {
  it('every token alone and 3,000 generated formats, 5 of them on each of 158 dates in 15 zones', () => {
    const differ: string[] = [];
    let compared = 0;
    for (const date of DATES)
      for (const tz of ZONES)
        for (let k = 0; k < 5; k++) {
          const format = FORMATS[Math.floor(rnd() * FORMATS.length)];
          compared++;
          const [ours, theirs] = [formatDate(date, format, tz), library(date, format, tz)];
          if (ours !== theirs)
            differ.push(`${JSON.stringify(format)} ${date.toISOString()} ${tz}: ${ours} ≠ ${theirs}`);
        }
    expect(differ).toEqual([]);
    expect(compared).toBe(DATES.length * ZONES.length * 5);
  });

  it('every token alone, in every zone of the list, on each date', () => {
    const differ = MOMENT_TOKENS.flatMap((format) =>
      DATES.slice(-8).flatMap((date) =>
        ZONES.filter((tz) => formatDate(date, format, tz) !== library(date, format, tz)).map((tz) => `${format} ${tz}`),
      ),
    );
    expect(differ).toEqual([]);
  });

  it("metadata-action's formats, and its default when there is none ({{date YYYY-MM-DD}} gives undefined)", () => {
    const date = new Date('2020-01-10T00:30:00Z');
    const formats = ['YYYYMMDD', 'YYYYMMDD-HHmmss', 'YYYY-MM-DD', 'YYYY-MM-DDTHH:mm:ss.SSS[Z]', undefined, ''];
    for (const tz of ['UTC', 'Asia/Tokyo', 'Europe/London'])
      for (const format of formats)
        expect([format, tz, formatDate(date, format, tz)]).toEqual([format, tz, library(date, format, tz)]);
    expect(formatDate(date, undefined, 'UTC')).toBe('2020-01-10T00:30:00Z');
    expect(formatDate(date, undefined, 'Asia/Tokyo')).toBe('2020-01-10T09:30:00+09:00');
  });

  it('every zone moment-timezone knows: the same name check, and the same offsets at each change, 1970 to 2025', () => {
    const differ: string[] = [];
    let compared = 0;
    const seen = new Set<string>();
    for (const tz of moment.tz.names()) {
      if (!isTimeZone(tz)) differ.push(`${tz}: not a time zone here`);
      if (!sameTzData && TZDATA_DIFFERS.includes(tz)) continue;
      // A link (US/Pacific) has its zone's data: each set of data is swept once, under its first name.
      const zone = moment.tz.zone(tz)!;
      const data = JSON.stringify([zone.untils, zone.offsets]);
      if (seen.has(data)) continue;
      seen.add(data);
      // A minute before and after each of the zone's transitions in moment-timezone's data, and a day every 2 years.
      const untils = zone.untils.filter((t) => t >= Date.UTC(1970, 0, 1) && t < Date.UTC(2026, 0, 1));
      const yearly = Array.from({ length: 28 }, (_, y) => Date.UTC(1970 + 2 * y, y % 12, 1 + y, y % 24));
      for (const t of [...untils.flatMap((u) => [u - 6e4, u + 6e4]), ...yearly]) {
        const date = new Date(t);
        const [ours, theirs] = [formatDate(date, 'YYYY-MM-DD HH:mm Z', tz), library(date, 'YYYY-MM-DD HH:mm Z', tz)];
        compared++;
        if (ours !== theirs) differ.push(`${tz} ${date.toISOString()}: ${ours} ≠ ${theirs}`);
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(30000);
  });

  it.each([
    'utc',
    'GMT',
    'Etc/UTC',
    'EST5EDT',
    'US/Pacific',
    'UTC+5',
    '+05:30',
    'Z',
    'local',
    'Asia/Tokio',
    'Factory',
    '',
  ])('isTimeZone(%j) answers as moment-timezone has the zone', (tz) => {
    expect(isTimeZone(tz)).toBe(moment.tz.zone(tz) !== null);
  });
});

describe('where ours differs on purpose', () => {
  const date = new Date('2020-01-10T00:30:00Z');
  const quiet = jest.spyOn(console, 'error');
  // moment-timezone logs an unknown zone with console.error.
  beforeAll(() => {
    quiet.mockImplementation(() => undefined);
  });
  afterAll(() => {
    quiet.mockRestore();
  });

  it('z and zz are refused: zone abbreviations come from the tz copy in moment, Intl has other names', () => {
    expect(unsupportedDateToken('YYYY z')).toBe('z');
    expect(unsupportedDateToken('zz')).toBe('zz');
    expect(library(date, 'z', 'Asia/Tokyo')).toBe('JST');
    const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', timeZoneName: 'short' }).formatToParts(
      date,
    );
    expect(intl.find((p) => p.type === 'timeZoneName')?.value).toBe('GMT+9');
  });

  it('an unknown zone is refused when the config is read; moment-timezone logs and formats in local time', () => {
    expect(isTimeZone('Asia/Tokio')).toBe(false);
    expect(library(date, undefined, 'Asia/Tokio')).toBe(moment(date).format());
    expect(quiet).toHaveBeenCalledWith(expect.stringContaining('no data for Asia/Tokio'));
  });
});
