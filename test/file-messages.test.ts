import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { client } from './support/dynamics-web-api.js';
import { makeRole, makeUser, asUser } from './support/principals.js';
import { accountFileMetadata } from './support/relationship-metadata.js';
import { call, copyMetadata, createRow, DATABASES, startServer, type Reply, type TestServer } from './support/server.js';

/**
 * The file messages (Dataverse Web API reference: InitializeFileBlocksUpload, UploadBlock,
 * CommitFileBlocksUpload, InitializeFileBlocksDownload, DownloadBlock, DeleteFile; "Use file
 * column data", "Use image column data"): over HTTP on a copy of the shipped
 * msdyn_copilotinteractiondata given a File column (MaxSizeInKB 2) and two Image columns, and on the
 * user-owned test table account for privileges.
 */

const SET = 'msdyn_copilotinteractiondatas';
const ENTITY = 'msdyn_copilotinteractiondata';
const COLUMN = 'msdyn_attachment';
/** An Image column keeping full images, and one keeping thumbnails only. */
const PHOTO = 'msdyn_photo';
const BADGE = 'msdyn_badge';

/** A copy of the shipped metadata whose msdyn_copilotinteractiondata has the File column COLUMN (2 KB) and the Image columns PHOTO and BADGE. */
function fileMetadata(): string {
  const dir = copyMetadata();
  const path = join(dir, `${ENTITY}.json`);
  const file = JSON.parse(readFileSync(path, 'utf8')) as { IsRetentionEnabled?: boolean; Attributes: Array<Record<string, unknown>> };
  file.IsRetentionEnabled = true;
  file.Attributes.push(
    { LogicalName: COLUMN, SchemaName: 'msdyn_Attachment', AttributeType: 'File', MaxSizeInKB: 2 },
    { LogicalName: PHOTO, SchemaName: 'msdyn_Photo', AttributeType: 'Image', CanStoreFullImage: true, IsPrimaryImage: true },
    { LogicalName: BADGE, SchemaName: 'msdyn_Badge', AttributeType: 'Image' },
  );
  writeFileSync(path, JSON.stringify(file));
  return dir;
}

/** Bytes 0…255 repeated to `n` bytes, from `seed`. */
function bytesOf(n: number, seed = 0): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (seed + i * 7) % 256));
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** A Target naming row `id` of ENTITY (or `table`). */
function target(id: string, table = ENTITY): Record<string, string> {
  return { '@odata.type': `Microsoft.Dynamics.CRM.${table}`, [`${table}id`]: id };
}

/** The error code of an answer. */
const codeOf = (r: Reply): string => r.json?.error?.code;

