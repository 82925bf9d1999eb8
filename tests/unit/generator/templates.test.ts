import { gunzipSync } from 'node:zlib';
import {
  compileTemplate,
  createCloudWatchLogsProducer,
  listTemplates,
  loadTemplateSpec,
  type CloudWatchLogsPayload,
} from '../../../lib/generator';
import { compileValidator, formatIssues } from '../../../lib/schema/validate';

const RECORDS = 1000;

describe('shipped templates', () => {
  it.each(['clickstream', 'iot-telemetry', 'app-logs'])('renders %s records valid for its schema', (name) => {
    // Prepare
    const spec = loadTemplateSpec(name);
    const validate = compileValidator(spec.schema as object);
    const template = compileTemplate(spec.text, { seed: 1234, newlines: spec.newlines, source: spec.path });

    // Act
    const problems: string[] = [];
    for (let i = 0; i < RECORDS; i += 1) {
      const text = template.render();
      const result = validate(JSON.parse(text));
      if (!result.ok) problems.push(`record ${i}: ${formatIssues(result.issues)}: ${text}`);
    }

    // Assess
    expect(problems).toEqual([]);
  });

  it('renders clickstream records of every event type, purchases with their items', () => {
    // Prepare
    const spec = loadTemplateSpec('clickstream');
    const template = compileTemplate(spec.text, { seed: 5, newlines: spec.newlines });

    // Act
    const records = Array.from(
      { length: RECORDS },
      () => JSON.parse(template.render()) as Record<string, unknown>,
    );

    // Assess
    const types = new Set(records.map((record) => record.event_type));
    expect([...types].sort()).toEqual([
      'add_to_cart',
      'click',
      'heartbeat',
      'page_view',
      'purchase',
      'search',
    ]);
    const page = records[0]?.page as { url: string; path: string };
    expect(page.url.endsWith(page.path)).toBe(true);
  });

  it('renders one record per line', () => {
    // Prepare
    const spec = loadTemplateSpec('clickstream');

    // Act
    const text = compileTemplate(spec.text, { seed: 1, newlines: spec.newlines }).render();

    // Assess
    expect(text).not.toMatch(/[\r\n]/);
  });

  it('lists every catalog entry with a description', () => {
    // Act
    const names = listTemplates().map(({ name }) => name);

    // Assess
    expect(names).toEqual(['clickstream', 'iot-telemetry', 'app-logs', 'cloudwatch-logs']);
  });

  it('rejects a template that is neither shipped nor a file', () => {
    // Act / Assess
    expect(() => loadTemplateSpec('no-such-template')).toThrow(/neither a shipped template \(clickstream, /);
  });
});

describe('CloudWatch Logs subscription payloads', () => {
  it("are gzip'd DATA_MESSAGE documents whose events carry app-logs messages", () => {
    // Prepare
    const spec = loadTemplateSpec('cloudwatch-logs');
    const validate = compileValidator(spec.schema as object);
    const message = compileTemplate(spec.text, { seed: 8, newlines: spec.newlines });
    const producer = createCloudWatchLogsProducer({
      message,
      eventsPerPayload: { min: 2, max: 5 },
      seed: 8,
      logGroup: '/aws/lambda/x',
    });

    // Act
    const payloads = Array.from({ length: 50 }, () => {
      const record = producer.next();
      return JSON.parse(gunzipSync(record.data).toString('utf8')) as CloudWatchLogsPayload;
    });

    // Assess
    for (const payload of payloads) {
      expect(payload).toMatchObject({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: '/aws/lambda/x',
        subscriptionFilters: ['kpipe-subscription'],
      });
      expect(payload.logStream).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST][0-9a-f]{32}$/);
      expect(payload.logEvents.length).toBeGreaterThanOrEqual(2);
      expect(payload.logEvents.length).toBeLessThanOrEqual(5);
      for (const event of payload.logEvents) {
        expect(event.id).toMatch(/^[1-9]\d{55}$/);
        expect(event.timestamp).toEqual(expect.any(Number));
        expect(validate(JSON.parse(event.message))).toEqual({ ok: true });
      }
    }
  });

  it.each<[string, object, RegExp]>([
    ['a zero event count', { eventsPerPayload: 0 }, /eventsPerPayload/],
    ['an inverted range', { eventsPerPayload: { min: 3, max: 2 } }, /eventsPerPayload/],
    ['a bad account id', { owner: 'abc' }, /12-digit/],
  ])('rejects %s', (_name, options, message) => {
    // Prepare
    const template = compileTemplate('x');

    // Act / Assess
    expect(() => createCloudWatchLogsProducer({ message: template, ...options })).toThrow(message);
  });
});
