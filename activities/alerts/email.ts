/** Sends an alert by e-mail through SMTP (nodemailer). */
import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config';
import { alertText, alertTitle, type Alert } from './message';

export type MailTransportFactory = (smtpUrl: string) => Pick<Transporter, 'sendMail'>;

/** Every SMTP wait is bounded, so a silent server cannot hold the activity for minutes. */
const SMTP_TIMEOUT_MS = 15_000;

/** nodemailer is loaded when the first e-mail is sent: most workers never send one. */
async function smtpTransport(): Promise<MailTransportFactory> {
  const { default: nodemailer } = await import('nodemailer');
  return (smtpUrl) =>
    nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    } as Parameters<typeof nodemailer.createTransport>[0]);
}

export async function sendEmail(email: EmailConfig, alert: Alert, transport?: MailTransportFactory): Promise<void> {
  await (transport ?? (await smtpTransport()))(email.smtpUrl).sendMail({
    from: email.from,
    to: email.to,
    subject: alertTitle(alert),
    text: alertText(alert),
  });
}
