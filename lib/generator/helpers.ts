import type { Faker } from '@faker-js/faker';
import {
  DEFAULT_LOCAL_FORMAT,
  DEFAULT_UTC_FORMAT,
  DateFormatError,
  compileDateFormat,
  type DateFormatter,
} from './date-format';

/**
 * The helpers a template can call. Three sources, tried in this order:
 *  1. the original generator's extensions (`date.now`, `date.utc`, `random.weightedArrayElement`...);
 *  2. LEGACY: every faker.js 3.x name the original exposed (plus the faker 4-8 names people still paste),
 *     mapped explicitly onto @faker-js/faker 9, because most were renamed, moved or changed signature;
 *  3. today's faker API by its own names (`string.uuid`, `number.int`, `person.fullName`...), with the old
 *     module names `name` and `address` accepted as aliases of `person` and `location`.
 * Each entry binds its arguments once, at compile time, and returns a closure called per record.
 */

export interface HelperEnv {
  faker: Faker;
  /** Time of the record being rendered, in ms since the epoch (one reading per record). */
  time(): number;
}

export type BoundHelper = () => unknown;
export type HelperFactory = (env: HelperEnv, args: readonly unknown[]) => BoundHelper;

/** Bad arguments for a helper; the compiler adds the token and its position. */
export class HelperArgumentError extends Error {
  override readonly name = 'HelperArgumentError';
}

// ---------------------------------------------------------------------------------------------------------
// Argument checks (compile time only).

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function atMost(args: readonly unknown[], count: number, usage: string): void {
  if (args.length > count) {
    throw new HelperArgumentError(
      count === 0 ? `takes no argument (${usage})` : `takes at most ${count} argument(s): ${usage}`,
    );
  }
}

function optionalNumber(args: readonly unknown[], index: number, what: string): number | undefined {
  const value = args[index];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  throw new HelperArgumentError(`${what} must be a number, got ${describe(value)} ${JSON.stringify(value)}`);
}

function optionalString(args: readonly unknown[], index: number, what: string): string | undefined {
  const value = args[index];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new HelperArgumentError(`${what} must be a string, got ${describe(value)}`);
}

