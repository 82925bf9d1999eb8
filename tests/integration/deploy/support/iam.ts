/**
 * Least privilege, checked on every policy document of a template (role inline policies, AWS::IAM::Policy
 * and ManagedPolicy, bucket and queue policies): an Allow never names a wildcard action (`*`, `s3:*`,
 * `s3:Get*`), never uses NotAction or NotResource, and every resource is scoped: not `*`, no wildcard
 * region or account, and no resource id that is only a wildcard (`function:*`, `stream/*`). A wildcard after
 * a specific part (`bucket/raw/*`, `log-group:/aws/lambda/f:*`) is scoped. Deny statements may use wildcards:
 * they only take permissions away (the TLS-only bucket policy denies `s3:*`).
 */
type Json = Record<string, unknown>;

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

export interface PolicyDocument {
  where: string;
  statements: Statement[];
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where each resource type keeps its policy documents. */
const DOCUMENTS: Record<string, (properties: Json) => [string, unknown][]> = {
  'AWS::IAM::Role': (properties) =>
    ((properties.Policies ?? []) as { PolicyName: unknown; PolicyDocument: unknown }[]).map((policy) => [
      `Policies.${typeof policy.PolicyName === 'string' ? policy.PolicyName : JSON.stringify(policy.PolicyName)}`,
      policy.PolicyDocument,
    ]),
  'AWS::IAM::Policy': (properties) => [['PolicyDocument', properties.PolicyDocument]],
  'AWS::IAM::ManagedPolicy': (properties) => [['PolicyDocument', properties.PolicyDocument]],
  'AWS::S3::BucketPolicy': (properties) => [['PolicyDocument', properties.PolicyDocument]],
  'AWS::SQS::QueuePolicy': (properties) => [['PolicyDocument', properties.PolicyDocument]],
};

export function policyDocuments(template: {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}): PolicyDocument[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) =>
    (DOCUMENTS[resource.Type]?.(resource.Properties ?? {}) ?? []).map(([where, document]) => ({
      where: `${id}.${where}`,
      statements: [(document as { Statement?: unknown })?.Statement ?? []].flat() as Statement[],
    })),
  );
}

/** `{Ref AWS.Region}`: a placeholder without colons, so an ARN built around it still splits into its parts. */
const placeholder = (kind: string, name: string): string => `{${kind} ${name.replaceAll('::', '.')}}`;

/**
 * The resource strings a value can become: literal text with every intrinsic part replaced by a placeholder
 * (`{Ref Name}`, `{GetAtt Id.Arn}`), both branches of Fn::If, each element of a list.
 */
export function resourceTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(resourceTexts);
  if (!isObject(value)) return [String(value)];
  if ('Fn::If' in value) {
    const [, yes, no] = value['Fn::If'] as unknown[];
    return [...resourceTexts(yes), ...resourceTexts(no)];
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    // Every combination of the parts' possible texts (an Fn::If part has two).
    const combinations = parts
      .map(resourceTexts)
      .reduce<string[][]>(
        (prefixes, options) => prefixes.flatMap((p) => options.map((o) => [...p, o])),
        [[]],
      );
    return combinations.map((combination) => combination.join(separator));
  }
  if ('Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    const [text, variables = {}] = (Array.isArray(sub) ? sub : [sub]) as [string, Json?];
    return [
      text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) =>
        name in variables ? resourceTexts(variables[name])[0]! : placeholder('Ref', name),
      ),
    ];
  }
  if ('Fn::GetAtt' in value) return [placeholder('GetAtt', [value['Fn::GetAtt']].flat().join('.'))];
  if ('Ref' in value) return [placeholder('Ref', String(value.Ref))];
  return [JSON.stringify(value)];
}

const REFERENCE = String.raw`\{(?:GetAtt|Ref) [^}]+\}`;

/** Why a resource text is not scoped, or undefined when it is. */
export function unscopedReason(text: string): string | undefined {
  if (text === '*') return 'is *';
  if (new RegExp(`^${REFERENCE}$`).test(text)) return undefined;
  if (!text.startsWith('arn:')) {
    // A reference names one resource: a qualifier after it stays inside it (`{GetAtt F.Arn}:*`), a path must
    // say which part (`{GetAtt Bucket.Arn}/raw/*`, not every object).
    if (new RegExp(`^${REFERENCE}/\\*$`).test(text)) return 'covers everything inside the resource';
    return new RegExp(`^${REFERENCE}[/:].`).test(text) ? undefined : 'is neither an ARN nor a reference';
  }
  const [, partition, service, region, account, ...rest] = text.split(':');
  const resource = rest.join(':');
  if ([partition, service, region, account].some((part) => part?.includes('*')))
    return 'has a wildcard partition, service, region or account';
  if (resource === '' || resource.startsWith('*')) return 'has a wildcard resource';
  // `type/id` or `type:id`: the id itself must not be only a wildcard.
  const id = resource.replace(/^[a-z-]+[/:]/, '');
  if (id.startsWith('*')) return `has a wildcard ${resource.split(/[/:]/)[0]} id`;
  return undefined;
}

/** Every least-privilege problem of a template, `<where>[<sid or index>]: <problem>`. */
export function iamProblems(template: {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}): string[] {
  const problems: string[] = [];
  for (const { where, statements } of policyDocuments(template)) {
    statements.forEach((statement, index) => {
      if (statement.Effect !== 'Allow') return;
      const at = `${where}[${statement.Sid ?? index}]`;
      if (statement.NotAction !== undefined) problems.push(`${at}: NotAction allows everything else`);
      if (statement.NotResource !== undefined) problems.push(`${at}: NotResource allows everything else`);
      for (const action of [statement.Action ?? []].flat()) {
        if (action.includes('*')) problems.push(`${at}: wildcard action ${action}`);
      }
      if (statement.Resource === undefined) problems.push(`${at}: no Resource`);
      for (const text of resourceTexts(statement.Resource ?? [])) {
        const reason = unscopedReason(text);
        if (reason) problems.push(`${at}: resource ${text} ${reason}`);
      }
    });
  }
  return problems;
}
