// Parity: splitFields() of src/meta/tagparse.ts against csv-parse, which metadata-action reads each tags: and
// flavor: entry with: parse(entry, { relaxColumnCount: true, skipEmptyLines: true })[0] (its src/tag.ts and
// src/flavor.ts). The same fields, or an error where csv-parse throws one, of the matching kind.
import { describe, expect, it } from '@jest/globals';
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { splitFields } from '../../src/meta/tagparse.js';
import { csvLike } from './vectors/generated.js';
import { FLAVOR_ENTRIES, TAG_ENTRIES } from './vectors/metadata-action.js';

type Read = { fields: string[] } | { error: string };

function library(line: string): Read {
  try {
    // A line that is only line breaks has no record: metadata-action then fails on undefined.
    return { fields: parse(line, { relaxColumnCount: true, skipEmptyLines: true })[0] ?? [] };
  } catch (err: unknown) {
    if (err instanceof CsvError) return { error: err.code };
    throw err;
  }
}

// Our message for each csv-parse error code.
const MESSAGES: Record<string, RegExp> = {
  CSV_QUOTE_NOT_CLOSED: /^unclosed quote$/,
  CSV_INVALID_CLOSING_QUOTE: /^unexpected ".*" after a closing quote$/,
  // (csv-parse 7 names this one without the CSV_ prefix.)
  INVALID_OPENING_QUOTE: /^a quote inside a field/,
};

const breaks = (line: string) => /[\r\n]/.test(line);

function differences(lines: string[]): string[] {
  return lines
    .filter((line) => !breaks(line))
    .filter((line) => {
      const [a, b] = [splitFields(line), library(line)];
      if ('error' in b) return !('error' in a) || !MESSAGES[b.error]?.test(a.error);
      return 'error' in a || JSON.stringify(a.fields) !== JSON.stringify(b.fields);
    });
}

const fromMetadataAction = [...TAG_ENTRIES, ...FLAVOR_ENTRIES];
const rfc4180 = [
  'a,b',
  '"a,b",c',
  '"a""b"',
  '""',
  '"",""',
  'a,',
  ',',
  '"a"',
  '"a" ',
  ' "a"',
  'a"b',
  '"a"b',
  '"a',
  'a,"b',
];
const generated = csvLike(440, 20000);

describe('CSV parity with csv-parse', () => {
  it.each([
    ["metadata-action's tags and flavor entries", fromMetadataAction],
    ['quoting cases of RFC 4180', rfc4180],
    ['generated (seed 440)', generated],
  ])('%s: the same fields, or an error of the same kind', (_name, lines) => {
    expect(differences(lines)).toEqual([]);
  });

  it('the generated entries hold fields and each kind of error', () => {
    const read = generated.filter((line) => !breaks(line)).map(library);
    expect(read.filter((r) => 'fields' in r && r.fields.length > 2).length).toBeGreaterThan(300);
    for (const code of Object.keys(MESSAGES))
      expect(read.filter((r) => 'error' in r && r.error === code).length).toBeGreaterThan(100);
  });

  // On purpose: an entry is one line. csv-parse ends the record at a line break and metadata-action keeps the
  // first non-empty one, dropping the rest without a word; here it is an error.
  it.each([
    ['type=raw,value=a\ntype=raw,value=b', ['type=raw', 'value=a']],
    ['\rtype=raw,value=b', ['type=raw', 'value=b']],
    ['type=raw,"value=a\nb"', ['type=raw', 'value=a\nb']],
  ])('a line break in %j is refused; csv-parse reads %j', (line, first) => {
    expect(splitFields(line)).toEqual({ error: 'a line break inside an entry is not allowed' });
    expect(library(line)).toEqual({ fields: first });
  });

  it('the generated entries with line breaks are all refused', () => {
    const withBreaks = generated.filter(breaks);
    expect(withBreaks.length).toBeGreaterThan(1000);
    expect(withBreaks.filter((line) => !('error' in splitFields(line)))).toEqual([]);
  });
});
