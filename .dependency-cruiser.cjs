/**
 * Import rules, checked by `npm run lint` (npx depcruise lib functions). Type-only imports count: a cycle
 * through types still ties the modules together. The layers: the domains (records, transform, partitioning,
 * sinks, consumer, firehose, analytics, ...) own their config slice and factory; lib/pipeline loads
 * pipeline.yml and composes them; deploy, local, cli, console, lake and events sit above. Lambda handlers in
 * functions/ must never bundle the console or the CLI.
 */
const ABOVE_DOMAINS = '^lib/(pipeline|deploy|local|cli|console|lake)/|^lib/events/samples\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports included): move the shared piece down into a leaf module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domains-below-pipeline',
      severity: 'error',
      comment:
        'A domain module takes its own config slice (see lib/processing/config.ts); lib/pipeline composes the ' +
        'domains and is not imported back (only its leaf errors.ts is).',
      from: { path: '^lib/', pathNot: ABOVE_DOMAINS },
      to: { path: ABOVE_DOMAINS, pathNot: '^lib/pipeline/errors\\.ts$' },
    },
    {
      name: 'no-user-transforms-in-domains',
      severity: 'error',
      comment: "transforms/ is the user's code: lib/pipeline/load.ts hands it to the domains.",
      from: { path: '^lib/', pathNot: '^lib/pipeline/' },
      to: { path: '^transforms/' },
    },
    {
      name: 'no-console-or-cli-in-lambda',
      severity: 'error',
      comment: 'Nothing of the console or the CLI may reach a Lambda bundle or the library under it.',
      from: { path: '^(functions|lib)/', pathNot: '^lib/(cli|console)/' },
      to: { path: '^lib/(cli|console)/' },
    },
    {
      name: 'no-console-or-cli-reachable-from-handlers',
      severity: 'error',
      comment: 'A handler bundles everything it reaches: the console and the CLI must not be among it.',
      from: { path: '^functions/' },
      to: { path: '^lib/(cli|console)/', reachable: true },
    },
    {
      name: 'lib-not-importing-handlers',
      severity: 'error',
      comment: 'functions/ are thin handlers over lib/; lib/ never imports them.',
      from: { path: '^lib/' },
      to: { path: '^functions/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    progress: { type: 'none' },
  },
};