function optionalArray(
  args: readonly unknown[],
  index: number,
  what: string,
): readonly unknown[] | undefined {
  const value = args[index];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.length > 0) return value;
  throw new HelperArgumentError(
    `${what} must be a non-empty JSON array, e.g. ["a","b"]; got ${JSON.stringify(value)}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** faker 3 took `0`/`1` for male/female; faker 9 takes `'male'`/`'female'`. */
function sexOf(value: unknown): 'male' | 'female' | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 0 || value === 'male') return 'male';
  if (value === 1 || value === 'female') return 'female';
  throw new HelperArgumentError(`gender must be 0, 1, "male" or "female", got ${JSON.stringify(value)}`);
}

function definitionList(faker: Faker, category: string, entry: string): readonly string[] {
  const group = (faker.definitions as unknown as Record<string, Record<string, unknown> | undefined>)[
    category
  ];
  const list = group?.[entry];
  if (!Array.isArray(list) || list.length === 0) {
    throw new HelperArgumentError(`the locale has no ${category}.${entry} data`);
  }
  return list as string[];
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks.

/** A helper without arguments. */
const none =
  (pick: (faker: Faker) => BoundHelper): HelperFactory =>
  (env, args) => {
    atMost(args, 0, 'none');
    return pick(env.faker);
  };

/** One element of a locale list, chosen per record. */
const fromDefinitions =
  (category: string, entry: string): HelperFactory =>
  (env, args) => {
    atMost(args, 0, 'none');
    const list = definitionList(env.faker, category, entry);
    return () => env.faker.helpers.arrayElement(list);
  };

/** faker 3's `random.number(max | {min, max, precision})`: integers in [min, max], max 99999 by default. */
function legacyNumber(faker: Faker, args: readonly unknown[], defaultMax: number): BoundHelper {
  atMost(args, 1, 'a maximum or {"min":..,"max":..,"precision":..}');
  const options = args[0];
  let min = 0;
  let max = defaultMax;
  let precision = 1;
  if (isRecord(options)) {
    const known = new Set(['min', 'max', 'precision']);
    const unknown = Object.keys(options).filter((key) => !known.has(key));
    if (unknown.length > 0)
      throw new HelperArgumentError(`unknown option(s) ${unknown.join(', ')}; use min, max, precision`);
    min = optionalNumber([options.min], 0, 'min') ?? 0;
    max = optionalNumber([options.max], 0, 'max') ?? Math.max(defaultMax, min);
    precision = optionalNumber([options.precision], 0, 'precision') ?? 1;
  } else if (options !== undefined) {
    max = optionalNumber(args, 0, 'the maximum') ?? defaultMax;
  }
  if (max < min) throw new HelperArgumentError(`max (${max}) is below min (${min})`);
  if (precision <= 0) throw new HelperArgumentError(`precision must be positive, got ${precision}`);
  if (precision === 1 && Number.isInteger(min) && Number.isInteger(max)) {
    return () => faker.number.int({ min, max });
  }
  return () => faker.number.float({ min, max, multipleOf: precision });
}

/** faker 3's money helpers took `(min, max, dec, symbol)`; faker 9 takes one options object. */
function money(
  call: (options: { min: number; max: number; dec: number; symbol: string }) => string,
  args: readonly unknown[],
): BoundHelper {
  if (isRecord(args[0])) {
    atMost(args, 1, '{"min":..,"max":..,"dec":..,"symbol":..}');
    const options = args[0] as { min: number; max: number; dec: number; symbol: string };
    return () => call(options);
  }
  atMost(args, 4, '(min, max, decimals, symbol)');
  const options = {
    min: optionalNumber(args, 0, 'min') ?? 0,
    max: optionalNumber(args, 1, 'max') ?? 1000,
    dec: optionalNumber(args, 2, 'decimals') ?? 2,
    symbol: optionalString(args, 3, 'symbol') ?? '',
  };
  if (options.max < options.min)
    throw new HelperArgumentError(`max (${options.max}) is below min (${options.min})`);
  return () => call(options);
}

/** faker 3's relative dates took `(years|days, refDate)`; faker 9 takes `{years|days, refDate}`. */
function relativeDate(
  call: (faker: Faker, options: Record<string, unknown>) => Date,
  unit: 'years' | 'days',
): HelperFactory {
  return (env, args) => {
    if (isRecord(args[0])) {
      atMost(args, 1, `{"${unit}":..,"refDate":..}`);
      const options = args[0];
      return () => call(env.faker, options);
    }
    atMost(args, 2, `(${unit}, refDate)`);
    const amount = optionalNumber(args, 0, unit);
    const refDate = optionalString(args, 1, 'refDate');
    if (refDate !== undefined && Number.isNaN(Date.parse(refDate))) {
      throw new HelperArgumentError(`refDate "${refDate}" is not a date`);
    }
    const options: Record<string, unknown> = {};
    if (amount !== undefined) options[unit] = amount;
    if (refDate !== undefined) options.refDate = refDate;
    return () => call(env.faker, options);
  };
}

function imageUrl(env: HelperEnv, args: readonly unknown[], fixedCategory?: string): BoundHelper {
  atMost(args, fixedCategory === undefined ? 3 : 2, '(width, height[, category])');
  const width = optionalNumber(args, 0, 'width') ?? 640;
  const height = optionalNumber(args, 1, 'height') ?? 480;
  const category = fixedCategory ?? optionalString(args, 2, 'category');
  return () =>
    env.faker.image.urlLoremFlickr(category === undefined ? { width, height } : { width, height, category });
}

/** faker 3's `replaceSymbolWithNumber`: every `#` (or the given symbol) becomes a digit. */
function replaceSymbolWithNumber(faker: Faker, format: string, symbol = '#'): string {
  let out = '';
  for (const char of format) out += char === symbol ? String(faker.number.int(9)) : char;
  return out;
}

function dateHelper(defaultFormat: string, utc: boolean): HelperFactory {
  return (env, args) => {
    atMost(args, 1, 'a moment.js format such as "YYYY-MM-DD HH:mm:ss"');
    const format = optionalString(args, 0, 'the format') ?? defaultFormat;
    let formatter: DateFormatter;
    try {
      formatter = compileDateFormat(format, { utc });
    } catch (error) {
      if (error instanceof DateFormatError) throw new HelperArgumentError(error.message);
      throw error;
    }
    return () => formatter(env.time());
  };
}

/** The original's weighted choice: `{"weights":[0.3,0.7],"data":["a","b"]}`, weights relative to their sum. */
const weightedArrayElement: HelperFactory = (env, args) => {
  atMost(args, 1, '{"weights":[...],"data":[...]}');
  // The original's default when called without an argument.
  const spec = args[0] ?? { weights: [0.5, 0.5], data: ['dog', 'cat'] };
  if (!isRecord(spec) || !Array.isArray(spec.weights) || !Array.isArray(spec.data)) {
    throw new HelperArgumentError('expects {"weights":[numbers],"data":[values]}');
  }
  const { weights, data } = spec as { weights: unknown[]; data: unknown[] };
  if (weights.length !== data.length || data.length === 0) {
    throw new HelperArgumentError(
      `weights (${weights.length}) and data (${data.length}) must be non-empty and of equal length`,
    );
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const [index, weight] of weights.entries()) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new HelperArgumentError(
        `weights[${index}] must be a non-negative number, got ${JSON.stringify(weight)}`,
      );
    }
    total += weight;
    cumulative.push(total);
  }
  if (total <= 0) throw new HelperArgumentError('the weights add up to zero');
  const last = data.length - 1;
  return () => {
    const point = env.faker.number.float({ max: total });
    for (let i = 0; i < last; i += 1) if (point < (cumulative[i] as number)) return data[i];
    return data[last];
  };
};

