/**
 * X-Ray tracing behind `--param tracing` (off by default): serverless sets each function's TracingConfig
 * (provider.tracing.lambda) and POWERTOOLS_TRACE_ENABLED; the functions' own roles get the two X-Ray writes
 * here, which serverless adds only to the default role. X-Ray's writes take no resource but `*`.
 */
import type { DeployContext, Statement } from './common';

type Role = { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } };

export const XRAY_WRITE: Statement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

export function applyTracing(
  context: DeployContext,
  template: {
    functions: Record<string, Record<string, unknown> | undefined>;
    resources: Record<string, unknown>;
  },
): void {
  if (!context.tracing) return;
  for (const fn of Object.values(template.functions)) {
    if (fn === undefined) continue;
    const role = template.resources[fn.role as string] as Role;
    role.Properties.Policies[0]!.PolicyDocument.Statement.push(XRAY_WRITE);
  }
}
