// Values serverless.yml takes from pipeline.yml: `${file(./serverless/config.js):<export>}`.
// pipeline.yml is validated here, so a bad file fails `sls package` with the same message as cold start.
require('tsx/cjs');
const path = require('node:path');
const { loadPipeline } = require('../lib/pipeline/load.ts');
const { streamConsumerResources } = require('../lib/deploy/stream-consumer.ts');

const pipelineFile = path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml');

// `sls invoke local` resolves every environment value before running, and a CloudFormation Ref cannot be
// resolved without AWS. Locally the bucket comes from the shell instead (BUCKET_NAME), as it would in Lambda.
const invokeLocal = process.argv.includes('invoke') && process.argv.includes('local');

async function context({ resolveVariable }) {
  const pipeline = loadPipeline(pipelineFile);
  return {
    pipeline,
    invokeLocal,
    service: await resolveVariable('self:service'),
    stage: await resolveVariable('sls:stage'),
    existingStreamArn: await resolveVariable('param:existingStreamArn'),
    existingBucketName: await resolveVariable('param:existingBucketName'),
  };
}

module.exports = {
  streamConsumer: async (resolver) => streamConsumerResources(await context(resolver)),
};
module.exports.base = async (resolver) =>
  require('../lib/deploy/base.ts').baseResources(await context(resolver));
