import {
  DEFAULT_SIMULATED_START,
  compileTemplate,
  createMemorySink,
  generate,
  loadTemplateSpec,
} from '../../../lib/generator';

async function seededRun(seed: number): Promise<Buffer> {
  const spec = loadTemplateSpec('clickstream');
  const template = compileTemplate(spec.text, { seed, newlines: spec.newlines });
  const sink = createMemorySink();
  await generate({
    template,
    sink,
    count: 300,
    seed,
    invalid: { ratio: 0.2, schema: spec.schema, oversizeBytes: 2048 },
  });
  return Buffer.concat(
    sink.records.flatMap(({ data, partitionKey, kind }) => [
      Buffer.from(data),
      Buffer.from(`|${partitionKey}|${kind}\n`),
    ]),
  );
}

describe('seeded runs', () => {
  it('are byte-identical twice, partition keys and bad records included', async () => {
    // Act
    const first = await seededRun(42);
    const second = await seededRun(42);

    // Assess
    expect(first.length).toBeGreaterThan(100_000);
    expect(second.equals(first)).toBe(true);
  });

  it('differ with another seed', async () => {
    // Act
    const first = await seededRun(42);
    const other = await seededRun(43);

    // Assess
    expect(other.equals(first)).toBe(false);
  });

  it('stamp records from a simulated clock, one step per record', () => {
    // Prepare
    const template = compileTemplate('{{date.utc("x")}} {{date.recent}}', { seed: 1 });

    // Act
    const [first, second] = [template.render(), template.render()].map((line) => line.split(' '));

    // Assess
    expect(Number(first?.[0])).toBe(DEFAULT_SIMULATED_START);
    expect(Number(second?.[0])).toBe(DEFAULT_SIMULATED_START + 1);
    // faker's relative dates follow the simulated clock too.
    expect(Date.parse(first?.[1] as string)).toBeLessThanOrEqual(DEFAULT_SIMULATED_START);
    expect(Date.parse(first?.[1] as string)).toBeGreaterThan(DEFAULT_SIMULATED_START - 86_400_001);
  });

  it('use real time when not seeded', () => {
    // Prepare
    const before = Date.now();

    // Act
    const stamped = Number(compileTemplate('{{date.utc("x")}}').render());

    // Assess
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });
});

describe('template clocks', () => {
  it.each<[string, Parameters<typeof compileTemplate>[1], number[]]>([
    ['a fixed instant', { now: 1000 }, [1000, 1000]],
    ['an ISO date', { now: '1970-01-01T00:00:02Z' }, [2000, 2000]],
    ['a Date', { now: new Date(3000) }, [3000, 3000]],
    ['a stepping clock', { now: { start: 10, stepMs: 5 } }, [10, 15]],
    [
      'a function',
      {
        now: (
          (time) => () =>
            (time += 7)
        )(0),
      },
      [7, 14],
    ],
  ])('follows %s', (_name, options, expected) => {
    // Prepare
    const template = compileTemplate('{{date.utc("x")}}', options);

    // Act
    const times = [template.render(), template.render()].map(Number);

    // Assess
    expect(times).toEqual(expected);
    expect(template.lastTime()).toBe(expected[1]);
  });

  it('gives every date helper of one record the same time', () => {
    // Prepare
    const template = compileTemplate('{{date.utc("x")}}/{{date.utc("x")}}', { now: { start: 0, stepMs: 1 } });

    // Act
    const [a, b] = template.render().split('/');

    // Assess
    expect(a).toBe(b);
  });
});

describe('variables', () => {
  it('repeat a value within a record and change between records', () => {
    // Prepare
    const template = compileTemplate('{{string.uuid as id}} {{$id}} {{ $id }}', { seed: 2 });

    // Act
    const records = [template.render(), template.render()].map((line) => line.split(' '));

    // Assess
    for (const [a, b, c] of records) expect([b, c]).toEqual([a, a]);
    expect(records[0]?.[0]).not.toBe(records[1]?.[0]);
  });
});

describe('variants', () => {
  it('are chosen by weight', () => {
    // Prepare
    const template = compileTemplate('{{#variant weight=3}}A{{/variant}}{{#variant weight=1}}B{{/variant}}', {
      seed: 9,
    });

    // Act
    const records = Array.from({ length: 8000 }, () => template.render());

    // Assess
    const share = records.filter((record) => record === 'A').length / records.length;
    expect(share).toBeGreaterThan(0.73);
    expect(share).toBeLessThan(0.77);
    expect(template.variantCount).toBe(2);
  });
});

describe('rendering values', () => {
  it.each<[string, RegExp]>([
    ['{{date.past}}', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/],
    ['{{random.arrayElements(["a"], 1)}}', /^\["a"]$/],
    ['{{helpers.createTransaction}}', /^\{"amount":"/],
    ['{{number.bigInt({"min":1,"max":5})}}', /^[1-5]$/],
  ])('writes %s as text', (template, shape) => {
    // Act / Assess
    expect(compileTemplate(template, { seed: 1 }).render()).toMatch(shape);
  });

  it('lists the helpers a template calls', () => {
    // Act
    const compiled = compileTemplate('{{string.uuid}}-{{random.number(3)}}');

    // Assess
    expect(compiled.helpers).toEqual(['string.uuid', 'random.number']);
  });
});
