/**
 * Runs the test SMTP sink for Playwright's webServer: `tsx e2e/support/smtp-sink-cli.ts <smtp port> <control port>`.
 * The app under test sends to smtp://127.0.0.1:<smtp port> (SMTP_URL); specs await mail through the control port
 * (`connectSmtpSink(\`http://127.0.0.1:${controlPort}\`).nextMail(to)`).
 */
import { serveSinkControl, startSmtpSink } from './smtp-sink';

const smtpPort = Number(process.argv[2] ?? 3197);
const controlPort = Number(process.argv[3] ?? 3198);
const sink = await startSmtpSink({ port: smtpPort });
await serveSinkControl(sink, controlPort);
console.log(`SMTP sink at ${sink.url}, control at http://127.0.0.1:${controlPort}`);
