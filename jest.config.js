/** Unit tests run in-process with mocked AWS clients; integration tests start the emulators. */
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/tests/support/setup-env.ts'],
  // Middy ships ES modules only; jest runs CommonJS, so swc compiles it like our own code.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      testTimeout: 120000,
    },
  ],
};
