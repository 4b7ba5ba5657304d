/**
 * What a platform checks before it looks at a query: who is asking (auth), whether the URL is
 * too long, whether the request budget has room, and the personality's own request hook. Also
 * the quota headers every answer carries.
 */
import { Authenticator } from './auth';
import type { Personality, Rejection, RequestContext } from './personalities/types';
import { RequestBudget } from './rate';

export interface Admission {
  rejection?: Rejection;
  /** Headers for the answer, whatever it is (quota headers). */
  headers: Record<string, string>;
}

export class PlatformGate {
  readonly auth: Authenticator;
  readonly budget: RequestBudget;

  constructor(
    private readonly personality: Personality,
    now: () => number = Date.now,
  ) {
    this.auth = new Authenticator(personality.auth ?? { kind: 'none' }, now);
    this.budget = new RequestBudget(personality.rateLimits ?? {}, now);
  }

  /** `fullUrl`: the URL as the client addressed it, whose length some platforms cap. */
  admit(ctx: RequestContext, fullUrl: string): Admission {
    const headers: Record<string, string> = {};
    const p = this.personality;
    const denied = this.auth.check(ctx.headers);
    if (denied) return { rejection: denied, headers };
    // A nextLink's `$skiptoken` is the server's own doing: only what the client wrote counts.
    const written = fullUrl.replace(/[?&](?:\$|%24)skiptoken=[^&]*/, '');
    if (p.maxUrlLength !== undefined && written.length > p.maxUrlLength) {
      const reason = 'url-too-long';
      return {
        rejection: {
          status: 414,
          code: reason,
          message: `the URL is ${written.length} characters; at most ${p.maxUrlLength} are accepted`,
          violation: reason,
        },
        headers,
      };
    }
    const refused = this.spend(headers);
    if (refused) return { rejection: refused, headers };
    const hooked = p.hooks?.onRequest?.(ctx);
    if (hooked) return { rejection: hooked, headers };
    Object.assign(headers, p.hooks?.responseHeaders?.(ctx) ?? {});
    return { headers };
  }

  /**
   * Spends one request of the budget (when the platform has one), adding its quota headers;
   * a 429 rejection with Retry-After when it is used up. Media requests of platforms whose media
   * count against the API's limits come here too.
   */
  spend(headers: Record<string, string> = {}): Rejection | undefined {
    if (!this.budget.active) return undefined;
    const decision = this.budget.take();
    Object.assign(headers, this.personality.hooks?.quotaHeaders?.(decision.usage) ?? {});
    if (decision.ok) return undefined;
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    const reason = 'rate-limit';
    return {
      status: 429,
      code: reason,
      message: `request budget (${decision.window}) exhausted; retry after ${seconds} s`,
      violation: reason,
      headers: { 'Retry-After': String(seconds) },
    };
  }

  /** Quota headers as they stand, without spending a request (for injected 429s). */
  quotaHeaders(): Record<string, string> {
    return this.budget.active ? (this.personality.hooks?.quotaHeaders?.(this.budget.peek()) ?? {}) : {};
  }
}
