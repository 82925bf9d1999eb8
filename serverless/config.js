// serverless.yml takes its functions and resources from pipeline.yml through this file
// (`${file(./serverless/config.js):template.functions}`); lib/deploy computes them. pipeline.yml is
// validated here, so a bad file fails `sls package` with the same message as a cold start.
require('tsx/cjs');
const path = require('node:path');
const { loadPipeline } = require('../lib/pipeline/load.ts');
const { deployTemplate } = require('../lib/deploy/index.ts');

const pipelineFile = path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml');

// `sls invoke local` resolves every environment value before running, and a CloudFormation Ref cannot be
// resolved without AWS. Locally the bucket comes from the shell instead (BUCKET_NAME), as it would in Lambda.
const invokeLocal = process.argv.includes('invoke') && process.argv.includes('local');

module.exports.template = async ({ resolveVariable }) =>
  deployTemplate({
    pipeline: loadPipeline(pipelineFile),
    invokeLocal,
    service: await resolveVariable('self:service'),
    stage: await resolveVariable('sls:stage'),
    existingStreamArn: await resolveVariable('param:existingStreamArn'),
    existingBucketName: await resolveVariable('param:existingBucketName'),
    existingDeliveryStreamName: await resolveVariable('param:existingDeliveryStreamName'),
  });
