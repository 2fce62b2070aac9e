/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  setupFiles: ['<rootDir>/test/harness/fast-check-seed.ts'],
  testTimeout: 60_000,
  // Workers and servers are heavy on a 2-core machine; two jest workers keep CPU contention sane.
  maxWorkers: 2,
  modulePathIgnorePatterns: ['<rootDir>/.temporal/', '<rootDir>/.data/'],
};
