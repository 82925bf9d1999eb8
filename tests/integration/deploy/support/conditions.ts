/**
 * What CloudFormation would deploy from a template, given stack parameter values: Conditions evaluated,
 * resources and outputs kept or left out by them, Fn::If resolved to its branch, Refs to parameters replaced
 * by their values and AWS::NoValue removed. Other intrinsics stay as they are.
 */
import type { Template } from './cfn-spec';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface Deployed {
  parameters: Record<string, string>;
  conditions: Record<string, boolean>;
  resources: Template['Resources'];
  outputs: Record<string, unknown>;
}

export function deployedWith(template: Template, overrides: Record<string, string> = {}): Deployed {
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = overrides[name] ?? parameter.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    parameters[name] = String(value);
  }
  for (const name of Object.keys(overrides)) {
    if (!(name in parameters)) throw new Error(`template has no parameter ${name}`);
  }
  const conditions: Record<string, boolean> = {};
  const definitions = template.Conditions ?? {};

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((item) => item !== NO_VALUE);
    if (!isObject(value)) return value;
    if (Object.keys(value).length === 1) {
      if ('Fn::If' in value) {
        const [name, yes, no] = value['Fn::If'] as [string, unknown, unknown];
        return resolve(condition(name) ? yes : no);
      }
      if (value.Ref === 'AWS::NoValue') return NO_VALUE;
      if (typeof value.Ref === 'string' && value.Ref in parameters) return parameters[value.Ref];
    }
    const resolved: Json = {};
    for (const [key, item] of Object.entries(value)) {
      const result = resolve(item);
      if (result !== NO_VALUE) resolved[key] = result;
    }
    return resolved;
  };

  const truth = (expression: unknown): boolean => {
    if (!isObject(expression)) throw new Error(`not a condition: ${JSON.stringify(expression)}`);
    const [[name, argument]] = Object.entries(expression) as [[string, unknown]];
    const operands = argument as unknown[];
    const operators: Record<string, () => boolean> = {
      'Fn::Equals': () => JSON.stringify(resolve(operands[0])) === JSON.stringify(resolve(operands[1])),
      'Fn::Not': () => !truth(operands[0]),
      'Fn::And': () => operands.every(truth),
      'Fn::Or': () => operands.some(truth),
      Condition: () => condition(argument as string),
    };
    const operator = operators[name];
    if (!operator) throw new Error(`unknown condition function ${name}`);
    return operator();
  };

  const condition = (name: string): boolean => {
    if (!(name in definitions)) throw new Error(`no condition ${name}`);
    conditions[name] ??= truth(definitions[name]);
    return conditions[name];
  };
  for (const name of Object.keys(definitions)) condition(name);

  const kept = <T extends { Condition?: string }>(entries: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([, entry]) => entry.Condition === undefined || condition(entry.Condition))
        .map(([id, entry]) => [id, resolve(entry)]),
    );
  return {
    parameters,
    conditions,
    resources: kept(template.Resources) as Template['Resources'],
    outputs: kept(template.Outputs ?? {}),
  };
}

const NO_VALUE = Symbol('AWS::NoValue');
