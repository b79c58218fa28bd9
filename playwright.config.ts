import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, defineConfig, devices } from '@playwright/test';
import { E2E_MAIL_ENV, E2E_SINK_CONTROL_PORT, E2E_SMTP_PORT } from './e2e/support/mail-env';

const PORT = Number(process.env.E2E_PORT ?? 3100);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const MODEL_PORT = PORT + 99;

// A fresh PGlite folder per run. Set once in the runner and inherited by its workers (which re-read this file).
process.env.E2E_PGLITE_DIR ??= path.join(os.tmpdir(), `starter-e2e-${Date.now()}`, 'db');
// The run's secret for held mutations: ALLOW_TEST_DELAY=1 is refused in production without it (server/env.ts),
// and only requests that carry it are held (e2e/support/test-delay.ts), so no other client can stall the server.
process.env.E2E_TEST_DELAY_TOKEN ??= randomBytes(24).toString('hex');

/**
 * Debian's Chromium when installed (CI installs it; Playwright cannot download browsers on these machines),
 * otherwise Playwright's own, otherwise stop with instructions.
 */
function chromiumExecutable(): string | undefined {
  if (fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  if (fs.existsSync(chromium.executablePath())) return undefined;
  throw new Error(
    'No Chromium found for the e2e tests. Install one of:\n' +
      '  - Debian/Ubuntu: sudo apt-get install chromium   (used from /usr/bin/chromium)\n' +
      "  - anywhere else: npx playwright install chromium   (Playwright's own build)",
  );
}

export default defineConfig({
  testDir: './e2e',
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: [['list']],
  // A whole scenario's limit; each step has its own (below). In CI two workers share 2 cores with the server and
  // Chromium: multi-page scenarios took 22–32 s there with every step in time.
  timeout: process.env.CI ? 60_000 : 30_000,
  // A step's limit. In CI a sign-in's full page load, the account menu's chunk and its session read took up to 5 s
  // on the loaded machine (trace); a step that must be quick sets its own (e.g. a revoked feed's 3 s).
  expect: { timeout: process.env.CI ? 10_000 : 5_000 },
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      // The scripted OpenAI-compatible model: the app's real AI SDK provider code talks to it over HTTP.
      command: `npx tsx e2e/support/model-server-cli.ts ${MODEL_PORT}`,
      url: `http://127.0.0.1:${MODEL_PORT}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // A real SMTP server that keeps what the app sends (verification and reset links): specs read it through
      // e2e/support/smtp-sink.ts's connectSmtpSink(E2E_SINK_CONTROL_URL).
      command: `npx tsx e2e/support/smtp-sink-cli.ts ${E2E_SMTP_PORT} ${E2E_SINK_CONTROL_PORT}`,
      url: `http://127.0.0.1:${E2E_SINK_CONTROL_PORT}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // The production build, as users deploy it (the standalone server the Dockerfile runs), on a fresh database.
      command: 'npm run build && npm start',
      url: `${BASE_URL}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        HOSTNAME: '127.0.0.1',
        PORT: String(PORT),
        PGLITE_DIR: process.env.E2E_PGLITE_DIR,
        DATABASE_URL: '',
        SESSION_SECRET: 'e2e-session-secret-with-at-least-32-characters',
        ...E2E_MAIL_ENV,
        // Plain http: the session cookie is not Secure (and has no __Secure- prefix), as in development.
        BETTER_AUTH_URL: BASE_URL,
        NEXT_TELEMETRY_DISABLED: '1',
        // Lets a spec hold its mutations on the server (x-test-delay-ms) to see the optimistic update first.
        ALLOW_TEST_DELAY: '1',
        TEST_DELAY_TOKEN: process.env.E2E_TEST_DELAY_TOKEN,
        // Every browser context of the suite is a new visitor from 127.0.0.1: far more than one address's default.
        NEW_VISITOR_RATE_LIMIT: '1000000',
        // Specs sign in and up in parallel, all from 127.0.0.1 (tests/auth.test.ts checks the default limit).
        SIGN_IN_RATE_LIMIT: '100000',
        // A spec runs a 60-turn thread for one user: far more model calls a minute than the default budget.
        MODEL_RATE_LIMIT: '100000',
        OPENAI_COMPATIBLE_BASE_URL: `http://127.0.0.1:${MODEL_PORT}/v1`,
        OPENAI_API_KEY: '',
        ANTHROPIC_API_KEY: '',
        AI_PROVIDER: '',
      },
    },
  ],
});