for (const database of DATABASES) {
  describe(`file messages [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(fileMetadata(), database); });
    after(async () => { await s.close(); });

    const post = (name: string, body: object, headers: Record<string, string> = {}) => call('POST', `${s.root}${name}`, body, headers);
    const newRow = async () => (await createRow(s, SET, { msdyn_name: 'file messages' }))[`${ENTITY}id`] as string;
    const rowOf = async (id: string) => (await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN},${COLUMN}_name,versionnumber,modifiedon`)).json;
    const begin = async (id: string, name = 'notes.txt', column = COLUMN): Promise<string> => {
      const r = await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: column, FileName: name });
      expect(r.status, r.text).to.equal(200);
      return r.json.FileContinuationToken as string;
    };
    const block = (token: string, id: string, bytes: Uint8Array) => post('UploadBlock', { BlockId: id, BlockData: b64(bytes), FileContinuationToken: token });
    const commit = (token: string, list: string[], name = 'notes.txt', mime = 'text/plain') => post('CommitFileBlocksUpload', { FileName: name, MimeType: mime, BlockList: list, FileContinuationToken: token });
    /** Stores `bytes` as the file of row `id` by the messages, in one block; its FileId. */
    const storeByBlocks = async (id: string, bytes: Uint8Array): Promise<string> => {
      const token = await begin(id);
      await block(token, 'AA==', bytes);
      return (await commit(token, ['AA=='])).json.FileId as string;
    };
    /** The whole file of row `id` through InitializeFileBlocksDownload and DownloadBlock, `size` bytes at a time. */
    const downloadAll = async (id: string, size: number, column = COLUMN): Promise<{ name: string; bytes: Buffer }> => {
      const init = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: column });
      expect(init.status, init.text).to.equal(200);
      const parts: Buffer[] = [];
      for (let offset = 0; offset < init.json.FileSizeInBytes; offset += size) {
        const r = await post('DownloadBlock', { Offset: offset, BlockLength: size, FileContinuationToken: init.json.FileContinuationToken });
        expect(r.status, r.text).to.equal(200);
        parts.push(Buffer.from(r.json.Data as string, 'base64'));
      }
      return { name: init.json.FileName, bytes: Buffer.concat(parts) };
    };

    it('$metadata declares the six unbound actions with Dataverse\'s parameters and their response complex types', async () => {
      const csdl = (await call('GET', `${s.root}$metadata`)).text;
      const action = (name: string) => new RegExp(`<Action Name="${name}">([\\s\\S]*?)</Action>`).exec(csdl)?.[1] ?? '';
      expect(action('InitializeFileBlocksUpload')).to.include('<Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/>')
        .and.to.include('<Parameter Name="FileName" Type="Edm.String" Nullable="false" Unicode="false"/>')
        .and.to.include('<Parameter Name="FileAttributeName" Type="Edm.String" Nullable="false" Unicode="false"/>')
        .and.to.include('<ReturnType Type="mscrm.InitializeFileBlocksUploadResponse" Nullable="false"/>');
      expect(action('UploadBlock')).to.include('<Parameter Name="BlockData" Type="Edm.Binary" Nullable="false"/>').and.not.to.include('ReturnType');
      expect(action('CommitFileBlocksUpload')).to.include('<Parameter Name="BlockList" Type="Collection(Edm.String)" Nullable="false" Unicode="false"/>')
        .and.to.include('<Parameter Name="MimeType" Type="Edm.String" Nullable="false" Unicode="false"/>');
      expect(action('InitializeFileBlocksDownload')).to.include('<Parameter Name="DataSource" Type="Edm.String" Nullable="true" Unicode="false"/>');
      expect(action('DownloadBlock')).to.include('<Parameter Name="Offset" Type="Edm.Int64" Nullable="false"/>').and.to.include('<Parameter Name="BlockLength" Type="Edm.Int64" Nullable="false"/>');
      expect(action('DeleteFile')).to.include('<Parameter Name="FileId" Type="Edm.Guid" Nullable="false"/>').and.not.to.include('ReturnType');
      expect(csdl).to.match(/<ComplexType Name="InitializeFileBlocksUploadResponse">\s*<Property Name="FileContinuationToken" Type="Edm.String" Nullable="false"\/>\s*<\/ComplexType>/);
      expect(csdl).to.match(/<ComplexType Name="CommitFileBlocksUploadResponse">\s*<Property Name="FileId" Type="Edm.Guid" Nullable="false"\/>\s*<Property Name="FileSizeInBytes" Type="Edm.Int64" Nullable="false"\/>/);
      expect(csdl).to.match(/<ComplexType Name="InitializeFileBlocksDownloadResponse">\s*<Property Name="FileContinuationToken" Type="Edm.String" Nullable="false"\/>\s*<Property Name="FileSizeInBytes" Type="Edm.Int64" Nullable="false"\/>\s*<Property Name="FileName" Type="Edm.String" Nullable="false"\/>\s*<Property Name="IsChunkingSupported" Type="Edm.Boolean" Nullable="false"\/>/);
      expect(csdl).to.match(/<ComplexType Name="DownloadBlockResponse">\s*<Property Name="Data" Type="Edm.Binary" Nullable="false"\/>/);
    });

    it('blocks uploaded out of order are committed in BlockList order: the row holds FileId and the name, is stamped with a new version, and GET $value answers the bytes', async () => {
      const id = await newRow();
      const before = await rowOf(id);
      const token = await begin(id, 'draft.txt');
      expect(token).to.be.a('string').and.not.equal('');
      const parts = [bytesOf(400, 1), bytesOf(300, 2), bytesOf(5, 3)];
      for (const [i, bid] of [[2, 'QkxLMg=='], [0, 'QkxLMA=='], [1, 'QkxLMQ==']] as const) {
        const r = await block(token, bid, parts[i]!);
        expect(r.status, r.text).to.equal(204);
        expect(r.text).to.equal('');
      }
      const r = await commit(token, ['QkxLMA==', 'QkxLMQ==', 'QkxLMg=='], 'report.txt', 'application/x-report');
      expect(r.status, r.text).to.equal(200);
      expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#Microsoft.Dynamics.CRM.CommitFileBlocksUploadResponse`, FileId: r.json.FileId, FileSizeInBytes: 705 });
      const row = await rowOf(id);
      expect(row[COLUMN]).to.equal(r.json.FileId);
      expect(row[`${COLUMN}_name`]).to.equal('report.txt');
      expect(BigInt(row.versionnumber) > BigInt(before.versionnumber), 'a new version').to.equal(true);
      expect(row.modifiedon >= before.modifiedon).to.equal(true);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(down.headers.get('mimetype')).to.equal('application/x-report');
      expect(Buffer.from(await down.arrayBuffer()).equals(Buffer.concat(parts))).to.equal(true);
      const again = await commit(token, ['QkxLMA=='], 'report.txt');
      expect(again.status, 'the upload ended with its commit').to.equal(400);
      expect(codeOf(again)).to.equal('0x80040203');
    });

    it('of two commits of one upload sent at once, exactly one is stored (200) and the other refused with 400 0x80040203', async () => {
      const id = await newRow();
      const token = await begin(id);
      await block(token, 'AA==', bytesOf(6));
      const answers = await Promise.all([commit(token, ['AA==']), commit(token, ['AA=='])]);
      expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 400]);
      const stored = answers.find((r) => r.status === 200)!;
      expect(codeOf(answers.find((r) => r.status === 400)!)).to.equal('0x80040203');
      expect((await rowOf(id))[COLUMN]).to.equal(stored.json.FileId);
    });

    it('InitializeFileBlocksDownload answers the token, size and name; DownloadBlock answers the bytes of each range (none past the end); a file uploaded with PATCH round-trips', async () => {
      const id = await newRow();
      const bytes = bytesOf(1000, 9);
      const up = await fetch(`${s.root}${SET}(${id})/${COLUMN}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'in.bin' }, body: bytes as unknown as BodyInit });
      expect(up.status).to.equal(204);
      const init = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN });
      expect(init.status, init.text).to.equal(200);
      expect(init.json).to.deep.equal({
        '@odata.context': `${s.root}$metadata#Microsoft.Dynamics.CRM.InitializeFileBlocksDownloadResponse`,
        FileContinuationToken: init.json.FileContinuationToken, FileSizeInBytes: 1000, FileName: 'in.bin', IsChunkingSupported: true,
      });
      const part = await post('DownloadBlock', { Offset: '990', BlockLength: 20, FileContinuationToken: init.json.FileContinuationToken });
      expect(part.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#Microsoft.Dynamics.CRM.DownloadBlockResponse`, Data: b64(bytes.subarray(990)) });
      const past = await post('DownloadBlock', { Offset: 5000, BlockLength: 20, FileContinuationToken: init.json.FileContinuationToken });
      expect(past.status).to.equal(200);
      expect(past.json.Data).to.equal('');
      const whole = await downloadAll(id, 300);
      expect(whole.name).to.equal('in.bin');
      expect(whole.bytes.equals(bytes)).to.equal(true);
    });

    it('a file uploaded by the messages downloads through GET …/<column> as through the messages, and DeleteFile by its FileId clears the column and its name', async () => {
      const id = await newRow();
      const token = await begin(id, 'a.bin');
      expect((await block(token, 'AA==', bytesOf(64))).status).to.equal(204);
      const fileId = (await commit(token, ['AA=='], 'a.bin', 'application/octet-stream')).json.FileId as string;
      const json = await call('GET', `${s.root}${SET}(${id})/${COLUMN}`);
      expect(Buffer.from(json.json.value as string, 'base64').equals(bytesOf(64))).to.equal(true);
      expect((await downloadAll(id, 1000)).bytes.equals(bytesOf(64))).to.equal(true);
      const before = await rowOf(id);
      const del = await post('DeleteFile', { FileId: fileId.toUpperCase() });
      expect(del.status, del.text).to.equal(204);
      const row = await rowOf(id);
      expect(row[COLUMN]).to.equal(null);
      expect(row[`${COLUMN}_name`]).to.equal(null);
      expect(BigInt(row.versionnumber) > BigInt(before.versionnumber), 'a new version').to.equal(true);
      expect(row.modifiedon >= before.modifiedon).to.equal(true);
      expect((await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`)).status).to.equal(404);
      const gone = await post('DeleteFile', { FileId: fileId });
      expect(gone.status).to.equal(404);
      expect(codeOf(gone)).to.equal('0x80040217');
    });

    it('DeleteFile of a file since replaced answers 404 0x80040217 and leaves the new file', async () => {
      const id = await newRow();
      const a = await storeByBlocks(id, bytesOf(3));
      const b = await storeByBlocks(id, bytesOf(4));
      const stale = await post('DeleteFile', { FileId: a });
      expect(stale.status).to.equal(404);
      expect(codeOf(stale)).to.equal('0x80040217');
      expect((await rowOf(id))[COLUMN]).to.equal(b);
      expect((await downloadAll(id, 100)).bytes.equals(bytesOf(4))).to.equal(true);
    });

    if (database.name === 'postgres') {
      it('DeleteFile of file A racing a commit that replaces A by B deletes nothing (404): the column keeps B and B downloads', async () => {
        const id = await newRow();
        const a = await storeByBlocks(id, bytesOf(3));
        const second = await begin(id);
        await block(second, 'AA==', bytesOf(4));
        /** Waits until `n` sessions wait for a lock in an UPDATE. */
        const waiters = async (n: number) => {
          for (let i = 0; i < 250; i++) {
            const [[count]] = await s.db.rows({ sql: "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE %'", params: [] }) as [[string]];
            if (Number(count) >= n) return;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(`fewer than ${n} sessions waited for the row`);
        };
        let committed: Promise<Reply> | undefined;
        let deleted: Promise<Reply> | undefined;
        // The row is held while the commit of B, then DeleteFile of A, wait for it: the commit goes first, then the delete finds B.
        await s.db.transaction(async (tx) => {
          await tx.rows({ sql: `SELECT 1 FROM "${ENTITY}" WHERE "${ENTITY}id" = $1 FOR UPDATE`, params: [id] });
          committed = commit(second, ['AA==']);
          await waiters(1);
          deleted = post('DeleteFile', { FileId: a });
          await waiters(2);
        });
        const [c, d] = [await committed!, await deleted!];
        expect(c.status, c.text).to.equal(200);
        expect(d.status, d.text).to.equal(404);
        expect((await rowOf(id))[COLUMN]).to.equal(c.json.FileId);
        expect((await downloadAll(id, 100)).bytes.equals(bytesOf(4))).to.equal(true);
      });
    }

    it('a token of no upload or download, or a download\'s token after its file was replaced, is refused with 400 0x80040203', async () => {
      const unknown = 'bm90IGEgdG9rZW4';
      for (const r of [
        await block(unknown, 'AA==', bytesOf(1)),
        await commit(unknown, ['AA==']),
        await post('DownloadBlock', { Offset: 0, BlockLength: 1, FileContinuationToken: unknown }),
        await post('DownloadBlock', { Offset: 0, BlockLength: 1, FileContinuationToken: 'd.eyJ' }),
      ]) {
        expect(r.status, r.text).to.equal(400);
        expect(codeOf(r)).to.equal('0x80040203');
      }
      const id = await newRow();
      const patchSession = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=p.bin`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
      const sessionToken = new URL(patchSession.headers.get('location')!).searchParams.get('sessiontoken')!;
      expect(codeOf(await block(sessionToken, 'AA==', bytesOf(1))), 'a PATCH upload\'s session token').to.equal('0x80040203');
      const upload = await begin(id);
      expect(codeOf(await post('DownloadBlock', { Offset: 0, BlockLength: 1, FileContinuationToken: upload })), 'an upload\'s token').to.equal('0x80040203');
      await block(upload, 'AA==', bytesOf(3));
      await commit(upload, ['AA==']);
      const init = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN });
      const replace = await begin(id);
      await block(replace, 'AA==', bytesOf(4));
      await commit(replace, ['AA==']);
      const stale = await post('DownloadBlock', { Offset: 0, BlockLength: 4, FileContinuationToken: init.json.FileContinuationToken });
      expect(stale.status).to.equal(400);
      expect(codeOf(stale)).to.equal('0x80040203');
    });

    it('a BlockList naming a block not uploaded is refused with 400 0x80040203 and nothing stored; the upload stays open and commits after', async () => {
      const id = await newRow();
      const token = await begin(id);
      await block(token, 'AA==', bytesOf(10));
      const r = await commit(token, ['AA==', 'AQ==']);
      expect(r.status).to.equal(400);
      expect(codeOf(r)).to.equal('0x80040203');
      expect(r.json.error.message).to.include("BlockList[1] 'AQ=='");
      expect((await rowOf(id))[COLUMN]).to.equal(null);
      await block(token, 'AQ==', bytesOf(2));
      const ok = await commit(token, ['AQ==', 'AA==']);
      expect(ok.status).to.equal(200);
      expect(ok.json.FileSizeInBytes).to.equal(12);
      expect((await downloadAll(id, 100)).bytes.equals(Buffer.concat([bytesOf(2), bytesOf(10)]))).to.equal(true);
    });

    it('a file over MaxSizeInKB is refused with 400 0x80044a02 at the block that passes it, or at the commit whose BlockList does; nothing is stored', async () => {
      const id = await newRow();
      const token = await begin(id);
      expect((await block(token, 'AA==', bytesOf(2000))).status).to.equal(204);
      const over = await block(token, 'AQ==', bytesOf(49));
      expect(over.status).to.equal(400);
      expect(over.json).to.deep.equal({ error: { code: '0x80044a02', message: 'Attachment file size is too big.' } });
      const twice = await commit(token, ['AA==', 'AA==']);
      expect(twice.status).to.equal(400);
      expect(codeOf(twice)).to.equal('0x80044a02');
      expect((await rowOf(id))[COLUMN]).to.equal(null);
      expect((await block(token, 'AQ==', bytesOf(48))).status, 'a block that fits the 2,048 bytes').to.equal(204);
      expect((await commit(token, ['AA==', 'AQ=='])).json.FileSizeInBytes).to.equal(2048);
    });

    it('a column that is not a file or image column, a Target without a type or key, BlockData that is not base64 and a negative Offset are 400; a missing row is 404', async () => {
      const id = await newRow();
      const notFile = await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: 'msdyn_name', FileName: 'x.txt' });
      expect(notFile.status).to.equal(400);
      expect(codeOf(notFile)).to.equal('0x80040203');
      const down = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: 'nope' });
      expect(codeOf(down)).to.equal('0x80040203');
      expect(codeOf(await post('InitializeFileBlocksUpload', { Target: { accountid: id }, FileAttributeName: COLUMN, FileName: 'x.txt' }))).to.equal('0x80040203');
      expect(codeOf(await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'bad\nname' }))).to.equal('0x80040203');
      const unnamed = await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: '' });
      expect(codeOf(unnamed)).to.equal('0x80040203');
      expect(unnamed.json.error.message).to.include('FileName').and.not.to.include('x-ms-file-name');
      const token = await begin(id);
      const notBase64 = await post('UploadBlock', { BlockId: 'AA==', BlockData: 'not base64!', FileContinuationToken: token });
      expect(notBase64.status).to.equal(400);
      expect(codeOf(notBase64)).to.equal('0x80060888');
      expect(codeOf(await block(token, '', bytesOf(1)))).to.equal('0x80040203');
      const missing = await post('InitializeFileBlocksUpload', { Target: target('00000000-0000-0000-0000-00000000abcd'), FileAttributeName: COLUMN, FileName: 'x.txt' });
      expect(missing.status).to.equal(404);
      expect(codeOf(missing)).to.equal('0x80040217');
      await block(token, 'AA==', bytesOf(3));
      await commit(token, ['AA==']);
      const init = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN });
      const negative = await post('DownloadBlock', { Offset: -1, BlockLength: 1, FileContinuationToken: init.json.FileContinuationToken });
      expect(negative.status).to.equal(400);
      expect(codeOf(negative)).to.equal('0x80040203');
      const huge = await post('DownloadBlock', { Offset: 0, BlockLength: 4 * 1024 * 1024 + 1, FileContinuationToken: init.json.FileContinuationToken });
      expect(huge.status, 'a block of more than 4 MiB').to.equal(400);
      expect(codeOf(huge)).to.equal('0x80040203');
      const most = await post('DownloadBlock', { Offset: 0, BlockLength: 4 * 1024 * 1024, FileContinuationToken: init.json.FileContinuationToken });
      expect(most.status).to.equal(200);
      expect(most.json.Data).to.equal(b64(bytesOf(3)));
    });

    it('a MimeType that is no media type (a line break, NUL, a non-ASCII letter, no subtype) is 400 0x80040203, nothing stored and the upload still open; a PATCH Content-Type likewise', async () => {
      const id = await newRow();
      const token = await begin(id);
      await block(token, 'AA==', bytesOf(5));
      for (const mime of ['text/plain\r\nX-Evil: 1', 'text/pl\u0000ain', 'tëxt/plain', 'text', 'text/plain; a=\u00e9']) {
        const r = await commit(token, ['AA=='], 'notes.txt', mime);
        expect(r.status, `${JSON.stringify(mime)}: ${r.text}`).to.equal(400);
        expect(codeOf(r)).to.equal('0x80040203');
      }
      expect((await rowOf(id))[COLUMN]).to.equal(null);
      expect((await commit(token, ['AA=='], 'notes.txt', 'text/plain; charset="utf-8"')).status).to.equal(200);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(down.status).to.equal(200);
      expect(down.headers.get('mimetype')).to.equal('text/plain; charset="utf-8"');
      const patch = await fetch(`${s.root}${SET}(${id})/${COLUMN}`, { method: 'PATCH', headers: { 'Content-Type': 'text', 'x-ms-file-name': 'p.txt' }, body: 'abc' });
      expect(patch.status).to.equal(400);
      expect(((await patch.json()) as { error: { code: string } }).error.code).to.equal('0x80040203');
    });

    it('a retained row\'s file downloads with DataSource "retained" (the token\'s DownloadBlocks read it too) and is 404 without it; uploads to it, by the messages or PATCH in chunks, are refused with 400 0x80040203 at their start', async () => {
      const id = await newRow();
      const up = await fetch(`${s.root}${SET}(${id})/${COLUMN}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'kept.bin' }, body: bytesOf(50) as unknown as BodyInit });
      expect(up.status).to.equal(204);
      const active = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN, DataSource: 'retained' });
      expect(active.status, 'an active row is none of the retained ones').to.equal(404);
      expect(codeOf(await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN, DataSource: 'archive' }))).to.equal('0x80040203');
      await s.db.run({ sql: `UPDATE "${ENTITY}" SET "msft_datastate" = 1 WHERE "${ENTITY}id" = '${id}'`, params: [] });
      const hidden = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN });
      expect(hidden.status).to.equal(404);
      expect(codeOf(hidden)).to.equal('0x80040217');
      const init = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN, DataSource: 'retained' });
      expect(init.status, init.text).to.equal(200);
      expect(init.json.FileName).to.equal('kept.bin');
      const part = await post('DownloadBlock', { Offset: 10, BlockLength: 20, FileContinuationToken: init.json.FileContinuationToken });
      expect(part.status, part.text).to.equal(200);
      expect(part.json.Data).to.equal(b64(bytesOf(50).subarray(10, 30)));
      const start = await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'x.txt' });
      expect(start.status, start.text).to.equal(400);
      expect(codeOf(start)).to.equal('0x80040203');
      const chunked = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=p.bin`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
      expect(chunked.status).to.equal(400);
    });

    it('a column without a file answers InitializeFileBlocksDownload 404 0x80040217; DeleteFile of an id no file has, 404', async () => {
      const id = await newRow();
      const r = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: COLUMN });
      expect(r.status).to.equal(404);
      expect(r.json.error).to.deep.equal({ code: '0x80040217', message: `No file attachment found for attribute: ${COLUMN} EntityId: ${id}.` });
      const d = await post('DeleteFile', { FileId: '00000000-0000-0000-0000-0000000000ff' });
      expect(d.status).to.equal(404);
      expect(codeOf(d)).to.equal('0x80040217');
    });

    it('an image committed by the messages is stored as the PATCH upload stores it: thumbnail, FileId its image id, the full image downloadable by the messages; a column without full images answers 404; bytes that are no image, 400 0x80072553', async () => {
      const id = await newRow();
      const image = await new Jimp({ width: 300, height: 200, color: 0x3366ccff }).getBuffer('image/png');
      const token = await begin(id, 'photo.png', PHOTO);
      const half = Math.floor(image.length / 2);
      await block(token, 'Mg==', image.subarray(half));
      await block(token, 'MQ==', image.subarray(0, half));
      const r = await commit(token, ['MQ==', 'Mg=='], 'photo.png', 'image/png');
      expect(r.status, r.text).to.equal(200);
      expect(r.json.FileSizeInBytes).to.equal(image.length);
      const row = (await call('GET', `${s.root}${SET}(${id})?$select=${PHOTO},${PHOTO}id`)).json;
      expect(row[`${PHOTO}id`]).to.equal(r.json.FileId);
      const thumbnail = await Jimp.read(Buffer.from(row[PHOTO] as string, 'base64'));
      expect([thumbnail.bitmap.width, thumbnail.bitmap.height]).to.deep.equal([144, 144]);
      expect((await downloadAll(id, 1000, PHOTO)).bytes.equals(image)).to.equal(true);
      const badge = await begin(id, 'badge.png', BADGE);
      await block(badge, 'AA==', image);
      expect((await commit(badge, ['AA=='])).status).to.equal(200);
      const noFull = await post('InitializeFileBlocksDownload', { Target: target(id), FileAttributeName: BADGE });
      expect(noFull.status).to.equal(404);
      const junk = await begin(id, 'junk.png', BADGE);
      await block(junk, 'AA==', bytesOf(100));
      const refused = await commit(junk, ['AA==']);
      expect(refused.status).to.equal(400);
      expect(codeOf(refused)).to.equal('0x80072553');
    });

    it('dynamics-web-api\'s callAction runs the messages: upload by blocks, download, delete', async () => {
      const api = client(s);
      const id = await newRow();
      const init = await api.callAction<{ FileContinuationToken: string }>({ actionName: 'InitializeFileBlocksUpload', action: { Target: target(id), FileAttributeName: COLUMN, FileName: 'dwa.txt' } });
      await api.callAction({ actionName: 'UploadBlock', action: { BlockId: 'AA==', BlockData: b64(bytesOf(33)), FileContinuationToken: init.FileContinuationToken } });
      const committed = await api.callAction<{ FileId: string; FileSizeInBytes: number }>({ actionName: 'CommitFileBlocksUpload', action: { FileName: 'dwa.txt', MimeType: 'text/plain', BlockList: ['AA=='], FileContinuationToken: init.FileContinuationToken } });
      expect(committed.FileSizeInBytes).to.equal(33);
      const down = await api.callAction<{ FileContinuationToken: string; FileSizeInBytes: number; FileName: string }>({ actionName: 'InitializeFileBlocksDownload', action: { Target: target(id), FileAttributeName: COLUMN } });
      expect(down.FileName).to.equal('dwa.txt');
      const data = await api.callAction<{ Data: string }>({ actionName: 'DownloadBlock', action: { Offset: 0, BlockLength: 100, FileContinuationToken: down.FileContinuationToken } });
      expect(Buffer.from(data.Data, 'base64').equals(bytesOf(33))).to.equal(true);
      await api.callAction({ actionName: 'DeleteFile', action: { FileId: committed.FileId } });
      expect((await rowOf(id))[COLUMN]).to.equal(null);
    });
  });

  describe(`file messages: limits of uploads under way [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(fileMetadata(), database, { fileUploadLimits: { perCaller: 2, maxBytes: 200 } }); });
    after(async () => { await s.close(); });

    const post = (name: string, body: object) => call('POST', `${s.root}${name}`, body);
    const newRow = async (name: string) => (await createRow(s, SET, { msdyn_name: name }))[`${ENTITY}id`] as string;

    // Each test but the last ends the uploads it opens: they share the server's limits.
    it('a commit is checked on the sum of the blocks its BlockList names (one block named many times) before they are put together: over the bytes uploads may hold, or more entries than an upload takes blocks, is 400 0x80040203 and nothing stored', async () => {
      const id = await newRow('sum');
      const token = (await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 's.bin' })).json.FileContinuationToken as string;
      expect((await post('UploadBlock', { BlockId: 'AA==', BlockData: b64(bytesOf(100)), FileContinuationToken: token })).status).to.equal(204);
      const thrice = await post('CommitFileBlocksUpload', { FileName: 's.bin', MimeType: '', BlockList: ['AA==', 'AA==', 'AA=='], FileContinuationToken: token });
      expect(thrice.status, thrice.text).to.equal(400);
      expect(codeOf(thrice)).to.equal('0x80040203');
      expect(thrice.json.error.message).to.include('300 bytes');
      const many = await post('CommitFileBlocksUpload', { FileName: 's.bin', MimeType: '', BlockList: Array.from({ length: 50_001 }, () => 'AA=='), FileContinuationToken: token });
      expect(many.status, many.text).to.equal(400);
      expect(codeOf(many)).to.equal('0x80040203');
      expect(many.json.error.message).to.include('50001');
      expect((await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN}`)).json[COLUMN]).to.equal(null);
      const ok = await post('CommitFileBlocksUpload', { FileName: 's.bin', MimeType: '', BlockList: ['AA=='], FileContinuationToken: token });
      expect(ok.json.FileSizeInBytes, 'the upload stayed open').to.equal(100);
    });

    it('a BlockId over 100 characters is 400 0x80040203; a block counts its id and 64 bytes besides its data, so empty blocks (taken) fill the room too', async () => {
      const id = await newRow('ids');
      const token = (await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'i.bin' })).json.FileContinuationToken as string;
      const long = await post('UploadBlock', { BlockId: 'A'.repeat(101), BlockData: '', FileContinuationToken: token });
      expect(long.status, long.text).to.equal(400);
      expect(codeOf(long)).to.equal('0x80040203');
      expect((await post('UploadBlock', { BlockId: 'A'.repeat(100), BlockData: '', FileContinuationToken: token })).status, 'an empty block is taken: 100 + 64 bytes').to.equal(204);
      const full = await post('UploadBlock', { BlockId: 'QQ==', BlockData: '', FileContinuationToken: token });
      expect(full.status, 'another 4 + 64 bytes pass the 200').to.equal(400);
      expect(codeOf(full)).to.equal('0x80040203');
      const ok = await post('CommitFileBlocksUpload', { FileName: 'i.bin', MimeType: '', BlockList: ['A'.repeat(100)], FileContinuationToken: token });
      expect(ok.json.FileSizeInBytes).to.equal(0);
    });

    it('an empty BlockList commits a file of 0 bytes (not confirmed against Dataverse)', async () => {
      const id = await newRow('empty');
      const token = (await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'e.bin' })).json.FileContinuationToken as string;
      const r = await post('CommitFileBlocksUpload', { FileName: 'e.bin', MimeType: '', BlockList: [], FileContinuationToken: token });
      expect(r.status, r.text).to.equal(200);
      expect(r.json.FileSizeInBytes).to.equal(0);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(down.status).to.equal(200);
      expect((await down.arrayBuffer()).byteLength).to.equal(0);
    });
    it('uploads by blocks count against the limits of chunked uploads (per caller, bytes held by all); a commit frees its room', async () => {
      const id = await newRow('limits');
      const begin = async () => (await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'l.bin' })).json?.FileContinuationToken as string;
      const first = await begin();
      const patched = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=p.bin`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
      expect(patched.status, 'a PATCH upload takes the second place').to.equal(200);
      const third = await post('InitializeFileBlocksUpload', { Target: target(id), FileAttributeName: COLUMN, FileName: 'l.bin' });
      expect(third.status).to.equal(400);
      expect(codeOf(third)).to.equal('0x80040203');
      expect(third.json.error.message).to.include('without a block').and.not.to.include('chunk');
      // A block counts its bytes, its id's length and 64 bytes (BLOCK_OVERHEAD_BYTES): 100 + 4 + 64.
      expect((await post('UploadBlock', { BlockId: 'AA==', BlockData: b64(bytesOf(100)), FileContinuationToken: first })).status).to.equal(204);
      const over = await post('UploadBlock', { BlockId: 'AQ==', BlockData: b64(bytesOf(3)), FileContinuationToken: first });
      expect(over.status, 'the 200 bytes all uploads may hold').to.equal(400);
      expect(codeOf(over)).to.equal('0x80040203');
      expect(over.json.error.message, 'the messages\' own words').to.include('this block').and.not.to.include('chunk');
      expect((await post('UploadBlock', { BlockId: 'AA==', BlockData: b64(bytesOf(132)), FileContinuationToken: first })).status, 'a block sent again replaces its bytes').to.equal(204);
      expect((await post('CommitFileBlocksUpload', { FileName: 'l.bin', MimeType: '', BlockList: ['AA=='], FileContinuationToken: first })).json.FileSizeInBytes).to.equal(132);
      expect(await begin(), 'the commit freed its place').to.be.a('string');
    });
  });

  describe(`file messages and privileges [${database.name}]`, () => {
    let s: TestServer;
    const ACCOUNTS = 'accounts';
    const DOCUMENT = 'new_document';
    before(async () => { s = await startServer(accountFileMetadata(DOCUMENT), database); });
    after(async () => { await s.close(); });

    const post = (name: string, body: object, headers: Record<string, string> = {}) => call('POST', `${s.root}${name}`, body, headers);
    const account = (id: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.account', accountid: id });
    /** Uploads `bytes` as the document of account `id` by the messages as `headers`' caller; the commit's answer. */
    const upload = async (id: string, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Reply> => {
      const init = await post('InitializeFileBlocksUpload', { Target: account(id), FileAttributeName: DOCUMENT, FileName: 'd.txt' }, headers);
      expect(init.status, init.text).to.equal(200);
      const token = init.json.FileContinuationToken as string;
      expect((await post('UploadBlock', { BlockId: 'AA==', BlockData: b64(bytes), FileContinuationToken: token }, headers)).status).to.equal(204);
      return post('CommitFileBlocksUpload', { FileName: 'd.txt', MimeType: 'text/plain', BlockList: ['AA=='], FileContinuationToken: token }, headers);
    };

    it('a user who may write only its own rows cannot start an upload or delete a file of another user\'s row (403 0x80048306, nothing stored); another user\'s upload or download token is refused with 400', async () => {
      const role = await makeRole(s, 'file messages writer', { prvReadaccount: 'Global', prvCreateaccount: 'Global', prvWriteaccount: 'Basic' });
      const alice = asUser(await makeUser(s, 'Alice Messages', role));
      const bob = asUser(await makeUser(s, 'Bob Messages', role));
      const theirs = (await createRow(s, ACCOUNTS, { name: 'not alice\'s' })).accountid as string;
      const kept = await upload(theirs, bytesOf(5));
      expect(kept.status).to.equal(200);
      const start = await post('InitializeFileBlocksUpload', { Target: account(theirs), FileAttributeName: DOCUMENT, FileName: 'a.txt' }, alice);
      expect(start.status).to.equal(403);
      expect(codeOf(start)).to.equal('0x80048306');
      const del = await post('DeleteFile', { FileId: kept.json.FileId }, alice);
      expect(del.status).to.equal(403);
      expect(codeOf(del)).to.equal('0x80048306');
      expect((await call('GET', `${s.root}${ACCOUNTS}(${theirs})?$select=${DOCUMENT}_name`)).json[`${DOCUMENT}_name`]).to.equal('d.txt');
      const init = await post('InitializeFileBlocksDownload', { Target: account(theirs), FileAttributeName: DOCUMENT }, alice);
      expect(init.status, 'Alice reads every account').to.equal(200);
      const stolen = await post('DownloadBlock', { Offset: 0, BlockLength: 5, FileContinuationToken: init.json.FileContinuationToken }, bob);
      expect(stolen.status).to.equal(400);
      expect(codeOf(stolen)).to.equal('0x80040203');
      const mine = (await call('POST', `${s.root}${ACCOUNTS}`, { name: 'alice\'s' }, { ...alice, Prefer: 'return=representation' })).json.accountid as string;
      const token = (await post('InitializeFileBlocksUpload', { Target: account(mine), FileAttributeName: DOCUMENT, FileName: 'a.txt' }, alice)).json.FileContinuationToken as string;
      const bobs = await post('UploadBlock', { BlockId: 'AA==', BlockData: b64(bytesOf(2)), FileContinuationToken: token }, bob);
      expect(bobs.status, 'Bob cannot send blocks to Alice\'s upload').to.equal(400);
      expect(codeOf(bobs)).to.equal('0x80040203');
      expect((await upload(mine, bytesOf(7), alice)).json.FileSizeInBytes).to.equal(7);
      expect((await post('DeleteFile', { FileId: (await call('GET', `${s.root}${ACCOUNTS}(${mine})?$select=${DOCUMENT}`)).json[DOCUMENT] }, alice)).status).to.equal(204);
    });

    it('a user without the read privilege on accounts cannot download by the messages (403), not with a token it made up either; its DeleteFile of a file there is 404 as of no file', async () => {
      const role = await makeRole(s, 'no account reader', { prvCreateaccount: 'Global', prvWriteaccount: 'Global' });
      const carolId = await makeUser(s, 'Carol Messages', role);
      const carol = asUser(carolId);
      const id = (await createRow(s, ACCOUNTS, { name: 'unread' })).accountid as string;
      const stored = await upload(id, bytesOf(5));
      expect(stored.status).to.equal(200);
      const r = await post('InitializeFileBlocksDownload', { Target: account(id), FileAttributeName: DOCUMENT }, carol);
      expect(r.status, r.text).to.equal(403);
      // A download token is no secret (the names behind `d.`, not signed): it grants nothing, each DownloadBlock reads as its caller may.
      const forged = `d.${Buffer.from(JSON.stringify(['account', id, DOCUMENT, stored.json.FileId, carolId])).toString('base64url')}`;
      const stolen = await post('DownloadBlock', { Offset: 0, BlockLength: 5, FileContinuationToken: forged }, carol);
      expect(stolen.status, stolen.text).to.equal(403);
      const del = await post('DeleteFile', { FileId: stored.json.FileId }, carol);
      expect(del.status, del.text).to.equal(404);
      expect(del.json.error).to.deep.equal({ code: '0x80040217', message: (await post('DeleteFile', { FileId: '00000000-0000-0000-0000-0000000000ee' }, carol)).json.error.message.replace('00000000-0000-0000-0000-0000000000ee', stored.json.FileId) });
      expect((await call('GET', `${s.root}${ACCOUNTS}(${id})?$select=${DOCUMENT}`)).json[DOCUMENT]).to.equal(stored.json.FileId);
    });
  });
}
