// serverless.yml `custom.esbuild.plugins`: each function's bundle ships the pipeline checked at package time
// (lib/pipeline/packaged-build.ts), read from the same file as serverless/config.js reads; what it loads only
// sometimes (the Tracer, the SSM reader) ships beside it as files of their own (lib/deploy/lazy-chunks.ts), and the
// SDK clients no sink of it uses are left out (lib/deploy/sdk-clients.ts).
require('tsx/cjs');
const path = require('node:path');
const { packagedPipelinePlugin } = require('../lib/pipeline/packaged-build.ts');
const { FUNCTIONS } = require('../lib/deploy/index.ts');
const { lazyChunksPlugin } = require('../lib/deploy/lazy-chunks.ts');
const { sdkClientsPlugin } = require('../lib/deploy/sdk-clients.ts');
const { loadPipeline } = require('../lib/pipeline/load.ts');

module.exports = (serverless) => {
  const file = path.resolve(__dirname, '..', process.env.PIPELINE_FILE || 'pipeline.yml');
  let config;
  return [
    packagedPipelinePlugin({
      file,
      functions: () => Object.keys(serverless.service.functions ?? {}).filter((key) => key in FUNCTIONS),
    }),
    lazyChunksPlugin(),
    // Only the SDK clients each function's sinks use (loaded once; packagedPipelinePlugin reports a bad file).
    sdkClientsPlugin({ config: () => (config ??= loadPipeline(file).config) }),
  ];
};
