/**
 * An OData error answer. `violation` names the rule the client broke, when it broke one;
 * `refusal` names a limit of the server's own that a correct client still meets (an expired
 * nextLink, a too-deep `$skip`), so tests can tell the two apart.
 */
export class ODataError extends Error {
  override readonly name = 'ODataError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violation?: string,
    readonly headers?: Record<string, string>,
    readonly refusal?: string,
  ) {
    super(message);
  }
}

/** A 400 that counts as a violation under `reason`. */
export function badRequest(reason: string, message: string): ODataError {
  return new ODataError(400, reason, message, reason);
}

/** A 400 that is not the client's fault, counted as a refusal under `reason`. */
export function refused(reason: string, message: string): ODataError {
  return new ODataError(400, reason, message, undefined, undefined, reason);
}
