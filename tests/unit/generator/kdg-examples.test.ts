import { compileTemplate } from '../../../lib/generator';

/**
 * Every template example on the original Kinesis Data Generator's help page
 * (awslabs/amazon-kinesis-data-generator, web/help.html), verbatim, with the shape its output must have.
 */
const FIXED_NOW = Date.UTC(2010, 1, 14, 15, 25, 50); // Sunday, February 14th 2010, 3:25:50 pm UTC

const HELP_EXAMPLES: [string, string, RegExp][] = [
  [
    'CSV record',
    '{{name.firstName}},{{name.lastName}},{{random.number(70)}},{{internet.ip}}',
    /^[^,]+,[^,]+,\d{1,2},\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/,
  ],
  [
    'JSON sensor record',
    `{
    "sensorId": {{random.number(50)}},
    "currentTemperature": {{random.number(
        {
            "min":10,
            "max":150
        }
    )}},
    "status": "{{random.arrayElement(
        ["OK","FAIL","WARN"]
    )}}"
}`,
    /^\{\s+"sensorId": \d+,\s+"currentTemperature": \d+,\s+"status": "(OK|FAIL|WARN)"}$/,
  ],
  ['date.now', '{{date.now}}', /^2010-02-14T15:25:50[+-]\d\d:\d\d$/],
  [
    'date.now long format',
    '{{date.now("dddd, MMMM Do YYYY, h:mm:ss a")}}',
    /^\w+day, \w+ \d{1,2}(st|nd|rd|th) 2010, \d{1,2}:25:50 (am|pm)$/,
  ],
  ['date.now short format', '{{date.now("ddd, hA")}}', /^\w{3}, \d{1,2}(AM|PM)$/],
  [
    'date.now access-log format',
    '{{date.now("DD/MMM/YYYY:HH:mm:ss Z")}}',
    /^\d\d\/\w{3}\/2010:\d\d:25:50 [+-]\d\d:\d\d$/,
  ],
  ['date.utc', '{{date.utc}}', /^2010-02-14T15:25:50Z$/],
  [
    'date.utc long format',
    '{{date.utc("dddd, MMMM Do YYYY, h:mm:ss a")}}',
    /^Sunday, February 14th 2010, 3:25:50 pm$/,
  ],
  ['date.utc short format', '{{date.utc("ddd, hA")}}', /^Sun, 3PM$/],
  [
    'date.utc access-log format',
    '{{date.utc("DD/MMM/YYYY:HH:mm:ss Z")}}',
    /^14\/Feb\/2010:15:25:50 \+00:00$/,
  ],
  [
    'weighted array element',
    `{{random.weightedArrayElement(
  {
    "weights": [0.3,0.2,0.5],
    "data": ["cat","fish","dog"]
  }
)}}`,
    /^(cat|fish|dog)$/,
  ],
  ['simulated time', '{{date.simTime}}', /^2010-02-14T15:25:50[+-]\d\d:\d\d$/],
  ['legacy current.timestamp', '{{current.timestamp}}', /^2010-02-14T15:25:50[+-]\d\d:\d\d$/],
];

describe('the original generator help page examples', () => {
  it.each(HELP_EXAMPLES)('renders the %s example', (_name, template, shape) => {
    // Prepare
    const compiled = compileTemplate(template, { now: FIXED_NOW });

    // Act
    const records = Array.from({ length: 20 }, () => compiled.render());

    // Assess
    for (const record of records) expect(record).toMatch(shape);
  });

  it('keeps the sensor example within the documented ranges', () => {
    // Prepare
    const compiled = compileTemplate(HELP_EXAMPLES[1]?.[1] as string, { seed: 3 });

    // Act
    const records = Array.from(
      { length: 500 },
      () => JSON.parse(compiled.render()) as Record<string, number>,
    );

    // Assess
    for (const record of records) {
      expect(record.sensorId).toBeGreaterThanOrEqual(0);
      expect(record.sensorId).toBeLessThanOrEqual(50);
      expect(record.currentTemperature).toBeGreaterThanOrEqual(10);
      expect(record.currentTemperature).toBeLessThanOrEqual(150);
    }
  });
});
