import { randomUUID } from 'node:crypto';
import { Errors } from '../errors.js';
import { ImageTooLarge, imageTypeOf, makeThumbnail, type ImageType } from '../files/thumbnail.js';
import { imageCompanions, imageTimestamp, imageUrl } from '../model/images.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { ColumnValues } from './column-values.js';
import type { ImageAttachment, InsertPlan, UpdatePlan, Value, WritePlan } from './types.js';
import { nowUtc } from './values.js';

/** Bytes in a MB, as Dataverse's image size error counts them. */
const MB = 1024 * 1024;

/** `bytes` in MB, to two decimals. */
function inMb(bytes: number): string {
  return String(Math.round((bytes / MB) * 100) / 100);
}

/**
 * Throws 400 `0x80072553` (ProcessImageFailure, "File size is too big") when an image of `size`
 * bytes is larger than Image column `column` takes (MaxSizeInKB; Dataverse "Use image column
 * data", "Maximum image size").
 */
export function checkImageSize(column: AttributeModel, size: number): void {
  const max = (column.MaxSizeInKB ?? 0) * 1024;
  if (size > max) throw Errors.processImageFailure(`File size is too big. MaxSize: ${inMb(max)} MB, Uploaded filesize: ${inMb(size)} MB.`);
}

/**
 * True when `plan` sets an image (a value other than null in an Image column), in its own row or
 * in any row it writes with it: a deep insert's related rows, and an upsert's create.
 */
export function setsImages(plan: WritePlan): boolean {
  const inRow = (entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>) => entity.ImageAttributes.some((a) => values.get(a) != null);
  switch (plan.kind) {
    case 'insert':
      return inRow(plan.entity, plan.values) || !!plan.before?.some(setsImages) || !!plan.after?.some(setsImages);
    case 'update':
      return inRow(plan.entity, plan.set) || !!plan.sentImages?.size || (!!plan.upsert && !(plan.upsert instanceof Error) && setsImages(plan.upsert));
    default:
      return false;
  }
}

/** An image sent, read: its bytes, file type (undefined: not an image file) and thumbnail (made once asked for). */
interface SentImage {
  readonly bytes: Uint8Array;
  readonly type: ImageType | undefined;
  thumbnail?: Promise<Buffer>;
}

/**
 * One withImages call's state: the time its images are set at, and the images sent, by the value
 * sent (base64 text or bytes), so that an image that is both an update's and its upsert's is read
 * and decoded once.
 */
interface Preparing {
  readonly now: string;
  readonly sent: Map<string | Uint8Array, SentImage>;
}

/**
 * `plan` (a row's insert or update, with the insert's related rows and an update's upsert) with
 * the values of its Image columns made ready to store: the image sent (base64, plan/values.ts, or
 * bytes, UpdatePlan.sentImages) becomes its thumbnail (files/thumbnail.ts), and the column's
 * companions take a new image id, the time (`now`, canonical UTC, as .NET ticks) and the download
 * URL; with CanStoreFullImage the image itself is kept as the plan's attachment. A null clears the
 * companions and removes the full image. Each image is decoded once, whether it is an update's and
 * its upsert's too. A plan of a table without Image columns (and no related rows) is returned as
 * it is, and so is a plan made ready already (one with `attachments`), and within a plan its
 * related rows made ready already: a deep insert's rows, made ready with it, are not made ready
 * again when they are written. Throws 400 `0x80072553` for an image too big (checkImageSize), of
 * more than MAX_IMAGE_PIXELS pixels, or not of an image file type (or that does not decode), and
 * 400 `0x80090487` for a create that sets an Image column other than the table's primary image
 * (for an upsert's create, the upsert's Error: the update may still run).
 */
export async function withImages<P extends WritePlan>(plan: P, now = nowUtc()): Promise<P> {
  return prepare(plan, { now, sent: new Map() });
}