const arrayElement: HelperFactory = (env, args) => {
  atMost(args, 1, 'a JSON array, e.g. ["OK","FAIL"]');
  const array = optionalArray(args, 0, 'the argument') ?? ['a', 'b', 'c'];
  return () => env.faker.helpers.arrayElement(array);
};

function card(faker: Faker): Record<string, unknown> {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return {
    name: `${firstName} ${lastName}`,
    username: faker.internet.username({ firstName, lastName }),
    email: faker.internet.email({ firstName, lastName }),
    address: {
      street: faker.location.street(),
      suite: faker.location.secondaryAddress(),
      city: faker.location.city(),
      zipcode: faker.location.zipCode(),
      geo: { lat: faker.location.latitude().toFixed(4), lng: faker.location.longitude().toFixed(4) },
    },
    phone: faker.phone.number(),
    website: faker.internet.domainName(),
    company: {
      name: faker.company.name(),
      catchPhrase: faker.company.catchPhrase(),
      bs: faker.company.buzzPhrase(),
    },
  };
}

function transaction(faker: Faker): Record<string, unknown> {
  return {
    amount: faker.finance.amount(),
    date: faker.date.recent().toISOString(),
    business: faker.company.name(),
    name: `${faker.finance.accountName()} ${faker.string.numeric(4)}`,
    type: faker.finance.transactionType(),
    account: faker.finance.accountNumber(8),
  };
}

const IMAGE_CATEGORIES = [
  'abstract',
  'animals',
  'business',
  'cats',
  'city',
  'food',
  'nightlife',
  'fashion',
  'people',
  'nature',
  'sports',
  'technics',
  'transport',
] as const;

// ---------------------------------------------------------------------------------------------------------
// The original generator's extensions.

/** The KDG's `internet.session` lower bound (its upper bound is Number.MAX_SAFE_INTEGER). */
export const SESSION_MIN = 1007199254740991;

function coordinateOf(value: unknown): [number, number] {
  const pair = Array.isArray(value)
    ? value.map((item) => (typeof item === 'string' ? Number(item) : item))
    : [];
  const [lat, lon] = pair as [unknown, unknown];
  const valid =
    pair.length === 2 &&
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180;
  if (!valid) {
    throw new HelperArgumentError(
      `coordinate must be [latitude, longitude] within ±90 and ±180, e.g. [47.6, -122.3]; got ${JSON.stringify(value)}`,
    );
  }
  return [lat, lon];
}

/**
 * The KDG's `address.nearbyGPSCoordinate({"coordinate":[lat, lon], "radius":10, "isMetric":false})`: a point
 * within `radius` (miles, or km with isMetric) of the coordinate (default a random one), as two strings with 4
 * decimals like the KDG's.
 */
