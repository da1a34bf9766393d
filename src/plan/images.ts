import { randomUUID } from 'node:crypto';
import { Errors } from '../errors.js';
import { imageTypeOf, makeThumbnail } from '../files/thumbnail.js';
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
 * `plan` (a row's insert or update, with the insert's related rows and an update's upsert) with
 * the values of its Image columns made ready to store: the image sent (base64, plan/values.ts)
 * becomes its thumbnail (files/thumbnail.ts), and the column's companions take a new image id,
 * the time (`now`, canonical UTC, as .NET ticks) and the download URL; with CanStoreFullImage the
 * image itself is kept as the plan's attachment. A null clears the companions and removes the
 * full image. A plan of a table without Image columns (and no related rows) is returned as it is.
 * Throws 400 `0x80072553` for an image too big (checkImageSize) or not of an image file type (or
 * that does not decode), and 400 `0x80090487` for a create that sets an Image column other than
 * the table's primary image (for an upsert's create, the upsert's Error: the update may still run).
 */
export async function withImages<P extends WritePlan>(plan: P, now = nowUtc()): Promise<P> {
  if (plan.kind === 'insert') return await insertWithImages(plan, now) as P;
  if (plan.kind !== 'update') return plan;
  const upsert = plan.upsert && !(plan.upsert instanceof Error) ? await insertWithImages(plan.upsert, now).catch((err: Error) => err) : plan.upsert;
  if (!plan.entity.ImageAttributes.length) return upsert === plan.upsert ? plan : { ...plan, upsert };
  const { values, attachments } = await imageValues(plan.entity, plan.id, plan.set, now, false);
  return { ...plan, set: values, attachments, upsert };
}

/** An InsertPlan with its own and its related rows' images made ready (withImages). */
async function insertWithImages(plan: InsertPlan, now: string): Promise<InsertPlan> {
  if (!plan.entity.ImageAttributes.length && !plan.before && !plan.after) return plan;
  const before = plan.before && await Promise.all(plan.before.map((p) => insertWithImages(p, now)));
  const after = plan.after && await Promise.all(plan.after.map((p) => withImages(p, now)));
  if (!plan.entity.ImageAttributes.length) return { ...plan, before, after };
  const { values, attachments } = await imageValues(plan.entity, plan.id, plan.values, now, true);
  return { ...plan, values, attachments, before, after };
}

/**
 * The values of a write of row `id` of `entity` (`created`: an insert) with its Image columns'
 * values turned into thumbnails and companions, and the full images to store or remove. See withImages.
 */
async function imageValues(entity: EntityModel, id: string, given: ReadonlyMap<AttributeModel, Value>, now: string, created: boolean): Promise<{ values: ColumnValues; attachments: ImageAttachment[] }> {
  const values = new ColumnValues(entity);
  given.forEach((v, a) => values.set(a, v));
  const attachments: ImageAttachment[] = [];
  for (const column of entity.ImageAttributes) {
    const sent = given.get(column);
    if (sent === undefined) continue;
    const companions = imageCompanions(entity, column);
    if (sent === null) {
      for (const a of [companions.id, companions.timestamp, companions.url]) values.set(a, null);
      if (!created) attachments.push({ column, file: null });
      continue;
    }
    if (created && !column.IsPrimaryImage) throw Errors.nonPrimaryImageOnCreate(column.LogicalName, entity.LogicalName);
    const bytes = Buffer.from(String(sent), 'base64');
    checkImageSize(column, bytes.length);
    const failed = () => Errors.processImageFailure(`Update image properties failed for objectid: ${id}, logicalName: ${entity.LogicalName}, attribute: ${column.LogicalName}`);
    const type = imageTypeOf(bytes);
    if (!type) throw failed();
    const thumbnail = await makeThumbnail(bytes).catch(() => { throw failed(); });
    const imageId = randomUUID();
    const timestamp = imageTimestamp(now);
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
