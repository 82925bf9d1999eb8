// Values serverless.yml takes from pipeline.yml: `${file(./serverless/config.js):<export>}`.
// pipeline.yml is validated here, so a bad file fails `sls package` with the same message as cold start.
require('tsx/cjs');
const path = require('node:path');
const { loadPipeline } = require('../lib/pipeline/load.ts');
const { streamConsumerResources } = require('../lib/deploy/stream-consumer.ts');

const pipelineFile = path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml');

async function context({ resolveVariable }) {
  const pipeline = loadPipeline(pipelineFile);
  return {
    pipeline,
    service: await resolveVariable('self:service'),
    stage: await resolveVariable('sls:stage'),
    existingStreamArn: await resolveVariable('param:existingStreamArn'),
    existingBucketName: await resolveVariable('param:existingBucketName'),
  };
}

module.exports = {
  streamConsumer: async (resolver) => streamConsumerResources(await context(resolver)),
};
module.exports.base = async (resolver) => require('../lib/deploy/base.ts').baseResources(await context(resolver));
