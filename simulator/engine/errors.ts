/** An OData error answer; `violation` names the rule the client broke, when it broke one. */
export class ODataError extends Error {
  override readonly name = 'ODataError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violation?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A 400 that counts as a violation under `reason`. */
export function badRequest(reason: string, message: string): ODataError {
  return new ODataError(400, reason, message, reason);
}
