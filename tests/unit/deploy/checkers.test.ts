/**
 * The template checkers the deploy integration tests rely on must each be able to fail: every rule is shown
 * catching a template that breaks it, and passing one that does not.
 */
import { SpecChecker, type Template } from '../../integration/deploy/support/cfn-spec';
import { deployedWith } from '../../integration/deploy/support/conditions';
import { iamProblems, resourceTexts, unscopedReason } from '../../integration/deploy/support/iam';

type Json = Record<string, unknown>;

/** A small valid template: a conditional stream, a queue, an alarm on the queue. */
function template(): Template {
  return {
    Parameters: { ExistingStreamArn: { Type: 'String', Default: '' } },
    Conditions: { CreateStream: { 'Fn::Equals': [{ Ref: 'ExistingStreamArn' }, ''] } },
    Resources: {
      Stream: {
        Type: 'AWS::Kinesis::Stream',
        Condition: 'CreateStream',
        Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' }, RetentionPeriodHours: 24 },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
      Alarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Queue', 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      },
    },
    Outputs: {
      StreamArn: {
        Value: {
          'Fn::If': ['CreateStream', { 'Fn::GetAtt': ['Stream', 'Arn'] }, { Ref: 'ExistingStreamArn' }],
        },
      },
    },
  };
}

describe('SpecChecker', () => {
  let spec: SpecChecker;
  beforeAll(async () => {
    spec = await SpecChecker.load();
  });

  it('passes a template that conforms', () => {
    expect(spec.check(template())).toEqual([]);
  });

  const alarm = (t: Template) => t.Resources.Alarm!.Properties as Json;
  const mode = (t: Template) => t.Resources.Stream!.Properties!.StreamModeDetails as Json;
  it.each<[string, (t: Template) => void, RegExp]>([
    [
      'an unknown resource type',
      (t) => (t.Resources.Queue!.Type = 'AWS::SQS::Queues'),
      /unknown resource type AWS::SQS::Queues/,
    ],
    ['an unknown property', (t) => (alarm(t).Treshold = 1), /Alarm.Properties.Treshold: no such property/],
    [
      'a missing required property',
      (t) => delete mode(t).StreamMode,
      /StreamModeDetails.StreamMode: required, missing/,
    ],
    [
      'a value outside an enumeration',
      (t) => (mode(t).StreamMode = 'FAST'),
      /StreamMode: must be one of ON_DEMAND/,
    ],
    [
      'a bad value in one branch of Fn::If',
      (t) => (mode(t).StreamMode = { 'Fn::If': ['CreateStream', 'ON_DEMAND', 'FAST'] }),
      /StreamMode\[Fn::If false\]: must be one of/,
    ],
    [
      'a nested unknown property',
      (t) => ((alarm(t).Dimensions as Json[])[0]!.Nme = 'x'),
      /Dimensions\[0\].Nme: no such property/,
    ],
    ['a number that is not one', (t) => (alarm(t).Period = 'often'), /Period: must be a integer/],
    [
      'a Ref to nothing',
      (t) => (t.Outputs!.StreamArn!.Value = { Ref: 'Missing' }),
      /Ref to nothing: Missing/,
    ],
    [
      'an attribute the type does not have',
      (t) => ((alarm(t).Dimensions as Json[])[0]!.Value = { 'Fn::GetAtt': ['Queue', 'Name'] }),
      /AWS::SQS::Queue has no attribute Name/,
    ],
    [
      'a Condition that does not exist',
      (t) => (t.Resources.Stream!.Condition = 'MakeStream'),
      /no condition "MakeStream"/,
    ],
    [
      'an unknown resource attribute',
      (t) => (t.Resources.Queue!.Conditions = 'x'),
      /unknown resource attribute Conditions/,
    ],
  ])('catches %s', (_case, breakIt, problem) => {
    // Prepare
    const broken = template();
    breakIt(broken);

    // Act
    const problems = spec.check(broken);

    // Assess
    expect(problems).toEqual([expect.stringMatching(problem)]);
  });
});

describe('iamProblems', () => {
  const role = (statement: Json) => ({
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [statement] } }] },
      },
    },
  });
  const allow = (Action: string[], Resource: unknown) => role({ Effect: 'Allow', Action, Resource });

  it.each<[string, Json]>([
    ['one stream', allow(['kinesis:GetRecords'], 'arn:aws:kinesis:eu-west-1:123456789012:stream/s')],
    [
      'a bucket prefix',
      allow(['s3:PutObject'], { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/raw/*']] }),
    ],
    [
      'a function and its versions',
      allow(['lambda:InvokeFunction'], { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['F', 'Arn'] }, ':*']] }),
    ],
    [
      'a log group by Fn::Sub',
      allow(['logs:PutLogEvents'], {
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/f:*',
      }),
    ],
    ['a Deny with wildcards', role({ Effect: 'Deny', Action: 's3:*', Resource: '*' })],
  ])('accepts %s', (_case, resources) => {
    expect(iamProblems(resources as never)).toEqual([]);
  });

  it.each<[string, Json, RegExp]>([
    ['a wildcard action', allow(['s3:*'], 'arn:aws:s3:::b/raw/*'), /wildcard action s3:\*/],
    ['a partial wildcard action', allow(['s3:Get*'], 'arn:aws:s3:::b/raw/*'), /wildcard action s3:Get\*/],
    ['resource *', allow(['sqs:SendMessage'], '*'), /resource \* is \*/],
    [
      'a wildcard account',
      allow(['sqs:SendMessage'], 'arn:aws:sqs:eu-west-1:*:q'),
      /wildcard partition, service, region or account/,
    ],
    [
      'every function',
      allow(['lambda:AddPermission'], {
        'Fn::Join': [
          ':',
          [
            'arn',
            { Ref: 'AWS::Partition' },
            'lambda',
            { Ref: 'AWS::Region' },
            { Ref: 'AWS::AccountId' },
            'function',
            '*',
          ],
        ],
      }),
      /wildcard function id/,
    ],
    [
      'every object of a bucket',
      allow(['s3:GetObject'], { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] }),
      /covers everything inside/,
    ],
    [
      'a wildcard in one branch of Fn::If',
      allow(['kinesis:GetRecords'], { 'Fn::If': ['C', { 'Fn::GetAtt': ['S', 'Arn'] }, '*'] }),
      /resource \* is \*/,
    ],
    ['NotAction', role({ Effect: 'Allow', NotAction: ['iam:*'], Resource: 'arn:aws:s3:::b/x' }), /NotAction/],
  ])('catches %s', (_case, resources, problem) => {
    expect(iamProblems(resources as never)).toEqual([expect.stringMatching(problem)]);
  });

  it('reads Fn::If branches and Fn::Sub variables into placeholder texts', () => {
    expect(resourceTexts({ 'Fn::If': ['C', { Ref: 'A' }, { 'Fn::Sub': ['x/${N}', { N: 'n' }] }] })).toEqual([
      '{Ref A}',
      'x/n',
    ]);
    expect(unscopedReason('{Ref A}')).toBeUndefined();
  });
});

describe('deployedWith', () => {
  it.each([
    ['defaults (create)', {}, ['Alarm', 'Queue', 'Stream'], { 'Fn::GetAtt': ['Stream', 'Arn'] }],
    ['an existing stream', { ExistingStreamArn: 'arn:x' }, ['Alarm', 'Queue'], 'arn:x'],
  ])('%s: keeps resources and resolves Fn::If by the Conditions', (_case, overrides, resources, arn) => {
    // Act
    const deployed = deployedWith(template(), overrides);

    // Assess
    expect(Object.keys(deployed.resources).sort()).toEqual(resources);
    expect(deployed.outputs.StreamArn).toEqual({ Value: arn });
  });

  it('refuses a parameter the template does not have', () => {
    expect(() => deployedWith(template(), { Nope: '' })).toThrow(/no parameter Nope/);
  });
});
