export type ImageFormat = 'jpeg' | 'png';

export declare const PNG_SIGNATURE: readonly number[];

/** The format from the file's first bytes, not its name (ImageNet holds PNG and CMYK files named `.JPEG`). */
export declare function sniffFormat(bytes: Uint8Array): ImageFormat | undefined;

/** The first 8 bytes as text when they are printable (a text file renamed .png), else in hex. */
export declare function describeStart(bytes: Uint8Array): string;

/** The message for bytes that are neither JPEG nor PNG. */
export declare function notAnImage(bytes: Uint8Array): string;

/** The message for an image above the pixel limit. */
export declare function tooManyPixels(format: ImageFormat, width: number, height: number, maxMegapixels: number): string;
