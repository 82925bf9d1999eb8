/**
 * Our Java-pattern formatter against Java's own output, character for character: js-joda (a port of
 * java.time) always, and the real DateTimeFormatter when a JVM is installed (it skips and says so
 * otherwise). Every letter at every count Java allows, over instants at year, week-year, leap-day,
 * midnight/noon and DST edges, in UTC and in zones with half-hour, 45-minute and DST offsets.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTimeFormatter, Instant, ZonedDateTime, ZoneId } from '@js-joda/core';
import '@js-joda/timezone';
import '@js-joda/locale_en-us';
import { Locale } from '@js-joda/locale';
import {
  compileTimestampPattern,
  evaluatePrefix,
  parsePrefix,
  TimestampPatternError,
  validatePrefixes,
} from '../../../lib/partitioning';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MAX_COUNT = 20;

const INSTANTS = [
  '2018-08-27T10:30:05.042Z', // the Firehose guide's example instant
  '2018-07-06T23:00:00Z', // the guide's year=2018/month=07/day=06/hour=23 example
  '2019-08-09T20:00:00Z', // the guide's dynamic-partitioning example
  '2024-12-28T23:59:59.999Z', // Saturday, last day of US week 52 of 2024
  '2024-12-29T00:00:00Z', // Sunday: US week-based year 2025, week 1
  '2024-12-31T12:00:00Z', // noon
  '2025-01-01T00:00:00Z', // midnight, New Year
  '2020-12-31T06:00:00.500Z', // ISO week 53 year; 06:00 starts "in the morning"
  '2021-01-02T18:00:00Z', // Saturday, still US week 1 of 2021
  '2021-01-03T21:00:00Z', // Sunday, US week 2
  '2016-01-01T00:00:00Z', // Friday New Year
  '2017-01-01T12:00:30Z', // Sunday New Year, noon
  '2024-02-29T12:00:00Z', // leap day
  '2000-02-29T11:59:59.999Z', // leap day of a century year
  '2100-03-01T00:00:00Z', // 2100 is not leap
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z', // year 0 (1 BC); year -1 west of Greenwich
  '0000-06-15T08:00:00Z',
  '0001-01-01T00:00:00Z', // AD 1
  '0099-12-31T23:59:59Z', // a two-digit year (Date.UTC would read 1999)
  '1850-06-01T12:00:00Z', // local mean time, offsets with seconds
  '9999-12-31T23:59:59.999Z', // year 10000 east of Greenwich
  '2025-03-30T00:59:59Z', // Paris: last second of winter time
  '2025-03-30T01:00:00Z', // Paris: first second of summer time
  '2025-10-26T01:30:00Z', // Paris: back to winter time
  '2025-03-09T07:00:00Z', // New York: first second of daylight time
].map((iso) => Date.parse(iso));

const ZONES = [
  'UTC',
  'Etc/UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/St_Johns',
];

/** Every `!{timestamp:...}` pattern in the Firehose guide's pages. */
const REAL_WORLD_DOCS = path.join(__dirname, '../../../../shared/reference/real-world/docs');
const GUIDE_PATTERNS = [
  ...new Set(
    readdirSync(REAL_WORLD_DOCS)
      .filter((name) => name.startsWith('firehose-'))
      .flatMap((name) =>
        [
          ...readFileSync(path.join(REAL_WORLD_DOCS, name), 'utf8').matchAll(
            /!\\?\{timestamp:([^}\\]+)\\?\}/g,
          ),
        ].map((match) => match[1] as string),
      ),
  ),
];

const COMPOUND_PATTERNS = [
  'YYYY/ww', // issue 20's example
  "YYYY-'W'ww-e",
  "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  "uuuu-MM-dd'T'HH:mm:ssZ",
  'EEE, d MMM yyyy HH:mm:ss O',
  'yyyy[-MM[-dd]]',
  "yyyy/MM/dd/HH/'hour='H[':'mm]",
  'ppH:ppm',
  'pppd ppppppppppMMMM',
  "'it''s' QQQ",
  "G yyyy, 'q'q",
  "h 'o''clock' a, B",
  'kk KK',
  'D DD DDD',
  'YY-ww w-W-F-c ccc cccc LLL LLLL qqqq qqqqq',
  'x xx xxx xxxx xxxxx X XX XXX XXXX XXXXX Z ZZ ZZZ ZZZZ ZZZZZ O OOOO',
];

