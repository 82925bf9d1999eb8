// serverless.yml `custom.esbuild.plugins`: each function's bundle ships the pipeline checked at package time
// (lib/pipeline/packaged-build.ts), read from the same file as serverless/config.js reads.
require('tsx/cjs');
const path = require('node:path');
const { packagedPipelinePlugin } = require('../lib/pipeline/packaged-build.ts');
const { FUNCTIONS } = require('../lib/deploy/index.ts');

module.exports = (serverless) => [
  packagedPipelinePlugin({
    file: path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml'),
    functions: () => Object.keys(serverless.service.functions ?? {}).filter((key) => key in FUNCTIONS),
  }),
];
