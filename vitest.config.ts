import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // network tests bind loopback ports and time real gossip; keep them off each other's toes
    fileParallelism: true,
    maxWorkers: 2
  }
})