/** Java's 9-17 letters js-joda does not know, and the widths 16-19 it cannot hold in a double. */
function jodaCannotAnswer(pattern: string): boolean {
  return /[gBv]/.test(pattern.replace(/'[^']*'/g, '')) || /([yuAnN])\1{15}/.test(pattern);
}

/** Java accepts 11 to 18 y, u or Y but throws on every instant (checked on OpenJDK 17); we refuse them. */
const javaCannotPrint = (run: string): boolean => /^([yuY])\1{10,17}$/.test(run);

const jodaFormatter = (pattern: string): DateTimeFormatter =>
  DateTimeFormatter.ofPattern(pattern).withLocale(Locale.US);

function jodaFormat(pattern: string, zone: string, time: number): string {
  const zoned = ZonedDateTime.ofInstant(Instant.ofEpochMilli(time), ZoneId.of(zone));
  return jodaFormatter(pattern).format(zoned);
}

function accepts(compile: () => unknown): boolean {
  try {
    compile();
    return true;
  } catch {
    return false;
  }
}

const runs = [...LETTERS].flatMap((letter) =>
  Array.from({ length: MAX_COUNT }, (_, index) => letter.repeat(index + 1)),
);
const ourRuns = runs.filter((run) => accepts(() => compileTimestampPattern(run)));

describe('which letter runs are patterns: the same as Java', () => {
  it('accepts exactly the runs js-joda accepts, plus the letters and widths js-joda lacks', () => {
    // Act
    const jodaRuns = runs.filter((run) => accepts(() => jodaFormatter(run)));
    // Assess
    expect(ourRuns.filter((run) => !jodaRuns.includes(run))).toEqual(ourRuns.filter(jodaCannotAnswer));
    expect(jodaRuns.filter((run) => !ourRuns.includes(run))).toEqual(
      runs.filter((run) => javaCannotPrint(run) && !jodaCannotAnswer(run)),
    );
    expect(ourRuns.length).toBeGreaterThan(200);
  });

  it.each(['b', 'C', 'f', 'I', 'j', 'J', 'l', 'o', 'P', 'r', 'R', 't', 'T', 'U', 'i'])(
    'refuses the letter %s, unknown to Java, naming it and its position',
    (letter) => {
      expect(() => compileTimestampPattern(`yyyy-${letter}`)).toThrow(
        new TimestampPatternError(
          `unknown pattern letter '${letter}' at position 5; Java's letters are ` +
            "ABDEFGHKLMNOQSVWXYZacdeghkmnpqsuvwxyz (quote text: 'T')",
        ),
      );
    },
  );
});

/** Every accepted run alone, then the guide's and some mixed patterns. */
const PATTERNS = [...ourRuns, ...GUIDE_PATTERNS, ...COMPOUND_PATTERNS];

interface Case {
  pattern: string;
  zone: string;
  ours: string[];
}

/** What we print for every pattern and zone we accept (zone names are refused outside UTC). */
const CASES: Case[] = PATTERNS.flatMap((pattern) =>
  ZONES.flatMap((zone) => {
    let format: (date: Date) => string;
    try {
      format = compileTimestampPattern(pattern, zone);
    } catch (error) {
      if (zone.endsWith('UTC') || !/[zv]/.test(pattern)) throw error;
      return [];
    }
    return [{ pattern, zone, ours: INSTANTS.map((time) => format(new Date(time))) }];
  }),
);

describe('what each pattern prints: the same as js-joda', () => {
  it('reads the guide pages and finds their patterns', () => {
    expect(GUIDE_PATTERNS).toEqual(
      expect.arrayContaining(['yyyy', 'yyyy/MM/dd', 'yyyy/MM/dd/HH/', 'MM', 'dd', 'HH']),
    );
  });

  it.each(ZONES)('every pattern js-joda knows, in %s', (zone) => {
    // Act
    const mismatches: string[] = [];
    let compared = 0;
    for (const { pattern, ours } of CASES.filter((entry) => entry.zone === zone)) {
      if (jodaCannotAnswer(pattern)) continue;
      INSTANTS.forEach((time, index) => {
        let expected: string;
        try {
          expected = jodaFormat(pattern, zone, time);
        } catch (error) {
          // js-joda, like Java 8, refuses to print nn/AA/NN wider than the count; Java 17 prints it.
          if (/exceeds the maximum print width/.test((error as Error).message)) return;
          throw error;
        }
        compared += 1;
        expected = javaWhereJodaDiffers(pattern, zone, time) ?? expected;
        if (ours[index] !== expected) {
          mismatches.push(
            `${pattern} at ${new Date(time).toISOString()}: ours ${ours[index]}, js-joda ${expected}`,
          );
        }
      });
    }
    // Assess
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(4_000);
  });
});

/**
 * Where js-joda and Java 17 differ (Java's side checked on OpenJDK 17.0.15, and by the JVM test below when
 * java is installed), what Java prints: zone names, where js-joda prints the zone id (`Etc/UTC`), and narrow
 * standalone month and weekday (`LLLLL`, `ccccc`), where js-joda prints the number as Java 8 did.
 */
function javaWhereJodaDiffers(pattern: string, zone: string, time: number): string | undefined {
  if (/^z{1,3}$/.test(pattern)) return 'UTC';
  if (pattern === 'zzzz') return 'Coordinated Universal Time';
  if (pattern === 'LLLLL' || pattern === 'ccccc') {
    return jodaFormat(pattern.slice(0, 4), zone, time).slice(0, 1); // narrow = the full name's initial
  }
  return undefined;
}

describe('what js-joda cannot answer, pinned from Java 17', () => {
  const AUG_27 = Date.parse('2018-08-27T10:30:05.042Z');
  it.each([
    ['g', '58357'],
    ['gggggggg', '00058357'],
    ['nn', '42000000'],
    ['AA', '37805042'],
    ['NNNNNNNNNNNNNNNNNN', '000037805042000000'],
    ['yyyyyyyyyyyyyyyyyyy', '0000000000000002018'],
    ['B', 'in the morning'],
    ['BBBBB', 'in the morning'],
    ['v', 'UTC'],
    ['vvvv', 'Coordinated Universal Time'],
  ])('%s -> %s', (pattern, expected) => {
    expect(compileTimestampPattern(pattern)(new Date(AUG_27))).toBe(expected);
  });

  it.each([
    ['2018-08-27T00:00:59Z', 'B BBBB BBBBB', 'midnight midnight mi'],
    ['2018-08-27T00:01:00Z', 'B', 'at night'],
    ['2018-08-27T12:00:00Z', 'B BBBB BBBBB', 'noon noon n'],
    ['2018-08-27T12:01:00Z', 'B', 'in the afternoon'],
    ['2018-08-27T18:00:00Z', 'B', 'in the evening'],
    ['0000-06-15T00:00:00Z', 'g gggggggg', '-678775 -00678775'],
  ])('at %s, %s -> %s', (iso, pattern, expected) => {
    expect(compileTimestampPattern(pattern)(new Date(iso))).toBe(expected);
  });
});

describe('Firehose prefixes with the patterns Java accepts', () => {
  it("evaluates issue 20's !{timestamp:YYYY/ww} (week-based year) at New Year", () => {
    // Prepare: Sunday 2024-12-29 starts US week 1 of week-based year 2025.
    const input = {
      prefix: 'weekly/!{timestamp:YYYY/ww}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:YYYY/ww}/',
      dynamicPartitioning: false,
    };
    // Act
    const problems = validatePrefixes(input);
    const evaluated = evaluatePrefix(parsePrefix(input.prefix), {
      timestamp: new Date('2024-12-29T08:00:00Z'),
    });
    // Assess
    expect(problems).toEqual([]);
    expect(evaluated).toEqual({ ok: true, prefix: 'weekly/2025/01/' });
  });
});

const javaCheck = spawnSync('java', ['-version'], { encoding: 'utf8' });
const describeWithJava = javaCheck.status === 0 ? describe : describe.skip;
const ORACLE = path.join(__dirname, '../../fixtures/java/FormatOracle.java');

/** Runs every line through Java's DateTimeFormatter at once (one JVM start). */
function askJava(lines: string[]): string[] {
  const run = spawnSync('java', [ORACLE], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`java ${ORACLE} failed: ${run.stderr}`);
  return run.stdout.split('\n').slice(0, lines.length);
}

describeWithJava(
  javaCheck.status === 0
    ? 'the real DateTimeFormatter (java on PATH)'
    : 'the real DateTimeFormatter (skipped: no java)',
  () => {
    it('accepts and refuses the same letter runs as Java', () => {
      const javaAccepts = askJava(runs);
      const javaRuns = runs.filter((_, index) => javaAccepts[index] === 'OK');
      expect(ourRuns).toEqual(javaRuns.filter((run) => !javaCannotPrint(run)));
    });

    it('prints what Java prints for every pattern, zone and instant', () => {
      const lines = CASES.flatMap(({ pattern, zone }) =>
        INSTANTS.map((time) => `${pattern}\t${time}\t${zone}`),
      );
      const answers = askJava(lines);
      const ours = CASES.flatMap((entry) => entry.ours.map((text) => `=${text}`));
      const mismatches = lines.filter((_, index) => answers[index] !== ours[index]);
      expect(mismatches.slice(0, 20).map((line) => `${line}: java ${answers[lines.indexOf(line)]}`)).toEqual(
        [],
      );
      expect(lines.length).toBeGreaterThan(40_000);
    });
  },
);
