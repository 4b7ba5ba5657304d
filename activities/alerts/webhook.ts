/** Posts an alert to a webhook. A webhook URL often is a secret: only its host is ever logged. */
import got from 'got';
import type { WebhookConfig } from '../../config';
import { alertPayload, type Alert } from './message';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export async function sendWebhook(hook: WebhookConfig, alert: Alert, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<void> {
  await got.post(hook.url, {
    json: alertPayload(alert, hook.format),
    timeout: { request: timeoutMs },
    // One quick retry for a blip; a receiver that stays down is logged, not waited for.
    retry: { limit: 1, methods: ['POST'] },
  });
}

/** `webhook https://hooks.example.com`: enough to tell channels apart in a log, without the secret path. */
export function describeWebhook(hook: WebhookConfig): string {
  try {
    return `webhook ${new URL(hook.url).origin}`;
  } catch {
    return 'webhook';
  }
}