const nearbyGPSCoordinate: HelperFactory = (env, args) => {
  atMost(args, 1, '({"coordinate":[lat, lon], "radius":10, "isMetric":false})');
  const options = args[0] ?? {};
  if (!isRecord(options)) {
    throw new HelperArgumentError(
      `takes one object, e.g. {"coordinate":[47.6,-122.3],"radius":10}; got ${describe(options)}`,
    );
  }
  const origin = options.coordinate === undefined ? undefined : coordinateOf(options.coordinate);
  const radius = optionalNumber([options.radius], 0, 'radius') ?? 10;
  if (!(radius > 0)) throw new HelperArgumentError(`radius must be above 0, got ${radius}`);
  const isMetric = options.isMetric === true;
  return () => {
    const center = origin ?? [env.faker.location.latitude(), env.faker.location.longitude()];
    const [lat, lon] = env.faker.location.nearbyGPSCoordinate({ origin: center, radius, isMetric });
    return [lat.toFixed(4), lon.toFixed(4)];
  };
};

export const EXTENSIONS: Readonly<Record<string, HelperFactory>> = {
  'date.now': dateHelper(DEFAULT_LOCAL_FORMAT, false),
  'date.utc': dateHelper(DEFAULT_UTC_FORMAT, true),
  // The original's simulated time; here the template clock is already simulated under --seed/--start-time.
  'date.simTime': dateHelper(DEFAULT_LOCAL_FORMAT, false),
  // Very old KDG templates used this name; the original rewrote it to date.now.
  'current.timestamp': dateHelper(DEFAULT_LOCAL_FORMAT, false),
  'random.weightedArrayElement': weightedArrayElement,
  // The KDG's session number: a float between these bounds, as its `Math.random() * (max - min) + min`.
  'internet.session': none((f) => () => f.number.float({ min: SESSION_MIN, max: Number.MAX_SAFE_INTEGER })),
  'address.nearbyGPSCoordinate': nearbyGPSCoordinate,
};

// ---------------------------------------------------------------------------------------------------------
// faker.js 3.x (and 4-8) names, mapped onto faker 9.

const latitudeLike =
  (which: 'latitude' | 'longitude'): HelperFactory =>
  (env, args) => {
    atMost(args, 3, '(max, min, precision)');
    const limit = which === 'latitude' ? 90 : 180;
    const max = optionalNumber(args, 0, 'max') ?? limit;
    const min = optionalNumber(args, 1, 'min') ?? -limit;
    const precision = optionalNumber(args, 2, 'precision') ?? 4;
    // faker 3 returned strings with a fixed number of decimals.
    return () => env.faker.location[which]({ max, min, precision }).toFixed(precision);
  };

const personName =
  (which: 'firstName' | 'lastName' | 'middleName' | 'prefix'): HelperFactory =>
  (env, args) => {
    atMost(args, 1, '(gender: 0 | 1)');
    const sex = sexOf(args[0]);
    return () => env.faker.person[which](sex);
  };

