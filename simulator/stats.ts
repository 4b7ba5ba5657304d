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
}

export class StatsRecorder {
  private requests = 0;
  private byPath = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private recent: string[] = [];
  private violations = 0;
  private byReason = new Map<string, number>();
  private recentViolations: Violation[] = [];

  constructor(private readonly recentLimit = 1000) {}

  request(path: string, url: string): void {
    this.requests++;
    const folded = path.replace(/\((?:'(?:[^']|'')*'|[^)]*)\)$/, "('…')");
    this.byPath.set(folded, (this.byPath.get(folded) ?? 0) + 1);
    this.recent.push(url);
    if (this.recent.length > this.recentLimit) this.recent.splice(0, this.recent.length - this.recentLimit);
  }

  response(status: number): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
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
  }
}
