/** Typed failures of one media file download; their `name` is what the files table and logs show. */

/** The media host answered 403/410: a URL past its expiry (or a refused one); a fresh URL may work. */
export class MediaUrlRefused extends Error {
  override readonly name = 'MediaUrlRefused';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Any other answer or transport failure; `retryable` says whether trying again may help. */
export class MediaDownloadFailed extends Error {
  override readonly name = 'MediaDownloadFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The config or the destination cannot hold media files (not a MySQL destination, no MediaURL column). */
export class MediaUnsupported extends Error {
  override readonly name = 'MediaUnsupported';
}
