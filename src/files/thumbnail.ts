import { Jimp } from 'jimp';
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
 * The thumbnail of image `bytes` (one of imageTypeOf's types), as JPEG bytes, by Dataverse's
 * resize rules ("Use image column data", "Resize rules for thumbnail-sized images"): an image with
 * a side longer than THUMBNAIL_SIZE (144) pixels is scaled to cover THUMBNAIL_SIZE square and
 * cropped on its centre to it; a smaller one is cropped on its centre to a square of its shorter
 * side. Throws the image library's Error when the bytes do not decode as an image.
 */
export async function makeThumbnail(bytes: Uint8Array): Promise<Buffer> {
  const image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = image.bitmap;
  if (Math.max(width, height) > THUMBNAIL_SIZE) image.cover({ w: THUMBNAIL_SIZE, h: THUMBNAIL_SIZE });
  else {
    const side = Math.min(width, height);
    image.crop({ x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side });
  }
  return image.getBuffer(THUMBNAIL_MIME_TYPE);
}