export const LEGACY: Readonly<Record<string, HelperFactory>> = {
  // address -> location
  'address.zipCode': (env, args) => {
    atMost(args, 1, '(format), e.g. "#####-####"');
    const format = optionalString(args, 0, 'the format');
    return () => env.faker.location.zipCode(format === undefined ? undefined : { format });
  },
  'address.city': none((f) => () => f.location.city()),
  'address.cityName': none((f) => () => f.location.city()),
  'address.cityPrefix': fromDefinitions('location', 'city_prefix'),
  'address.citySuffix': fromDefinitions('location', 'city_suffix'),
  'address.streetName': none((f) => () => f.location.street()),
  'address.streetAddress': (env, args) => {
    atMost(args, 1, '(useFullAddress: boolean)');
    const full = args[0] === true;
    return () => env.faker.location.streetAddress(full);
  },
  'address.streetSuffix': fromDefinitions('location', 'street_suffix'),
  'address.streetPrefix': none((f) => () => f.location.direction()),
  'address.secondaryAddress': none((f) => () => f.location.secondaryAddress()),
  'address.county': none((f) => () => f.location.county()),
  'address.country': none((f) => () => f.location.country()),
  'address.countryCode': (env, args) => {
    atMost(args, 1, '("alpha-2" | "alpha-3")');
    const variant = optionalString(args, 0, 'the code type');
    if (variant !== undefined && variant !== 'alpha-2' && variant !== 'alpha-3') {
      throw new HelperArgumentError(`the code type must be "alpha-2" or "alpha-3", got "${variant}"`);
    }
    return () => env.faker.location.countryCode(variant ?? 'alpha-2');
  },
  'address.state': none((f) => () => f.location.state()),
  'address.stateAbbr': none((f) => () => f.location.state({ abbreviated: true })),
  'address.latitude': latitudeLike('latitude'),
  'address.longitude': latitudeLike('longitude'),

  // commerce
  'commerce.color': none((f) => () => f.color.human()),
  'commerce.price': (env, args) => money((options) => env.faker.commerce.price(options), args),

  // company
  'company.suffixes': fromDefinitionsArray('company', 'legal_entity_type'),
  'company.companyName': none((f) => () => f.company.name()),
  'company.companySuffix': fromDefinitions('company', 'legal_entity_type'),
  'company.bs': none((f) => () => f.company.buzzPhrase()),
  'company.bsAdjective': none((f) => () => f.company.buzzAdjective()),
  'company.bsBuzz': none((f) => () => f.company.buzzVerb()),
  'company.bsNoun': none((f) => () => f.company.buzzNoun()),

  // date (faker 3 positional arguments)
  'date.past': relativeDate((f, o) => f.date.past(o), 'years'),
  'date.future': relativeDate((f, o) => f.date.future(o), 'years'),
  'date.recent': relativeDate((f, o) => f.date.recent(o), 'days'),
  'date.soon': relativeDate((f, o) => f.date.soon(o), 'days'),
  'date.between': (env, args) => {
    if (isRecord(args[0])) {
      atMost(args, 1, '{"from":..,"to":..}');
      const options = args[0] as { from: string; to: string };
      return () => env.faker.date.between(options);
    }
    atMost(args, 2, '(from, to)');
    const from = optionalString(args, 0, 'from');
    const to = optionalString(args, 1, 'to');
    if (
      from === undefined ||
      to === undefined ||
      Number.isNaN(Date.parse(from)) ||
      Number.isNaN(Date.parse(to))
    ) {
      throw new HelperArgumentError('expects two dates, e.g. ("2024-01-01", "2024-12-31")');
    }
    return () => env.faker.date.between({ from, to });
  },
  'date.month': (env, args) => {
    atMost(args, 1, '{"abbr":true}');
    const options = isRecord(args[0]) ? args[0] : {};
    const settings = {
      abbreviated: options.abbr === true || options.abbreviated === true,
      context: options.context === true,
    };
    return () => env.faker.date.month(settings);
  },
  'date.weekday': (env, args) => {
    atMost(args, 1, '{"abbr":true}');
    const options = isRecord(args[0]) ? args[0] : {};
    const settings = {
      abbreviated: options.abbr === true || options.abbreviated === true,
      context: options.context === true,
    };
    return () => env.faker.date.weekday(settings);
  },

  // finance
  'finance.account': (env, args) => {
    atMost(args, 1, '(length)');
    const length = optionalNumber(args, 0, 'length') ?? 8;
    return () => env.faker.finance.accountNumber(length);
  },
  'finance.mask': (env, args) => {
    atMost(args, 3, '(length, parens, ellipsis)');
    const length = optionalNumber(args, 0, 'length') || 4;
    const parens = args[1] === true;
    const ellipsis = args[2] === true;
    return () => {
      const digits = `${ellipsis ? '...' : ''}${env.faker.string.numeric(length)}`;
      return parens ? `(${digits})` : digits;
    };
  },
  'finance.amount': (env, args) => money((options) => env.faker.finance.amount(options), args),

  // helpers
  'helpers.randomize': arrayElement,
  'helpers.replaceSymbolWithNumber': (env, args) => {
    atMost(args, 2, '(format, symbol)');
    const format = optionalString(args, 0, 'the format');
    if (format === undefined) throw new HelperArgumentError('expects a format such as "###-##"');
    const symbol = optionalString(args, 1, 'the symbol') ?? '#';
    return () => replaceSymbolWithNumber(env.faker, format, symbol);
  },
  'helpers.shuffle': (env, args) => {
    atMost(args, 1, 'a JSON array');
    const array = optionalArray(args, 0, 'the argument') ?? ['a', 'b', 'c'];
    return () => env.faker.helpers.shuffle([...array]);
  },
  'helpers.userCard': none((f) => () => card(f)),
  'helpers.contextualCard': none((f) => () => ({ ...card(f), avatar: f.image.avatar() })),
  'helpers.createCard': none((f) => () => ({ ...card(f), accountHistory: [transaction(f), transaction(f)] })),
  'helpers.createTransaction': none((f) => () => transaction(f)),

  // image
  'image.image': (env, args) => imageUrl(env, args),
  'image.imageUrl': (env, args) => imageUrl(env, args),
  'image.avatar': none((f) => () => f.image.avatar()),
  ...Object.fromEntries(
    IMAGE_CATEGORIES.map((category) => [
      `image.${category}`,
      ((env, args) => imageUrl(env, args, category)) satisfies HelperFactory,
    ]),
  ),

  // internet
  'internet.avatar': none((f) => () => f.image.avatar()),
  'internet.email': (env, args) => {
    if (isRecord(args[0])) {
      const options = args[0];
      return () => env.faker.internet.email(options);
    }
    atMost(args, 3, '(firstName, lastName, provider)');
    const options = {
      firstName: optionalString(args, 0, 'firstName'),
      lastName: optionalString(args, 1, 'lastName'),
      provider: optionalString(args, 2, 'provider'),
    };
    return () => env.faker.internet.email(options);
  },
  'internet.exampleEmail': (env, args) => {
    atMost(args, 2, '(firstName, lastName)');
    const options = {
      firstName: optionalString(args, 0, 'firstName'),
      lastName: optionalString(args, 1, 'lastName'),
    };
    return () => env.faker.internet.exampleEmail(options);
  },
  'internet.userName': (env, args) => {
    atMost(args, 2, '(firstName, lastName)');
    const options = {
      firstName: optionalString(args, 0, 'firstName'),
      lastName: optionalString(args, 1, 'lastName'),
    };
    return () => env.faker.internet.username(options);
  },
  'internet.ip': none((f) => () => f.internet.ipv4()),
  'internet.color': (env, args) => {
    atMost(args, 3, '(baseRed255, baseGreen255, baseBlue255)');
    const bases = [0, 1, 2].map((index) => optionalNumber(args, index, 'a base colour') ?? 0);
    return () =>
      `#${bases
        .map((base) =>
          Math.floor((env.faker.number.int(256) + base) / 2)
            .toString(16)
            .padStart(2, '0'),
        )
        .join('')}`;
  },
  'internet.password': (env, args) => {
    if (isRecord(args[0])) {
      const options = args[0];
      return () => env.faker.internet.password(options);
    }
    atMost(args, 4, '(length, memorable, pattern, prefix)');
    const pattern = optionalString(args, 2, 'pattern');
    let regex: RegExp | undefined;
    try {
      regex = pattern === undefined ? undefined : new RegExp(pattern);
    } catch {
      throw new HelperArgumentError(`pattern "${pattern}" is not a regular expression`);
    }
    const options = {
      length: optionalNumber(args, 0, 'length') ?? 15,
      memorable: args[1] === true,
      pattern: regex,
      prefix: optionalString(args, 3, 'prefix'),
    };
    return () => env.faker.internet.password(options);
  },

  // name -> person
  'name.firstName': personName('firstName'),
  'name.lastName': personName('lastName'),
  'name.middleName': personName('middleName'),
  'name.prefix': personName('prefix'),
  'name.findName': (env, args) => {
    atMost(args, 3, '(firstName, lastName, gender)');
    const options = {
      firstName: optionalString(args, 0, 'firstName'),
      lastName: optionalString(args, 1, 'lastName'),
      sex: sexOf(args[2]),
    };
    return () => env.faker.person.fullName(options);
  },
  'name.title': none((f) => () => f.person.jobTitle()),

  // phone
  'phone.phoneNumber': (env, args) => {
    atMost(args, 1, '(format), e.g. "###-###-####"');
    const format = optionalString(args, 0, 'the format');
    return format === undefined
      ? () => env.faker.phone.number()
      : () => replaceSymbolWithNumber(env.faker, format);
  },
  'phone.phoneNumberFormat': none((f) => () => f.phone.number()),
  'phone.phoneFormats': (env, args) => {
    atMost(args, 0, 'none');
    const formats = (env.faker.definitions.phone_number?.format as { human?: string[] } | undefined)?.human;
    const list = formats !== undefined && formats.length > 0 ? formats : ['###-###-####'];
    return () => env.faker.helpers.arrayElement(list).replace(/!/g, '#');
  },

  // random (gone in faker 9)
  'random.number': (env, args) => legacyNumber(env.faker, args, 99999),
  'random.float': (env, args) => legacyFloat(env.faker, args),
  'random.arrayElement': arrayElement,
  'random.arrayElements': (env, args) => {
    atMost(args, 2, '(array, count)');
    const array = optionalArray(args, 0, 'the array') ?? ['a', 'b', 'c'];
    const count = optionalNumber(args, 1, 'count');
    return () => env.faker.helpers.arrayElements(array, count);
  },
  'random.objectElement': (env, args) => {
    atMost(args, 2, '(object, "key" | "value")');
    const object = isRecord(args[0]) ? args[0] : { foo: 'bar', too: 'car' };
    const keys = Object.keys(object);
    if (keys.length === 0) throw new HelperArgumentError('the object is empty');
    const wantKey = args[1] === 'key';
    return () => {
      const key = env.faker.helpers.arrayElement(keys);
      return wantKey ? key : object[key];
    };
  },
  'random.uuid': none((f) => () => f.string.uuid()),
  'random.boolean': none((f) => () => f.datatype.boolean()),
  'random.word': none((f) => () => f.word.sample()),
  'random.words': (env, args) => {
    atMost(args, 1, '(count)');
    const count = optionalNumber(args, 0, 'count');
    return () => env.faker.word.words({ count: count ?? { min: 1, max: 3 } });
  },
  'random.image': none((f) => () => f.image.url()),
  'random.locale': none(() => () => 'en'),
  'random.alphaNumeric': (env, args) => {
    atMost(args, 1, '(count)');
    const count = optionalNumber(args, 0, 'count') ?? 1;
    return () => env.faker.string.alphanumeric({ length: count, casing: 'lower' });
  },
  'random.alpha': (env, args) => {
    atMost(args, 1, '{"count":..,"upcase":..}');
    const options = isRecord(args[0]) ? args[0] : {};
    const length = optionalNumber([options.count], 0, 'count') ?? 1;
    const casing = options.upcase === true ? ('upper' as const) : ('lower' as const);
    return () => env.faker.string.alpha({ length, casing });
  },
  'random.hexaDecimal': (env, args) => hexadecimal(env.faker, args),
  'random.numeric': (env, args) => {
    atMost(args, 1, '(length)');
    const length = optionalNumber(args, 0, 'length') ?? 1;
    return () => env.faker.string.numeric(length);
  },

  // datatype (faker 5-8; only `boolean` survives in 9)
  'datatype.number': (env, args) => legacyNumber(env.faker, args, 99999),
  'datatype.float': (env, args) => legacyFloat(env.faker, args),
  'datatype.uuid': none((f) => () => f.string.uuid()),
  'datatype.string': (env, args) => {
    atMost(args, 1, '(length)');
    const length = optionalNumber(args, 0, 'length') ?? 10;
    return () => env.faker.string.sample(length);
  },
  'datatype.hexaDecimal': (env, args) => hexadecimal(env.faker, args),
  'datatype.datetime': (env, args) => {
    atMost(args, 1, '{"min":<epoch ms>,"max":<epoch ms>}');
    const options = isRecord(args[0]) ? args[0] : {};
    const from = optionalNumber([options.min], 0, 'min') ?? Date.UTC(1950, 0, 1);
    const to = optionalNumber([options.max], 0, 'max') ?? Date.UTC(2100, 0, 1);
    return () => env.faker.date.between({ from, to });
  },
  'datatype.bigInt': none((f) => () => f.number.bigInt()),
  'datatype.json': none((f) => () => {
    const out: Record<string, unknown> = {};
    for (const key of ['foo', 'bar', 'bike', 'a', 'b', 'name', 'prop']) {
      out[key] = f.datatype.boolean() ? f.string.sample() : f.number.int(99999);
    }
    return out;
  }),
};

