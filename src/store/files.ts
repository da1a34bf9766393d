import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { UpdatePlan } from '../plan/types.js';
import { firstTableWithFiles, renderDeleteFileById, renderDeleteFiles, renderFindFile, renderSelectFile, renderStoreFile, type ByteSlice, type FileAttachment } from '../sql/file-attachments.js';
import type { Database } from './database.js';
import { writeIn } from './execute.js';

/** A stored file: its description and, when asked for, its content (all of it, or the bytes of a slice). */
export interface StoredFile extends FileAttachment {
  readonly body?: Uint8Array;
}

/**
 * In one transaction, runs `plan` (planFileChange: the row's File column and name set) and stores
 * `file` with its content `body` as that column's file, replacing the previous one. Throws as
 * writeIn (404 `0x80040217` for a missing row, the caller's 403 for a row it may not write):
 * then nothing is stored.
 */
export async function executeStoreFile(db: Database, plan: UpdatePlan, column: AttributeModel, file: FileAttachment, body: Uint8Array, createdOn: string): Promise<void> {
  await db.transaction(async (tx) => {
    await writeIn(tx, db, plan);
    for (const stmt of renderStoreFile(db.dialect, plan.entity, plan.id, column, file, body, createdOn)) await tx.run(stmt);
  });
}

/**
 * In one transaction, runs `plan` (the row's File column and name cleared) and deletes the
 * column's file: whichever it holds, or with `fileId` only the file of that id (the plan then
 * guards that the column still holds it, so a file stored meanwhile stays). Throws as writeIn.
 */
export async function executeDeleteFile(db: Database, plan: UpdatePlan, column: AttributeModel, fileId?: string): Promise<void> {
  await db.transaction(async (tx) => {
    await writeIn(tx, db, plan);
    await tx.run(fileId === undefined ? renderDeleteFiles(db.dialect, plan.entity, [plan.id], column) : renderDeleteFileById(db.dialect, plan.entity, fileId));
  });
}

/**
 * The file of File column `column` of row `id` of `entity`, with its content as `content` asks
 * (renderSelectFile: none, `'all'`, or the bytes of a slice), or undefined when the column holds
 * none. Reads past the caller's privileges: the caller reads the row first (its read privilege decides).
 */
export async function executeReadFile(db: Database, entity: EntityModel, id: string, column: AttributeModel, content?: 'all' | ByteSlice): Promise<StoredFile | undefined> {
  const [row] = await db.rows(renderSelectFile(db.dialect, entity, id, column, content));
  if (!row) return undefined;
  const d = db.dialect;
  return {
    fileattachmentid: String(d.fromDb(entity.attributesByName.get(entity.PrimaryIdAttribute)!, row[0])),
    filename: String(row[1]),
    mimetype: String(row[2]),
    filesizeinbytes: Number(d.fromDb(entity.attributesByName.get('versionnumber')!, row[3])),
    ...(content ? { body: (row[4] as Uint8Array | null) ?? new Uint8Array() } : {}),
  };
}

/**
 * The row and column whose file is `fileId` (the value a File column holds, or the id of an Image
 * column's full image), or undefined when no file has that id (or the model keeps no files).
 * Reads past the caller's privileges: the caller's access to the row is checked by what it then does.
 */
export async function executeFindFile(db: Database, model: Model, fileId: string): Promise<{ entity: EntityModel; id: string; column: AttributeModel } | undefined> {
  const sample = firstTableWithFiles(model);
  if (!sample) return undefined;
  const [row] = await db.rows(renderFindFile(db.dialect, sample, fileId));
  const entity = row ? model.byLogicalName.get(String(row[0])) : undefined;
  const column = entity?.attributesByName.get(String(row![2]));
  if (!entity || !column) return undefined;
  return { entity, id: String(db.dialect.fromDb(entity.attributesByName.get(entity.PrimaryIdAttribute)!, row![1])), column };
}
