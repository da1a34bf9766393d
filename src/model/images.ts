import type { AttributeModel, EntityModel } from './types.js';

/**
 * The side of an Image column's thumbnail, in pixels: images are cropped square and those larger
 * than this scaled to it (Dataverse "Use image column data", "Resize rules for thumbnail-sized
 * images"; ImageAttributeMetadata.MaxHeight and MaxWidth).
 */
export const THUMBNAIL_SIZE = 144;

/** The read-only columns that go with Image column `column` of `entity` (system-columns.ts): the image's id, when it was set (.NET ticks), its download URL. */
export interface ImageCompanions {
  readonly id: AttributeModel;
  readonly timestamp: AttributeModel;
  readonly url: AttributeModel;
}

/** The companions of Image column `column` of `entity` (`<column>id`, `<column>_timestamp`, `<column>_url`). */
export function imageCompanions(entity: EntityModel, column: AttributeModel): ImageCompanions {
  const of = (suffix: string) => entity.attributesByName.get(`${column.LogicalName}${suffix}`)!;
  return { id: of('id'), timestamp: of('_timestamp'), url: of('_url') };
}

/**
 * The relative URL that downloads the thumbnail of Image column `column` of a `table` row whose
 * image has id `imageId`, set at `timestamp` (Dataverse "Use image column data", "Download URL":
 * `/Image/download.aspx?Entity=…&Attribute=…&Id=…&Timestamp=…`).
 */
export function imageUrl(table: string, column: string, imageId: string, timestamp: number | bigint): string {
  return `/Image/download.aspx?Entity=${table}&Attribute=${column}&Id=${imageId}&Timestamp=${timestamp}`;
}

/** .NET ticks (100 ns since 0001-01-01) at the Unix epoch. */
const TICKS_AT_EPOCH = 621355968000000000;

/**
 * `<column>_timestamp` for an image set at `utc` (canonical UTC, whole seconds): its .NET ticks,
 * as Dataverse's (e.g. 637388308718090885). Whole seconds × 10^7 plus the epoch's ticks is a
 * multiple of 128, which a double holds exactly at this size.
 */
export function imageTimestamp(utc: string): number {
  return Date.parse(utc) * 10000 + TICKS_AT_EPOCH;
}

/**
 * The columns a read answers when it names none (no `$select`, FetchXML `all-attributes`): every
 * readable property but Image columns, whose thumbnails are read only when named (Dataverse "Use
 * image column data": image data is not part of all columns, for performance).
 */
export function defaultColumns(entity: EntityModel): AttributeModel[] {
  const all = [...entity.attributesByProperty.values()];
  return entity.ImageAttributes.length ? all.filter((a) => a.AttributeType !== 'Image') : all;
}