function fromDefinitionsArray(category: string, entry: string): HelperFactory {
  return (env, args) => {
    atMost(args, 0, 'none');
    const list = definitionList(env.faker, category, entry);
    return () => [...list];
  };
}

function legacyFloat(faker: Faker, args: readonly unknown[]): BoundHelper {
  atMost(args, 1, 'a maximum or {"min":..,"max":..,"precision":..}');
  const options = isRecord(args[0]) ? args[0] : { max: args[0] };
  const min = optionalNumber([options.min], 0, 'min') ?? 0;
  const max = optionalNumber([options.max], 0, 'max') ?? 99999;
  const precision = optionalNumber([options.precision], 0, 'precision') ?? 0.01;
  if (max < min) throw new HelperArgumentError(`max (${max}) is below min (${min})`);
  return () => faker.number.float({ min, max, multipleOf: precision });
}

function hexadecimal(faker: Faker, args: readonly unknown[]): BoundHelper {
  atMost(args, 1, '(length)');
  const length = isRecord(args[0])
    ? (optionalNumber([args[0].length], 0, 'length') ?? 1)
    : (optionalNumber(args, 0, 'length') ?? 1);
  return () => faker.string.hexadecimal({ length, casing: 'mixed', prefix: '0x' });
}

// ---------------------------------------------------------------------------------------------------------
// Today's faker API, by name.

