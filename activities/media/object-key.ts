/**
 * Object keys of media files: `<Resource>/<parent key>/<MediaKey>.<ext>`, readable in a folder
 * listing and grouped by listing. Key parts are escaped so no MLS key can climb out of its folder
 * or collide with another (`~` + hex for every byte outside [A-Za-z0-9._-] and for a leading dot).
 */

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/tiff': 'tif',
  'application/pdf': 'pdf',
  'video/mp4': 'mp4',
};

/** One path segment made of anything an MLS may put in a key. */
export function keySegment(value: string): string {
  const escaped = Array.from(Buffer.from(value, 'utf8'))
    .map((b) => {
      const ch = String.fromCharCode(b);
      return /[A-Za-z0-9._-]/.test(ch) ? ch : `~${b.toString(16).padStart(2, '0')}`;
    })
    .join('');
  if (escaped === '') return '~';
  // A leading dot would make `.`/`..` segments or names the local store reserves (`.resync-…`).
  return escaped.startsWith('.') ? `~2e${escaped.slice(1)}` : escaped;
}

/** The file extension: from the content type, else from the URL's path, else `bin`. */
export function extensionFor(contentType: string | null, url: string): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && EXTENSIONS[type]) return EXTENSIONS[type];
  try {
    const m = /\.([A-Za-z0-9]{1,5})$/.exec(new URL(url).pathname);
    if (m) return m[1]!.toLowerCase();
  } catch {
    // not a URL: fall through
  }
  return 'bin';
}

export function mediaObjectKey(resource: string, parentKey: string | null, mediaKey: string, ext: string): string {
  return [keySegment(resource), keySegment(parentKey ?? '_'), `${keySegment(mediaKey)}.${ext}`].join('/');
}
