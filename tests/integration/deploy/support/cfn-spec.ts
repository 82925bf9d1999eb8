/**
 * Checks a CloudFormation template against AWS's own resource specification (@aws-cdk/aws-service-spec, the
 * database the CDK generates its L1 constructs from): every resource type exists, every property exists at
 * every depth, required properties are present, enumerated values are allowed, scalar types match, and every
 * Ref, Fn::GetAtt (with its attribute), Condition and Fn::If names something the template or AWS defines.
 * Intrinsic values are checked where they can be: both branches of an Fn::If against the property's type.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
// Types of the database @aws-cdk/aws-service-spec loads (its own dependency).
import type { Property, PropertyType, Resource as SpecResource } from '@aws-cdk/service-spec-types';

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
type Json = Record<string, unknown>;

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Properties?: Json; Condition?: string; DependsOn?: unknown } & Json
  >;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
  // serverless sets it on its custom resources; CloudFormation ignores it.
  'Version',
]);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::If',
  'Fn::Select',
  'Fn::Split',
  'Fn::ImportValue',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::Cidr',
  'Fn::ToJsonString',
  'Fn::Length',
]);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Fn::...": ... }` or `{ Ref }`: one key, an intrinsic function's name. */
function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.has(keys[0]!) ? [keys[0]!, value[keys[0]!]] : undefined;
}

export class SpecChecker {
  private constructor(private readonly db: SpecDatabase) {}

  static async load(): Promise<SpecChecker> {
    return new SpecChecker(await loadAwsServiceSpec());
  }

  resource(type: string): SpecResource | undefined {
    return this.db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
  }

