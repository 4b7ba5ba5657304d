/**
 * Where failure and recovery alerts go. Read credentials (a webhook's secret path, the SMTP
 * password) from the environment in the config file; they are never logged.
 */
import { z } from 'zod';

export const webhookSchema = z.strictObject({
  /** Receives a POST with a JSON body. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** `json`: the alert as a plain object; `slack`: `{ text }`, what Slack-compatible incoming webhooks take. */
  format: z.enum(['json', 'slack']).default('json'),
});

const address = z.string().regex(/^[^@\s<>]+@[^@\s<>]+$|<[^@\s<>]+@[^@\s<>]+>$/, 'must be an e-mail address, e.g. resync@example.com');

export const emailSchema = z.strictObject({
  /** e.g. smtps://user:pass@smtp.example.com:465 or smtp://127.0.0.1:25 */
  smtpUrl: z.string().regex(/^smtps?:\/\/[^/]+/, 'must be an smtp:// or smtps:// URL'),
  from: address,
  to: z.array(address).min(1, 'needs at least one recipient'),
});

export const alertsSchema = z.strictObject({
  webhooks: z.array(webhookSchema).optional(),
  email: emailSchema.optional(),
});

export type AlertsConfig = z.output<typeof alertsSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type EmailConfig = z.output<typeof emailSchema>;
