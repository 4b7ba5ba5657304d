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

/** Defined with the files ledger contract (a destination's table can refuse too); the media code's errors are all here. */
export { MediaUnsupported } from '../destinations/media-files';
