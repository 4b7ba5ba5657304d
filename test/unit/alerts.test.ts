/** Alert rendering and delivery: JSON and Slack payloads, e-mail, and failures that never throw. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { deliverAlert } from '../../activities/alerts/deliver';
import { sendEmail } from '../../activities/alerts/email';
import { alertPayload, type Alert } from '../../activities/alerts/message';

const alert: Alert = {
  kind: 'failing',
  source: 'demo',
  process: 'sync',
  consecutiveFailures: 3,
  scheduleId: 'resync:demo:sync',
  schedule: 'paused',
  note: 'resync paused this schedule after 3 failed sync runs in a row',
  errors: [{ resource: 'Property', error: 'request to http://127.0.0.1:1/odata failed: ECONNREFUSED' }],
  workflowId: 'run/demo/sync-2025-01-01T00:00:00Z',
  runId: 'r1',
  link: 'http://127.0.0.1:8233/namespaces/default/workflows/run%2Fdemo%2Fsync/r1/history',
  at: '2025-01-01T00:00:05.000Z',
};

describe('alert messages', () => {
  it('renders a plain JSON payload and a Slack-compatible text', () => {
    expect(alertPayload(alert, 'json')).toMatchObject({
      type: 'resync.failing',
      source: 'demo',
      process: 'sync',
      consecutiveFailures: 3,
      schedule: 'paused',
    });
    const slack = alertPayload(alert, 'slack');
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain('sync of demo failed 3 times in a row; schedule paused');
    expect(slack.text).toContain('Property: request to http://127.0.0.1:1/odata failed: ECONNREFUSED');
    expect(slack.text).toContain('resync schedules resume demo --process sync');
  });

  it('sends e-mail with the title as subject', async () => {
    const sent: { envelope: unknown; subject?: string; text?: string }[] = [];
    const transport = () => ({
      sendMail: async (mail: SendMailOptions) => {
        const info = await nodemailer.createTransport({ jsonTransport: true }).sendMail(mail);
        sent.push({ envelope: info.envelope, subject: mail.subject as string, text: mail.text as string });
        return info;
      },
    });
    await sendEmail({ smtpUrl: 'smtp://127.0.0.1:1', from: 'resync@example.com', to: ['ops@example.com'] }, alert, transport as never);
    expect(sent).toEqual([
      {
        envelope: { from: 'resync@example.com', to: ['ops@example.com'] },
        subject: 'resync: sync of demo failed 3 times in a row; schedule paused',
        text: expect.stringContaining('run: http://127.0.0.1:8233/'),
      },
    ]);
  });

  it('logs a channel that fails and still delivers to the others', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const deliveries = await deliverAlert(
        {
          webhooks: [
            { url: 'http://127.0.0.1:1/closed', format: 'json' },
            { url: `http://127.0.0.1:${port}/hook`, format: 'slack' },
          ],
        },
        alert,
        pino({ level: 'silent' }),
      );
      expect(deliveries.map((d) => [d.channel, d.ok])).toEqual([
        ['webhook http://127.0.0.1:1', false],
        [`webhook http://127.0.0.1:${port}`, true],
      ]);
      expect(bodies).toEqual([{ text: expect.stringContaining('failed 3 times in a row') }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
