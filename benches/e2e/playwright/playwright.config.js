// Playwright Test on the system Chromium (no browser download), same flags as panoptic.
const { defineConfig } = require('@playwright/test');

const workers = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;

module.exports = defineConfig({
  testDir: '.',
  testMatch: process.env.BENCH_SPEC || 'suite.spec.js',
  retries: 0,
  reporter: 'dot',
  workers,
  fullyParallel: true,
  use: {
    headless: true,
    viewport: { width: 1280, height: 720 },
    screenshot: 'off',
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.BENCH_CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    },
  },
});
