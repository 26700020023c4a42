// An image's format from its first bytes, and the messages that refuse a file, for the main thread (src/) and the
// decode worker alike. Plain JavaScript in worker/ because a worker_thread runs without the TypeScript loader the
// tests use, and this folder ships beside dist/: the one file serves the sources and the build. Types and
// documentation: image-format.d.mts.

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

export function describeStart(bytes) {
  if (!bytes.length) return 'the file is empty';
  const head = bytes.subarray(0, 8);
  if (head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d)) {
    return `the file starts with ${JSON.stringify(Buffer.from(head).toString('latin1'))}`;
  }
  return `the file starts with bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

export function notAnImage(bytes) {
  return `not a JPEG or PNG image (${describeStart(bytes)}): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file`;
}

export function tooManyPixels(format, width, height, maxMegapixels) {
  const mp = +((width * height) / 1e6).toFixed(1);
  return (
    `${format.toUpperCase()} of ${width}×${height} pixels (${mp} megapixels) is larger than the limit of ${maxMegapixels} megapixels ` +
    '(/dataset/maxMegapixels): expected a smaller image, or a larger limit for a genuine one'
  );
}
