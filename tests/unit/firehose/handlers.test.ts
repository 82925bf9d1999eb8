import { readFileSync } from 'node:fs';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseTransformationEvent } from '../../../lib/events/factories';
import { checkTransformationResponse, PROJECT_CONTRACT } from '../../../lib/firehose';
import { clickEvent } from '../../fixtures/clickstream';

type Handler = (
  event: FirehoseTransformationEvent,
  context: Context,
) => Promise<FirehoseTransformationResult>;

const context = {
  functionName: 'kinesis-pipeline-dev-fn',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn',
  memoryLimitInMB: '1024',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function loadHandler(file: string): Promise<Handler> {
  let handler: Handler | undefined;
  // A fresh module each time: the handler compiles pipeline.yml at import (cold start).
  await jest.isolateModulesAsync(async () => {
    handler = ((await import(file)) as { handler: Handler }).handler;
  });
  return handler!;
}

describe.each([
  ['firehoseTransformer', '../../../functions/firehose-transformer', 'firehose-transformer'],
  ['partitionKeys', '../../../functions/partition-keys', 'partition-keys'],
])('%s handler', (_name, file, service) => {
  const saved = { ...process.env };
  let output: string[];

  beforeEach(() => {
    process.env.MASK_SALT = 'pepper';
    process.env.PIPELINE_FILE = 'pipeline.yml';
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    // Dev mode makes the logger print through the global console, which the test can observe.
    process.env.POWERTOOLS_DEV = 'true';
    output = [];
    for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        output.push(String(args[0]));
      });
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('returns the Firehose response and logs one summary line without payloads', async () => {
    // Prepare
    const handler = await loadHandler(file);
    const secret = 'user-secret@example.com';
    const event = firehoseTransformationEvent(
      [{ data: JSON.stringify(clickEvent(1, { customer: { email: secret } })) }, { data: 'not json' }],
      { sourceStreamName: 'clickstream-events' },
    );

    // Act
    const response = await handler(event, context);

    // Assess
    const recordIds = event.records.map((record) => record.recordId);
    expect(checkTransformationResponse(recordIds, response, PROJECT_CONTRACT).problems).toEqual([]);
    expect(response.records.map((record) => record.result)).toEqual(['Ok', 'ProcessingFailed']);
    const lines = output.map((line) => JSON.parse(line) as Record<string, unknown>);
    const summaries = lines.filter((line) => line.message === 'batch processed');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      level: 'WARN',
      service,
      summary: { records: 2, ok: 1, processingFailed: 1, failed: { 'invalid-json': 1 } },
    });
    expect(output.join('')).not.toContain(secret);
  });

  it('answers the SAM CLI streams-as-source event, whose ARN is misspelt and a placeholder', async () => {
    // Prepare: one record holding two objects with different keys, so it must be split and re-ingested.
    const handler = await loadHandler(file);
    const event = JSON.parse(
      readFileSync(
        '../shared/reference/real-world/events/derived/sam-streams-as-source-mixed-keys.json',
        'utf8',
      ),
    ) as FirehoseTransformationEvent;

    // Act
    const response = await handler(event, context);

    // Assess: no re-ingestion is possible, so the record fails with its reason and the invocation answers.
    const recordIds = event.records.map((record) => record.recordId);
    expect(checkTransformationResponse(recordIds, response, PROJECT_CONTRACT).problems).toEqual([]);
    expect(response.records.map((record) => record.result)).toEqual(['ProcessingFailed']);
    const summary = output
      .map((line) => JSON.parse(line) as { message: string; summary?: { failures: { message: string }[] } })
      .find((line) => line.message === 'batch processed')?.summary;
    expect(summary?.failures[0]?.message).toContain('"arn:aws:kinesis:EXAMPLE" is not a delivery stream ARN');
  });
});
