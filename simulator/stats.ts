/**
 * What clients did to the simulator: request counts, the most recent request URLs, and rule
 * violations with their reasons. Tests assert on these ("the client never exceeded $top",
 * "only the pages since the last heartbeat were fetched twice"). Admin calls are not counted:
 * stats describe the client under test, not the test harness.
 */
export interface Violation {
  at: string;
  reason: string;
  message: string;
  url: string;
}

/** One answered request, for tests that care about timing (e.g. "waited for Retry-After"). */
export interface Exchange {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  url: string;
  status: number;
}

export interface SimulatorStats {
  requests: number;
  /** Requests per path; entity-by-key paths are folded into `Resource('…')`. */
  byPath: Record<string, number>;
  /** Responses per HTTP status. */
  byStatus: Record<string, number>;
  /** The last request URLs (path + query), oldest first. */
  recentRequests: string[];
  violations: number;
  violationsByReason: Record<string, number>;
  /** The last violations, oldest first. */
  recentViolations: Violation[];
  /** Refusals that were not the client's fault (an expired nextLink, a too-deep `$skip`, an expired token). */
  refusals: number;
  refusalsByReason: Record<string, number>;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  /** The last answered requests with arrival time and status, oldest first. */
  recentExchanges: Exchange[];
}

export class StatsRecorder {
  private requests = 0;
  private byPath = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private recent: string[] = [];
  private violations = 0;
  private byReason = new Map<string, number>();
  private recentViolations: Violation[] = [];
  private refusals = 0;
  private refusalsByReason = new Map<string, number>();
  private faults = new Map<string, number>();
  private exchanges: Exchange[] = [];

  constructor(private readonly recentLimit = 1000) {}

  request(path: string, url: string): void {
    this.requests++;
    const folded = path.replace(/\((?:'(?:[^']|'')*'|[^)]*)\)$/, "('…')");
    this.byPath.set(folded, (this.byPath.get(folded) ?? 0) + 1);
    this.recent.push(url);
    if (this.recent.length > this.recentLimit) this.recent.splice(0, this.recent.length - this.recentLimit);
  }

  response(status: number, exchange?: Exchange): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    if (exchange) {
      this.exchanges.push(exchange);
      if (this.exchanges.length > this.recentLimit) this.exchanges.splice(0, this.exchanges.length - this.recentLimit);
    }
  }

  refusal(reason: string): void {
    this.refusals++;
    this.refusalsByReason.set(reason, (this.refusalsByReason.get(reason) ?? 0) + 1);
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  violation(reason: string, message: string, url: string): void {
    this.violations++;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    this.recentViolations.push({ at: new Date().toISOString(), reason, message, url });
    if (this.recentViolations.length > this.recentLimit) this.recentViolations.shift();
  }

  snapshot(): SimulatorStats {
    return {
      requests: this.requests,
      byPath: Object.fromEntries(this.byPath),
      byStatus: Object.fromEntries(this.byStatus),
      recentRequests: [...this.recent],
      violations: this.violations,
      violationsByReason: Object.fromEntries(this.byReason),
      recentViolations: [...this.recentViolations],
      refusals: this.refusals,
      refusalsByReason: Object.fromEntries(this.refusalsByReason),
      faults: Object.fromEntries(this.faults),
      recentExchanges: [...this.exchanges],
    };
  }

  reset(): void {
    this.requests = 0;
    this.byPath.clear();
    this.byStatus.clear();
    this.recent = [];
    this.violations = 0;
    this.byReason.clear();
    this.recentViolations = [];
    this.refusals = 0;
    this.refusalsByReason.clear();
    this.faults.clear();
    this.exchanges = [];
  }
}
