/**
 * Where the e2e suite's mail goes: Playwright's webServer runs the SMTP sink (e2e/support/smtp-sink-cli.ts) beside
 * the app, and every production server a spec starts sends to it (production refuses to start without SMTP_URL).
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);

/** The sink's SMTP port and its HTTP control port (next to the model server's PORT + 99). */
export const E2E_SMTP_PORT = PORT + 97;
export const E2E_SINK_CONTROL_PORT = PORT + 98;
export const E2E_SINK_CONTROL_URL = `http://127.0.0.1:${E2E_SINK_CONTROL_PORT}`;

/** The mail variables of every server the suite starts. */
export const E2E_MAIL_ENV = {
  SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_PORT}`,
  MAIL_FROM: 'Starter e2e <app@starter.test>',
} as const;
