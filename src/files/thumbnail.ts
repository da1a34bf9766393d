import { imageSize } from 'image-size';
import { THUMBNAIL_SIZE } from '../model/images.js';

/** An image file type an Image column stores: its MIME type and file name extension. */
export interface ImageType {
  readonly mimetype: string;
  readonly extension: string;
}

/**
 * The image file types Image columns store, by the bytes each file starts with (Dataverse "Use
 * image column data", "Image file types": GIF, JPEG, TIFF, BMP, PNG).
 */
const SIGNATURES: ReadonlyArray<{ readonly magic: readonly number[]; readonly type: ImageType }> = [
  { magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: { mimetype: 'image/png', extension: 'png' } },
  { magic: [0xff, 0xd8, 0xff], type: { mimetype: 'image/jpeg', extension: 'jpg' } },
  { magic: [0x47, 0x49, 0x46, 0x38], type: { mimetype: 'image/gif', extension: 'gif' } },
  { magic: [0x42, 0x4d], type: { mimetype: 'image/bmp', extension: 'bmp' } },
  { magic: [0x49, 0x49, 0x2a, 0x00], type: { mimetype: 'image/tiff', extension: 'tif' } },
  { magic: [0x4d, 0x4d, 0x00, 0x2a], type: { mimetype: 'image/tiff', extension: 'tif' } },
];

/** The image file type of `bytes` by its signature, or undefined for a file of any other type. */
export function imageTypeOf(bytes: Uint8Array): ImageType | undefined {
  return SIGNATURES.find(({ magic }) => magic.every((b, i) => bytes[i] === b))?.type;
}

/** The MIME type of the thumbnails makeThumbnail makes. */
export const THUMBNAIL_MIME_TYPE = 'image/jpeg';

/**
 * The most pixels (width × height) of an image this service decodes to make its thumbnail: 25
 * megapixels (e.g. 5000 × 5000, more than any camera photo an Image column's default 10 MB takes
 * needs). Image files compress well: a 100 KB PNG of one colour can say it is 30000 × 30000, whose
 * decoding would take minutes and gigabytes of memory on the thread that serves every request. The
 * size is read from the file's header (image-size) before anything is decoded, and a larger image
 * refused (makeThumbnail's ImageTooLarge). Dataverse states no such limit; its own decoder has one.
 */
export const MAX_IMAGE_PIXELS = 25_000_000;

/**
 * The memory the JPEG decoder (jpeg-js) may use for one image, in MB: an image of MAX_IMAGE_PIXELS
 * takes 100 MB as RGBA and about as much again for its colour components while it is decoded.
 */
const MAX_JPEG_MEMORY_MB = 320;

/** Thrown by makeThumbnail for an image of more than MAX_IMAGE_PIXELS pixels (its header's width and height). */
export class ImageTooLarge extends Error {
  constructor(readonly width: number, readonly height: number) {
    super(`The image is ${width} x ${height} pixels, more than the ${MAX_IMAGE_PIXELS} pixels an image may have.`);
  }
}

/**
 * The width and height an image file's header gives (image-size, without decoding it), the
 * largest of its images for a file of several (TIFF pages, ICO entries). Throws image-size's Error
 * for a file whose header it cannot read.
 */
function headerSize(bytes: Uint8Array): { width: number; height: number } {
  const found = imageSize(bytes);
  const all = [found, ...(found.images ?? [])];
  const largest = all.reduce((a, b) => ((b.width ?? 0) * (b.height ?? 0) > (a.width ?? 0) * (a.height ?? 0) ? b : a));
  if (!largest.width || !largest.height) throw new Error('The image has no width or height.');
  return { width: largest.width, height: largest.height };
}

/**
 * The thumbnail of image `bytes` (one of imageTypeOf's types), as JPEG bytes, by Dataverse's
 * resize rules ("Use image column data", "Resize rules for thumbnail-sized images"): an image with
 * a side longer than THUMBNAIL_SIZE (144) pixels is scaled to cover THUMBNAIL_SIZE square and
 * cropped on its centre to it; a smaller one is cropped on its centre to a square of its shorter
 * side. The size is read from the header first: throws ImageTooLarge for more than
 * MAX_IMAGE_PIXELS, without decoding. Throws image-size's or the image library's Error when the
 * bytes do not read as an image. The image library (jimp, ~250 ms to load) is loaded on first use,
 * so that starting the service and CLI commands that make no thumbnail do not wait for it.
 */
export async function makeThumbnail(bytes: Uint8Array): Promise<Buffer> {
  const { width: declaredWidth, height: declaredHeight } = headerSize(bytes);
  if (declaredWidth * declaredHeight > MAX_IMAGE_PIXELS) throw new ImageTooLarge(declaredWidth, declaredHeight);
  const { Jimp } = await import('jimp');
  const image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    'image/jpeg': { maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: MAX_JPEG_MEMORY_MB },
  });
  const { width, height } = image.bitmap;
  // The header and the decoder may disagree (a crafted file): the bitmap decoded is what counts.
  if (width * height > MAX_IMAGE_PIXELS) throw new ImageTooLarge(width, height);
  if (Math.max(width, height) > THUMBNAIL_SIZE) image.cover({ w: THUMBNAIL_SIZE, h: THUMBNAIL_SIZE });
  else {
    const side = Math.min(width, height);
    image.crop({ x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side });
  }
  return image.getBuffer(THUMBNAIL_MIME_TYPE);
}