/** Old module names that faker 9 renamed; methods not in LEGACY are looked up under the new name. */
export const MODULE_ALIASES: Readonly<Record<string, string>> = { name: 'person', address: 'location' };

const NOT_HELPER_MODULES = new Set(['rawDefinitions', 'definitions', 'helpers.multiple']);

function modernMethod(
  faker: Faker,
  name: string,
): { target: object; method: (...args: unknown[]) => unknown } | undefined {
  const [moduleName = '', methodName = ''] = name.split('.');
  const resolvedModule = MODULE_ALIASES[moduleName] ?? moduleName;
  if (moduleName.startsWith('_') || methodName.startsWith('_')) return undefined;
  if (NOT_HELPER_MODULES.has(resolvedModule) || NOT_HELPER_MODULES.has(`${resolvedModule}.${methodName}`))
    return undefined;
  const target = (faker as unknown as Record<string, unknown>)[resolvedModule];
  if (typeof target !== 'object' || target === null) return undefined;
  const method = (target as Record<string, unknown>)[methodName];
  if (typeof method !== 'function' || methodName === 'constructor') return undefined;
  return { target, method: method as (...args: unknown[]) => unknown };
}

/** Looks a helper up; `undefined` when no source knows the name. */
export function findHelper(name: string, faker: Faker): HelperFactory | undefined {
  const special = EXTENSIONS[name] ?? LEGACY[name];
  if (special !== undefined) return special;
  if (modernMethod(faker, name) === undefined) return undefined;
  return (env, args) => {
    const found = modernMethod(env.faker, name) as NonNullable<ReturnType<typeof modernMethod>>;
    const { target, method } = found;
    const bound = [...args];
    return () => method.apply(target, bound);
  };
}

/** Every name a template may use, for "did you mean" suggestions. */
export function knownHelperNames(faker: Faker): string[] {
  const names = new Set([...Object.keys(EXTENSIONS), ...Object.keys(LEGACY)]);
  for (const [moduleName, target] of Object.entries(faker as unknown as Record<string, unknown>)) {
    if (moduleName.startsWith('_') || NOT_HELPER_MODULES.has(moduleName)) continue;
    if (typeof target !== 'object' || target === null) continue;
    let prototype: object | null = Object.getPrototypeOf(target) as object | null;
    while (prototype !== null && prototype !== Object.prototype) {
      for (const method of Object.getOwnPropertyNames(prototype)) {
        if (method !== 'constructor' && typeof (target as Record<string, unknown>)[method] === 'function') {
          names.add(`${moduleName}.${method}`);
        }
      }
      prototype = Object.getPrototypeOf(prototype) as object | null;
    }
  }
  return [...names].sort();
}

/** Renders a helper's value as record text: dates as ISO 8601, objects and arrays as JSON. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}
