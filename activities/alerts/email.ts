/** Sends an alert by e-mail through SMTP (nodemailer). */
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config';
import { alertText, alertTitle, type Alert } from './message';

export type MailTransportFactory = (smtpUrl: string) => Pick<Transporter, 'sendMail'>;

/** Every SMTP wait is bounded, so a silent server cannot hold the activity for minutes. */
const SMTP_TIMEOUT_MS = 15_000;

const smtpTransport: MailTransportFactory = (smtpUrl) =>
  nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  } as Parameters<typeof nodemailer.createTransport>[0]);

export async function sendEmail(email: EmailConfig, alert: Alert, transport: MailTransportFactory = smtpTransport): Promise<void> {
  await transport(email.smtpUrl).sendMail({
    from: email.from,
    to: email.to,
    subject: alertTitle(alert),
    text: alertText(alert),
  });
}
