/**
 * Sends one alert to every configured channel. A channel that fails is logged and skipped: an
 * alert must never fail the run it reports on.
 */
import type { Logger } from 'pino';
import type { AlertsConfig } from '../../config';
import { sendEmail, type MailTransportFactory } from './email';
import { alertTitle, type Alert } from './message';
import { describeWebhook, sendWebhook } from './webhook';

export interface Delivery {
  channel: string;
  ok: boolean;
  error?: string;
}

export async function deliverAlert(
  config: AlertsConfig | undefined,
  alert: Alert,
  logger: Logger,
  deps: { mailTransport?: MailTransportFactory } = {},
): Promise<Delivery[]> {
  const sends: { channel: string; send: () => Promise<void> }[] = [];
  for (const hook of config?.webhooks ?? []) sends.push({ channel: describeWebhook(hook), send: () => sendWebhook(hook, alert) });
  const email = config?.email;
  if (email) sends.push({ channel: `email to ${email.to.join(', ')}`, send: () => sendEmail(email, alert, deps.mailTransport) });
  if (sends.length === 0) {
    logger.warn({ alert: alertTitle(alert) }, 'alert not sent: no alert channels configured');
    return [];
  }
  return Promise.all(
    sends.map(async ({ channel, send }): Promise<Delivery> => {
      try {
        await send();
        logger.info({ channel, kind: alert.kind, source: alert.source, process: alert.process }, 'alert sent');
        return { channel, ok: true };
      } catch (err) {
        const error = (err as Error).message;
        logger.error({ channel, kind: alert.kind, source: alert.source, process: alert.process, error }, 'alert delivery failed');
        return { channel, ok: false, error };
      }
    }),
  );
}
