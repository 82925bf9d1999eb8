// serverless.yml takes its functions and resources from pipeline.yml through this file
// (`${file(./serverless/config.js):template.functions}`); lib/deploy computes them. pipeline.yml is
// validated here, so a bad file fails `sls package` with the same message as a cold start; so are the
// `--param` values (stage settings, attach parameters, destination parameters), each error naming its param.
require('tsx/cjs');
const path = require('node:path');
const { loadPipeline } = require('../lib/pipeline/load.ts');
const { deployTemplate } = require('../lib/deploy/index.ts');
const { checkAttachParams, resolveSettings, DEFAULT_SETTINGS } = require('../lib/deploy/settings.ts');
const { destinationParams, DESTINATION_PARAMS } = require('../lib/deploy/destinations.ts');
const { checkSecretParams } = require('../lib/deploy/secrets.ts');

const pipelineFile = path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml');

// `sls invoke local` resolves every environment value before running, and a CloudFormation Ref cannot be
// resolved without AWS. Locally the bucket comes from the shell instead (BUCKET_NAME), as it would in Lambda.
const invokeLocal = process.argv.includes('invoke') && process.argv.includes('local');

// Every name read here has a value in serverless.yml `params.default`, so each resolves.
async function params(resolveVariable, names) {
  const entries = await Promise.all(
    names.map(async (name) => [name, await resolveVariable(`param:${name}`)]),
  );
  return Object.fromEntries(entries);
}

// serverless resolves each `${file(...):template.x}` on its own; the template is computed once. A failure
// is not kept: serverless calls early, before every source (`param:`) can resolve, and again later.
let computed;
module.exports.template = ({ resolveVariable }) => {
  // The salt itself no longer goes through serverless (it would land in the template and .serverless/).
  if (process.argv.some((arg) => /^(--param=)?maskSalt=/.test(arg))) {
    throw new Error(
      '--param maskSalt is gone: the salt stays in Secrets Manager or SSM. Drop it (each stage then generates its ' +
        'own secret salt) or pass --param maskSaltParameter=<SSM SecureString name or secret ARN> of yours',
    );
  }
  computed ??= (async () => {
    // Warnings (a date pattern with minutes for months...) print once; KPIPE_STRICT=1 makes them errors.
    const pipeline = loadPipeline(pipelineFile, { strict: process.env.KPIPE_STRICT === '1' });
    for (const warning of pipeline.warnings) {
      process.stderr.write(`pipeline.yml warning: ${warning} (KPIPE_STRICT=1 makes this an error)\n`);
    }
    const attach = checkAttachParams(
      await params(resolveVariable, [
        'existingStreamArn',
        'existingBucketName',
        'existingDeliveryStreamName',
      ]),
    );
    const settings = resolveSettings(await params(resolveVariable, Object.keys(DEFAULT_SETTINGS)));
    const template = deployTemplate({
      pipeline,
      invokeLocal,
      settings,
      destinationParams: destinationParams(
        pipeline.config.delivery,
        await params(resolveVariable, Object.keys(DESTINATION_PARAMS)),
      ),
      secrets: checkSecretParams(await params(resolveVariable, ['maskSaltParameter', 'maskSaltKmsKeyArn'])),
      tracing: String(await resolveVariable('param:tracing')) === 'true',
      service: await resolveVariable('self:service'),
      stage: await resolveVariable('sls:stage'),
      ...attach,
    });
    return {
      functions: template.functions,
      // serverless.yml `resources:` as a whole: CloudFormation sections plus serverless' `extensions`.
      cloudFormation: {
        Parameters: template.parameters,
        Conditions: template.conditions,
        Resources: template.resources,
        Outputs: template.outputs,
        extensions: template.extensions,
      },
    };
  })();
  computed.catch(() => {
    computed = undefined;
  });
  return computed;
};
