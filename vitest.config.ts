import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/react/test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    typecheck: {
      // Type tests (*.test-d.ts) are compiled, never run: tsc fails the test holding a wrong expectTypeOf or an
      // unused @ts-expect-error. Type errors elsewhere are npm run typecheck's to report (the same tsconfig), so a
      // runtime test run is not held up by them.
      enabled: true,
      include: ['packages/client/test/**/*.test-d.ts'],
      tsconfig: 'packages/client/tsconfig.test.json',
      ignoreSourceErrors: true,
    },
  },
});