  /** Every problem found, each `<path>: <what is wrong>`; empty when the template conforms. */
  check(template: Template): string[] {
    const problems: string[] = [];
    const context = new TemplateContext(template, this);
    for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
      context.references(condition, `Conditions.${name}`, problems);
    }
    for (const [id, resource] of Object.entries(template.Resources)) {
      const path = `Resources.${id}`;
      for (const key of Object.keys(resource)) {
        if (!RESOURCE_KEYS.has(key)) problems.push(`${path}: unknown resource attribute ${key}`);
      }
      if (resource.Condition !== undefined && !context.hasCondition(resource.Condition)) {
        problems.push(`${path}.Condition: no condition ${JSON.stringify(resource.Condition)}`);
      }
      for (const dependency of [resource.DependsOn ?? []].flat() as string[]) {
        if (!(dependency in template.Resources))
          problems.push(`${path}.DependsOn: no resource ${dependency}`);
      }
      const properties = resource.Properties ?? {};
      context.references(properties, `${path}.Properties`, problems);
      if (resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource') {
        if (!('ServiceToken' in properties)) problems.push(`${path}: a custom resource needs ServiceToken`);
        continue;
      }
      const spec = this.resource(resource.Type);
      if (!spec) {
        problems.push(`${path}: unknown resource type ${resource.Type}`);
        continue;
      }
      this.checkProperties(properties, spec.properties, `${path}.Properties`, problems);
    }
    for (const [name, output] of Object.entries(template.Outputs ?? {})) {
      if (output.Condition !== undefined && !context.hasCondition(output.Condition)) {
        problems.push(`Outputs.${name}.Condition: no condition ${JSON.stringify(output.Condition)}`);
      }
      context.references(output.Value, `Outputs.${name}.Value`, problems);
    }
    return problems;
  }

  private checkProperties(
    values: Json,
    properties: Record<string, Property>,
    path: string,
    problems: string[],
  ): void {
    for (const [name, value] of Object.entries(values)) {
      const property = properties[name];
      if (!property) problems.push(`${path}.${name}: no such property`);
      else this.checkValue(value, property.type, `${path}.${name}`, problems);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in values)) problems.push(`${path}.${name}: required, missing`);
    }
  }

  /** Checks a value against a property type; intrinsics are followed where the value can still be known. */
  private checkValue(value: unknown, type: PropertyType, path: string, problems: string[]): void {
    const intrinsic = intrinsicOf(value);
    if (intrinsic) {
      const [name, argument] = intrinsic;
      if (name === 'Fn::If' && Array.isArray(argument)) {
        // Either branch may be the value: both must fit (AWS::NoValue removes the property).
        for (const [index, branch] of [argument[1], argument[2]].entries()) {
          if (isObject(branch) && branch.Ref === 'AWS::NoValue') continue;
          this.checkValue(branch, type, `${path}[Fn::If ${index === 0 ? 'true' : 'false'}]`, problems);
        }
      }
      return;
    }
    const fail = (what: string) =>
      problems.push(`${path}: ${what}, got ${JSON.stringify(value)?.slice(0, 120)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
          return void fail('must be a string');
        if ('allowedValues' in type && type.allowedValues && !type.allowedValues.includes(String(value)))
          fail(`must be one of ${type.allowedValues.join(', ')}`);
        return;
      case 'integer':
      case 'number': {
        const number = typeof value === 'string' ? Number(value) : value;
        if (typeof number !== 'number' || Number.isNaN(number)) return void fail(`must be a ${type.type}`);
        if (type.type === 'integer' && !Number.isInteger(number)) return void fail('must be an integer');
        if ('allowedValues' in type && type.allowedValues && !type.allowedValues.includes(number))
          fail(`must be one of ${type.allowedValues.join(', ')}`);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') fail('must be a boolean');
        return;
      case 'json':
        return;
      case 'null':
        if (value !== null) fail('must be null');
        return;
      case 'tag':
        if (!isObject(value) || !('Key' in value) || !('Value' in value)) fail('must be a {Key, Value} tag');
        return;
      case 'array':
        if (!Array.isArray(value)) return void fail('must be a list');
        value.forEach((item, index) => this.checkValue(item, type.element, `${path}[${index}]`, problems));
        return;
      case 'map':
        if (!isObject(value)) return void fail('must be a map');
        for (const [key, item] of Object.entries(value))
          this.checkValue(item, type.element, `${path}.${key}`, problems);
        return;
      case 'union': {
        const attempts = type.types.map((member) => {
          const found: string[] = [];
          this.checkValue(value, member, path, found);
          return found;
        });
        if (!attempts.some((found) => found.length === 0))
          problems.push(...attempts.sort((a, b) => a.length - b.length)[0]!);
        return;
      }
      case 'ref': {
        if (!isObject(value)) return void fail('must be an object');
        const definition = this.db.get('typeDefinition', type.reference);
        this.checkProperties(value, definition.properties, path, problems);
        return;
      }
      default:
        fail(`has a type the checker does not know (${(type as { type: string }).type})`);
    }
  }
}

/** What a template defines: for Ref, Fn::GetAtt, Fn::If and Condition checks. */
class TemplateContext {
  constructor(
    private readonly template: Template,
    private readonly checker: SpecChecker,
  ) {}

  hasCondition(name: string): boolean {
    return name in (this.template.Conditions ?? {});
  }

  /** Walks a value, checking every reference it makes. */
  references(value: unknown, path: string, problems: string[]): void {
    if (Array.isArray(value)) {
      value.forEach((item, index) => this.references(item, `${path}[${index}]`, problems));
      return;
    }
    if (!isObject(value)) return;
    const intrinsic = intrinsicOf(value);
    if (intrinsic) this.reference(intrinsic, path, problems);
    if (
      typeof value.Condition === 'string' &&
      Object.keys(value).length === 1 &&
      !this.hasCondition(value.Condition)
    ) {
      problems.push(`${path}: no condition ${value.Condition}`);
    }
    for (const [key, item] of Object.entries(value)) this.references(item, `${path}.${key}`, problems);
  }

  private reference([name, argument]: [string, unknown], path: string, problems: string[]): void {
    const { Resources, Parameters = {} } = this.template;
    if (name === 'Ref' && typeof argument === 'string') {
      if (!(argument in Resources) && !(argument in Parameters) && !PSEUDO_PARAMETERS.has(argument))
        problems.push(`${path}: Ref to nothing: ${argument}`);
    } else if (name === 'Fn::GetAtt') {
      const [id, attribute] = (typeof argument === 'string' ? argument.split('.') : argument) as [
        string,
        string,
      ];
      const resource = Resources[id];
      if (!resource) return void problems.push(`${path}: Fn::GetAtt of no resource ${id}`);
      const spec = this.checker.resource(resource.Type);
      if (spec && !(attribute in spec.attributes))
        problems.push(`${path}: ${resource.Type} has no attribute ${attribute}`);
    } else if (name === 'Fn::If' && Array.isArray(argument)) {
      if (argument.length !== 3) problems.push(`${path}: Fn::If takes [condition, then, else]`);
      if (!this.hasCondition(argument[0] as string))
        problems.push(`${path}: Fn::If on no condition ${argument[0]}`);
    } else if (name === 'Fn::Sub') {
      const [text, variables = {}] = (Array.isArray(argument) ? argument : [argument]) as [string, Json?];
      for (const [, variable] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
        const [root] = variable!.split('.');
        if (variable! in variables || PSEUDO_PARAMETERS.has(variable!)) continue;
        if (!(root! in Resources) && !(root! in Parameters))
          problems.push(`${path}: Fn::Sub names nothing: ${variable}`);
      }
    }
  }
}