/** withImages, within one call's state. */
async function prepare<P extends WritePlan>(plan: P, state: Preparing): Promise<P> {
  if (plan.kind === 'insert') return await insertWithImages(plan, state) as P;
  if (plan.kind !== 'update' || plan.attachments) return plan;
  const upsert = plan.upsert && !(plan.upsert instanceof Error) ? await insertWithImages(plan.upsert, state).catch((err: Error) => err) : plan.upsert;
  if (!plan.entity.ImageAttributes.length) return upsert === plan.upsert ? plan : { ...plan, upsert };
  const { values, attachments } = await imageValues(plan.entity, plan.id, plan.set, state, false, plan.sentImages);
  return { ...plan, set: values, attachments, upsert, sentImages: undefined };
}

/** An InsertPlan with its own and its related rows' images made ready (withImages). */
async function insertWithImages(plan: InsertPlan, state: Preparing): Promise<InsertPlan> {
  if (plan.attachments || (!plan.entity.ImageAttributes.length && !plan.before && !plan.after)) return plan;
  const before = plan.before && await Promise.all(plan.before.map((p) => insertWithImages(p, state)));
  const after = plan.after && await Promise.all(plan.after.map((p) => prepare(p, state)));
  if (!plan.entity.ImageAttributes.length) return { ...plan, before, after };
  const { values, attachments } = await imageValues(plan.entity, plan.id, plan.values, state, true);
  return { ...plan, values, attachments, before, after };
}

/** The image sent as `sent` (base64 text or bytes), read once per withImages call. */
function sentImage(sent: string | Uint8Array, state: Preparing): SentImage {
  let image = state.sent.get(sent);
  if (!image) {
    const bytes = typeof sent === 'string' ? Buffer.from(sent, 'base64') : sent;
    image = { bytes, type: imageTypeOf(bytes) };
    state.sent.set(sent, image);
  }
  return image;
}

/**
 * The values of a write of row `id` of `entity` (`created`: an insert) with its Image columns'
 * values (or the bytes `bytesSent`) turned into thumbnails and companions, and the full images to
 * store or remove. See withImages.
 */
async function imageValues(
  entity: EntityModel, id: string, given: ReadonlyMap<AttributeModel, Value>, state: Preparing, created: boolean,
  bytesSent?: ReadonlyMap<AttributeModel, Uint8Array>,
): Promise<{ values: ColumnValues; attachments: ImageAttachment[] }> {
  const values = new ColumnValues(entity);
  given.forEach((v, a) => values.set(a, v));
  const attachments: ImageAttachment[] = [];
  for (const column of entity.ImageAttributes) {
    const sent = bytesSent?.get(column) ?? given.get(column);
    if (sent === undefined) continue;
    const companions = imageCompanions(entity, column);
    if (sent === null) {
      for (const a of [companions.id, companions.timestamp, companions.url]) values.set(a, null);
      if (!created) attachments.push({ column, file: null });
      continue;
    }
    if (created && !column.IsPrimaryImage) throw Errors.nonPrimaryImageOnCreate(column.LogicalName, entity.LogicalName);
    const image = sentImage(sent instanceof Uint8Array ? sent : String(sent), state);
    const { bytes, type } = image;
    checkImageSize(column, bytes.length);
    const failed = () => Errors.processImageFailure(`Update image properties failed for objectid: ${id}, logicalName: ${entity.LogicalName}, attribute: ${column.LogicalName}`);
    if (!type) throw failed();
    image.thumbnail ??= makeThumbnail(bytes);
    const thumbnail = await image.thumbnail.catch((err: unknown) => {
      throw err instanceof ImageTooLarge ? Errors.processImageFailure(err.message) : failed();
    });
    const imageId = randomUUID();
    const timestamp = imageTimestamp(state.now);
    values.set(column, thumbnail.toString('base64'));
    values.set(companions.id, imageId);
    values.set(companions.timestamp, timestamp);
    values.set(companions.url, imageUrl(entity.LogicalName, column.LogicalName, imageId, timestamp));
    // An image stored without its full size leaves none of an earlier one behind.
    if (column.CanStoreFullImage) attachments.push({ column, file: { id: randomUUID(), filename: `${imageId}.${type.extension}`, mimetype: type.mimetype, body: bytes } });
    else if (!created) attachments.push({ column, file: null });
  }
  return { values, attachments };
}
