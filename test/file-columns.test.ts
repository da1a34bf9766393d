import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadModel } from '../src/model/loader.js';
import { Service } from '../src/service.js';
import { createFileAttachmentsTable, FILE_ATTACHMENTS, renderDeleteFiles, renderSelectFile, renderStoreFile } from '../src/sql/file-attachments.js';
import { mssqlDialect } from '../src/sql/mssql.js';
import { postgresDialect } from '../src/sql/postgres.js';
import { sqliteDialect } from '../src/sql/sqlite.js';
import { client } from './support/dynamics-web-api.js';
import { accountFileMetadata } from './support/relationship-metadata.js';
import { call, copyMetadata, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * File columns (Dataverse "Use file column data"): a File column msdyn_attachment added to a copy
 * of the shipped msdyn_copilotinteractiondata table (fileMetadata), uploaded in one request or in
 * chunks, downloaded whole, by ranges and as dynamics-web-api downloads, deleted with the column or
 * with its row; its metadata.
 */

const SET = 'msdyn_copilotinteractiondatas';
const ENTITY = 'msdyn_copilotinteractiondata';
const COLUMN = 'msdyn_attachment';

/** The browser origin the main tests' server allows (CORS). */
const APP = 'https://app.example.com';

/** The response headers a browser lets a script of another origin read (Access-Control-Expose-Headers, a comma-separated list). */
function exposed(r: Response): string[] {
  return (r.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
}

/** The retention-enabled msdyn_copilotinteraction, given the File column RECORDING in fileMetadata. */
const INTERACTIONS = 'msdyn_copilotinteractions';
const RECORDING = 'msdyn_recording';

/**
 * A copy of the shipped metadata whose msdyn_copilotinteractiondata has the File column COLUMN
 * taking `maxSizeInKB`, and msdyn_copilotinteraction the File column RECORDING, its rows deleted
 * with the msdyn_copilotinteractiondata they point at (msdyn_interactiondataid: Cascade).
 */
function fileMetadata(maxSizeInKB = 32768): string {
  const dir = copyMetadata();
  const edit = (table: string, change: (file: { Attributes: Array<Record<string, unknown>> }) => void) => {
    const path = join(dir, `${table}.json`);
    const file = JSON.parse(readFileSync(path, 'utf8')) as { Attributes: Array<Record<string, unknown>> };
    change(file);
    writeFileSync(path, JSON.stringify(file));
  };
  edit(ENTITY, (file) => file.Attributes.push({ LogicalName: COLUMN, SchemaName: 'msdyn_Attachment', AttributeType: 'File', DisplayName: 'Attachment', MaxSizeInKB: maxSizeInKB }));
  edit('msdyn_copilotinteraction', (file) => {
    file.Attributes.push({ LogicalName: RECORDING, SchemaName: 'msdyn_Recording', AttributeType: 'File', MaxSizeInKB: 1024 });
    file.Attributes.find((a) => a['LogicalName'] === 'msdyn_interactiondataid')!['CascadeConfiguration'] = { Delete: 'Cascade' };
  });
  return dir;
}

/** `bytes` as a fetch body (an octet stream). */
function octets(bytes: Uint8Array): BodyInit {
  return bytes as unknown as BodyInit;
}

/** A new row's id. */
async function newRow(s: TestServer): Promise<string> {
  const r = await call('POST', `${s.root}${SET}`, { msdyn_name: 'with a file' });
  expect(r.status).to.equal(204);
  return /\(([^)]+)\)$/.exec(r.headers.get('odata-entityid')!)![1]!;
}

/** PATCH of `bytes` as one request, named `name`, as `type`. */
function upload(s: TestServer, id: string, bytes: Uint8Array, name: string, column = COLUMN, type = 'application/octet-stream'): Promise<Response> {
  return fetch(`${s.root}${SET}(${id})/${column}`, { method: 'PATCH', headers: { 'Content-Type': type, 'x-ms-file-name': name }, body: octets(bytes) });
}

/** Starts a chunked upload of `name` to row `id` (headers added: `headers`); its answer. */
function begin(s: TestServer, id: string, name: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=${encodeURIComponent(name)}`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked', ...headers } });
}

/** Sends `bytes` as the chunk at `from` of a file of `total` bytes to `location`. */
function chunk(location: string, from: number, bytes: Uint8Array, total: number, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${from}-${from + bytes.length - 1}/${total}`, ...headers }, body: octets(bytes) });
}

/** The error code of a JSON error answer. */
async function codeOf(r: Response): Promise<string> {
  return ((await r.json()) as { error: { code: string } }).error.code;
}

/** Bytes 0…255 repeated to `n` bytes. */
function bytesOf(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 256));
}

/** The rows of the file attachment table of row `id`. */
async function attachments(s: TestServer, id: string): Promise<number> {
  const rows = await s.db.rows({ sql: `SELECT COUNT(*) FROM ${s.db.dialect.quote(FILE_ATTACHMENTS)} WHERE ${s.db.dialect.quote('objectid')} = ${s.db.dialect.placeholder(1)}`, params: [id] });
  return Number(rows[0]![0]);
}

for (const database of DATABASES) {
  describe(`file columns [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(fileMetadata(), database, { fileChunkSize: 5, corsOrigins: [APP] }); });
    after(async () => { await s.close(); });

    it('$metadata types the column Edm.Binary beside its Edm.String _name; EntityDefinitions has it as Virtual / FileType with MaxSizeInKB', async () => {
      const csdl = (await call('GET', `${s.root}$metadata`)).text;
      expect(csdl).to.include(`<Property Name="${COLUMN}" Type="Edm.Binary"/>`);
      expect(csdl).to.include(`<Property Name="${COLUMN}_name" Type="Edm.String" Unicode="false"/>`);
      const a = await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='${COLUMN}')`);
      expect(a.status).to.equal(200);
      expect(a.json['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.FileAttributeMetadata');
      expect(a.json.AttributeType).to.equal('Virtual');
      expect(a.json.AttributeTypeName).to.deep.equal({ Value: 'FileType' });
      expect(a.json.MaxSizeInKB).to.equal(32768);
      expect(a.json.IsValidForCreate).to.equal(false);
      const cast = await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.FileAttributeMetadata?$select=LogicalName,MaxSizeInKB`);
      expect(cast.json.value.map((v: { LogicalName: string }) => v.LogicalName)).to.deep.equal([COLUMN]);
    });

    it('a single-request upload answers 204; the row answers the file id and name; $value answers the bytes with x-ms-file-name and x-ms-file-size', async () => {
      const id = await newRow(s);
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0x80]);
      const up = await upload(s, id, bytes, 'notes.txt');
      expect(up.status).to.equal(204);
      const row = await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN},${COLUMN}_name`);
      expect(row.json[COLUMN]).to.match(/^[0-9a-f-]{36}$/);
      expect(row.json[`${COLUMN}_name`]).to.equal('notes.txt');
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(down.status).to.equal(200);
      expect(down.headers.get('x-ms-file-name')).to.equal('notes.txt');
      expect(down.headers.get('x-ms-file-size')).to.equal('8');
      expect(down.headers.get('mimetype')).to.equal('text/plain');
      expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).to.equal(true);
      const part = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Range: 'bytes=2-4' } });
      expect(part.status).to.equal(206);
      expect(part.headers.get('content-range')).to.equal('bytes 2-4/8');
      expect([...Buffer.from(await part.arrayBuffer())]).to.deep.equal([2, 0xff, 0xfe]);
    });

    it('a chunked upload answers 200 with Location and x-ms-chunk-size, 206 for each chunk but the last, 204 for the last', async () => {
      const id = await newRow(s);
      const begin = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=report.pdf`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
      expect(begin.status).to.equal(200);
      expect(begin.headers.get('x-ms-chunk-size')).to.equal('5');
      expect(begin.headers.get('accept-ranges')).to.equal('bytes');
      const location = begin.headers.get('location')!;
      expect(location).to.match(new RegExp(`/${SET}\\(${id}\\)/${COLUMN}\\?sessiontoken=`));
      const data = bytesOf(12);
      const statuses: number[] = [];
      for (let from = 0; from < data.length; from += 5) {
        const chunk = data.subarray(from, Math.min(from + 5, data.length));
        const r = await fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${from}-${from + chunk.length - 1}/${data.length}` }, body: octets(chunk) });
        statuses.push(r.status);
      }
      expect(statuses).to.deep.equal([206, 206, 204]);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(down.headers.get('x-ms-file-name')).to.equal('report.pdf');
      expect(down.headers.get('mimetype')).to.equal('application/pdf');
      expect(Buffer.from(await down.arrayBuffer()).equals(data)).to.equal(true);
    });

    it('across origins, a browser script may read Location and x-ms-chunk-size of an upload, x-ms-file-name, x-ms-file-size and mimetype of a download', async () => {
      const id = await newRow(s);
      const started = await begin(s, id, 'cors.txt', { Origin: APP });
      expect(exposed(started)).to.include.members(['location', 'x-ms-chunk-size', 'accept-ranges']);
      expect((await chunk(started.headers.get('location')!, 0, bytesOf(3), 3, { Origin: APP })).status).to.equal(204);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Origin: APP, Range: 'bytes=0-1' } });
      expect(exposed(down)).to.include.members(['location', 'x-ms-file-name', 'x-ms-file-size', 'x-ms-chunk-size', 'mimetype']);
    });

    it('$value answers Content-Disposition: attachment with the file name; a range past the end answers 206 with no bytes and no Content-Range', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(10), 'ten.bin');
      const whole = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(whole.headers.get('content-disposition')).to.equal('attachment; filename="ten.bin"');
      const past = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Range: 'bytes=10-19' } });
      expect(past.status).to.equal(206);
      expect(past.headers.get('content-range')).to.equal(null);
      expect((await past.arrayBuffer()).byteLength).to.equal(0);
      // Starts beyond PostgreSQL's 32-bit integers are past the end too, not a failed statement.
      for (const range of ['bytes=2147483647-', 'bytes=999999999999999-999999999999999']) {
        const far = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Range: range } });
        expect(far.status, range).to.equal(206);
        expect((await far.arrayBuffer()).byteLength).to.equal(0);
      }
    });

    it('an empty file is stored (an empty BLOB, not NULL) and answered empty, in one request, in chunks (bytes */0) and through dynamics-web-api (bytes 0--1/0)', async () => {
      const api = client(s);
      for (const send of [
        async (id: string) => expect((await upload(s, id, new Uint8Array(), 'empty.txt')).status).to.equal(204),
        async (id: string) => {
          const started = await begin(s, id, 'empty.txt');
          const r = await fetch(started.headers.get('location')!, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': 'bytes */0' }, body: octets(new Uint8Array()) });
          expect(r.status).to.equal(204);
        },
        (id: string) => api.uploadFile({ collection: SET, key: id, fieldName: COLUMN, fileName: 'empty.txt', data: Buffer.alloc(0) }),
      ]) {
        const id = await newRow(s);
        await send(id);
        const d = s.db.dialect;
        const [stored] = await s.db.rows({ sql: `SELECT COUNT(*) FROM ${d.quote(FILE_ATTACHMENTS)} WHERE ${d.quote('objectid')} = ${d.placeholder(1)} AND ${d.quote('body')} IS NOT NULL`, params: [id] });
        expect(Number(stored![0])).to.equal(1);
        const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
        expect(down.status).to.equal(200);
        expect(down.headers.get('x-ms-file-size')).to.equal('0');
        expect((await down.arrayBuffer()).byteLength).to.equal(0);
        const file = await api.downloadFile({ collection: SET, key: id, fieldName: COLUMN });
        expect([file.fileName, file.fileSize, (file.data as Uint8Array).length]).to.deep.equal(['empty.txt', 0, 0]);
      }
    });

    it('a file name with a control character (NUL, a line break) is refused with 400 0x80040203', async () => {
      const id = await newRow(s);
      for (const name of ['a%00.txt', 'a%0Ab.txt', '%7F']) {
        const one = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=${name}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body: octets(bytesOf(3)) });
        expect(one.status, name).to.equal(400);
        expect(await codeOf(one)).to.equal('0x80040203');
        const chunked = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=${name}`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
        expect(chunked.status, name).to.equal(400);
      }
      expect(await attachments(s, id)).to.equal(0);
    });

    it('a Range of another unit, of several ranges or a suffix is ignored: other requests answer as without it, a download answers the whole file (200); bytes=a-b/size is one range', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(10), 'r.bin');
      for (const range of ['items=0-9', 'bytes=0-1,4-5', 'bytes=-500', 'bytes=5-2']) {
        expect((await call('GET', `${s.root}$metadata`, undefined, { Range: range })).status, range).to.equal(200);
        expect((await call('GET', `${s.root}${SET}?$top=1`, undefined, { Range: range })).status, range).to.equal(200);
        const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Range: range } });
        expect(down.status, range).to.equal(200);
        expect(Buffer.from(await down.arrayBuffer()).equals(bytesOf(10))).to.equal(true);
      }
      const doc = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { headers: { Range: 'bytes=2-4/10' } });
      expect(doc.status).to.equal(206);
      expect(doc.headers.get('content-range')).to.equal('bytes 2-4/10');
    });

    it('a single-request upload stores the body\'s Content-Type as the MIME type (the name\'s extension only for application/octet-stream); other bodies elsewhere stay 415', async () => {
      const id = await newRow(s);
      expect((await upload(s, id, bytesOf(4), 'scan.bin', COLUMN, 'application/pdf')).status).to.equal(204);
      const pdf = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(pdf.headers.get('mimetype')).to.equal('application/pdf');
      expect(Buffer.from(await pdf.arrayBuffer()).equals(bytesOf(4))).to.equal(true);
      expect((await upload(s, id, Buffer.from('hello'), 'note.bin', COLUMN, 'text/plain')).status).to.equal(204);
      const text = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(text.headers.get('mimetype')).to.equal('text/plain');
      expect(await text.text()).to.equal('hello');
      const row = await fetch(`${s.root}${SET}(${id})`, { method: 'PATCH', headers: { 'Content-Type': 'text/plain' }, body: '{"msdyn_name":"x"}' });
      expect(row.status).to.equal(415);
      // A qualified bound operation is no column: its non-JSON body is the media type's 415 too.
      const action = await fetch(`${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"Targets":[]}' });
      expect(action.status, await action.text()).to.equal(415);
      const json = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: 'still json' });
      expect(json.status).to.equal(204);
    });

    it('inside a $batch, a download, upload or delete of a file column is refused with 400 0x80040203; the file stays', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(4), 'kept.bin');
      const path = `/api/data/v9.2/${SET}(${id})/${COLUMN}`;
      const parts = [`GET ${path}/$value HTTP/1.1\n`, `GET ${path}?size=full HTTP/1.1\nRange: bytes=0-3\n`, `DELETE ${path} HTTP/1.1\n`,
        `PATCH ${path}?x-ms-file-name=b.txt HTTP/1.1\nx-ms-transfer-mode: chunked\n`];
      const body = [...parts.map((r) => `--b_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n${r.replace(/\n/g, '\r\n')}\r\n`), '--b_1--\r\n'].join('');
      const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b_1', Prefer: 'odata.continue-on-error' });
      expect(r.status).to.equal(200);
      const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
      expect(statuses).to.deep.equal(['400', '400', '400', '400']);
      expect(r.text.match(/0x80040203/g)).to.have.length(4);
      expect(await attachments(s, id)).to.equal(1);
    });

    it('a chunk out of order, or with an unknown session token, is refused with 400 0x80040203; the row holds no file, and the upload goes on in order', async () => {
      const id = await newRow(s);
      const location = (await begin(s, id, 'a.bin')).headers.get('location')!;
      const late = await chunk(location, 5, bytesOf(5), 10);
      expect(late.status).to.equal(400);
      expect(await codeOf(late)).to.equal('0x80040203');
      const forged = await chunk(`${s.root}${SET}(${id})/${COLUMN}?sessiontoken=nope`, 0, bytesOf(5), 5);
      expect(forged.status).to.equal(400);
      expect(await codeOf(forged)).to.equal('0x80040203');
      expect((await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN}`)).json[COLUMN]).to.equal(null);
      expect((await call('GET', `${s.root}${SET}(${id})/${COLUMN}/$value`)).status).to.equal(404);
      expect((await chunk(location, 0, bytesOf(5), 10)).status).to.equal(206);
      expect((await chunk(location, 5, bytesOf(10).subarray(5), 10)).status).to.equal(204);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(Buffer.from(await down.arrayBuffer()).equals(bytesOf(10))).to.equal(true);
    });

    it('dynamics-web-api uploads a file whose size is a multiple of the chunk size (its trailing empty chunk is taken), and a non-ASCII name round-trips through x-ms-file-name', async () => {
      const api = client(s);
      const id = await newRow(s);
      const name = 'Übersicht 文件.txt';
      await api.uploadFile({ collection: SET, key: id, fieldName: COLUMN, fileName: name, data: bytesOf(10) });
      expect((await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN}_name`)).json[`${COLUMN}_name`]).to.equal(name);
      const down = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(decodeURIComponent(down.headers.get('x-ms-file-name')!)).to.equal(name);
      expect(Buffer.from(await down.arrayBuffer()).equals(bytesOf(10))).to.equal(true);
      const file = await api.downloadFile({ collection: SET, key: id, fieldName: COLUMN });
      expect(decodeURIComponent(file.fileName!)).to.equal(name);
      expect(Buffer.from(file.data as Uint8Array).equals(bytesOf(10))).to.equal(true);
    });

    it('HEAD of $value answers the headers of its GET (x-ms-file-size, Content-Length) without the bytes', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(7), 'head.bin');
      const r = await fetch(`${s.root}${SET}(${id})/${COLUMN}/$value`, { method: 'HEAD' });
      expect(r.status).to.equal(200);
      expect(r.headers.get('x-ms-file-size')).to.equal('7');
      expect(r.headers.get('content-length')).to.equal('7');
      expect((await r.arrayBuffer()).byteLength).to.equal(0);
    });

    it('a row deleted by cascade, and a retained row purged (PurgeRetainedContent), lose their files', async () => {
      const parent = await newRow(s);
      const child = async () => {
        const r = await call('POST', `${s.root}${INTERACTIONS}`, { msdyn_name: 'child', 'msdyn_interactiondataid@odata.bind': `${SET}(${parent})` });
        expect(r.status, r.text).to.equal(204);
        const id = /\(([^)]+)\)$/.exec(r.headers.get('odata-entityid')!)![1]!;
        const up = await fetch(`${s.root}${INTERACTIONS}(${id})/${RECORDING}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'r.wav' }, body: octets(bytesOf(3)) });
        expect(up.status).to.equal(204);
        expect(await attachments(s, id)).to.equal(1);
        return id;
      };
      const retained = await child();
      const retain = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_copilotinteractionid: retained } });
      expect(retain.status, retain.text).to.equal(200);
      const purge = await call('POST', `${s.root}PurgeRetainedContent`, { EntityName: 'msdyn_copilotinteraction', MaxVersionToPurge: Number.MAX_SAFE_INTEGER });
      expect(purge.status, purge.text).to.equal(200);
      expect(await attachments(s, retained)).to.equal(0);
      const cascaded = await child();
      await upload(s, parent, bytesOf(3), 'parent.txt');
      expect((await call('DELETE', `${s.root}${SET}(${parent})`)).status).to.equal(204);
      expect((await call('GET', `${s.root}${INTERACTIONS}(${cascaded})`)).status).to.equal(404);
      expect(await attachments(s, cascaded)).to.equal(0);
      expect(await attachments(s, parent)).to.equal(0);
    });

    it('GET of the column answers the base64 content in {"value"} with Content-Disposition, 206 for a Range', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(10), 'x.bin');
      const r = await call('GET', `${s.root}${SET}(${id})/${COLUMN}?size=full`, undefined, { Range: 'bytes=0-3' });
      expect(r.status).to.equal(206);
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="x.bin"');
      expect(r.headers.get('x-ms-file-size')).to.equal('10');
      expect(Buffer.from(r.json.value as string, 'base64').equals(bytesOf(4))).to.equal(true);
    });

    it('DELETE of the column answers 204 and removes the file; a column without a file answers 404 0x80040217', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(3), 'gone.txt');
      const del = await call('DELETE', `${s.root}${SET}(${id})/${COLUMN}`);
      expect(del.status).to.equal(204);
      const row = await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN},${COLUMN}_name`);
      expect(row.json[COLUMN]).to.equal(null);
      expect(row.json[`${COLUMN}_name`]).to.equal(null);
      expect(await attachments(s, id)).to.equal(0);
      const none = await call('GET', `${s.root}${SET}(${id})/${COLUMN}/$value`);
      expect(none.status).to.equal(404);
      expect(none.json.error.code).to.equal('0x80040217');
    });

    it('deleting the row deletes its files', async () => {
      const id = await newRow(s);
      await upload(s, id, bytesOf(3), 'row.txt');
      expect(await attachments(s, id)).to.equal(1);
      expect((await call('DELETE', `${s.root}${SET}(${id})`)).status).to.equal(204);
      expect(await attachments(s, id)).to.equal(0);
    });

    it('an upload to or a download of a column that is not a file column answers 400 0x80040203, not the column text', async () => {
      const id = await newRow(s);
      const put = await upload(s, id, bytesOf(3), 'a.txt', 'msdyn_name');
      expect(put.status).to.equal(400);
      const get = await call('GET', `${s.root}${SET}(${id})/msdyn_name?size=full`, undefined, { Range: 'bytes=0-10' });
      expect(get.status).to.equal(400);
      expect(get.json.error.code).to.equal('0x80040203');
      const body = await fetch(`${s.root}${SET}(${id})`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body: octets(bytesOf(3)) });
      expect(body.status).to.equal(415);
    });

    it('an upload to a missing row answers 404 0x80040217', async () => {
      const missing = '00000000-0000-0000-0000-00000000f11e';
      const r = await upload(s, missing, bytesOf(3), 'a.txt');
      expect(r.status).to.equal(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).to.equal('0x80040217');
    });
  });

  describe(`file columns: limits of chunked uploads [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(fileMetadata(), database, { fileChunkSize: 5, fileUploadLimits: { perCaller: 2, maxBytes: 12 } }); });
    after(async () => { await s.close(); });

    it('a finished upload no longer counts: many more uploads than the limit of open ones, one after the other, all store their file', async () => {
      const id = await newRow(s);
      for (let i = 0; i < 120; i++) {
        const started = await begin(s, id, `f${i}.bin`);
        expect(started.status).to.equal(200);
        expect((await chunk(started.headers.get('location')!, 0, bytesOf(3), 3)).status).to.equal(204);
      }
      expect((await call('GET', `${s.root}${SET}(${id})?$select=${COLUMN}_name`)).json[`${COLUMN}_name`]).to.equal('f119.bin');
    });

    it('a caller over its open uploads, or a chunk over the bytes all uploads may hold, is refused with 400 0x80040203; finishing one frees its room', async () => {
      const id = await newRow(s);
      const first = (await begin(s, id, 'a.bin')).headers.get('location')!;
      const second = (await begin(s, id, 'b.bin')).headers.get('location')!;
      const refused = await begin(s, id, 'c.bin');
      expect(refused.status).to.equal(400);
      expect(await codeOf(refused)).to.equal('0x80040203');
      expect((await chunk(first, 0, bytesOf(5), 7)).status).to.equal(206);
      expect((await chunk(second, 0, bytesOf(5), 10)).status).to.equal(206);
      const over = await chunk(second, 5, bytesOf(5), 10);
      expect(over.status, 'the 12 bytes all uploads may hold are passed').to.equal(400);
      expect(await codeOf(over)).to.equal('0x80040203');
      expect((await chunk(first, 5, bytesOf(2), 7)).status).to.equal(204);
      expect((await chunk(second, 5, bytesOf(5), 10)).status, 'the finished upload freed its bytes').to.equal(204);
      const third = await begin(s, id, 'c.bin');
      expect(third.status, 'and its place').to.equal(200);
      const whole = await chunk(third.headers.get('location')!, 0, bytesOf(5), 13);
      expect(whole.status, 'a file larger than all uploads may hold is refused at its first chunk').to.equal(400);
      expect(await codeOf(whole)).to.equal('0x80040203');
    });
  });

  describe(`file columns and privileges [${database.name}]`, () => {
    let s: TestServer;
    const ACCOUNTS = 'accounts';
    const DOCUMENT = 'new_document';
    // The user-owned test table account (relationshipMetadata), with a File column.
    before(async () => { s = await startServer(accountFileMetadata(DOCUMENT), database, { fileChunkSize: 5 }); });
    after(async () => { await s.close(); });

    /** A new user holding a new role: Read and Create on accounts at Global depth, Write at Basic (own rows). */
    const basicWriter = async (name: string): Promise<string> => {
      const role = (await createRow(s, 'roles', { name: `${name} role` })).roleid as string;
      const privileges = [['prvReadaccount', 'Global'], ['prvCreateaccount', 'Global'], ['prvWriteaccount', 'Basic']].map(([PrivilegeName, Depth]) => ({ PrivilegeName, Depth }));
      expect((await call('POST', `${s.root}roles(${role})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: privileges })).status).to.equal(204);
      const id = (await createRow(s, 'systemusers', { fullname: name })).systemuserid as string;
      expect((await call('POST', `${s.root}systemusers(${id})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` })).status).to.equal(204);
      return id;
    };
    const url = (id: string) => `${s.root}${ACCOUNTS}(${id})/${DOCUMENT}`;

    it('a user who may write only its own rows cannot start an upload, upload or delete a file on another user\'s row (403 0x80048306, before any byte is held); on its own it can', async () => {
      const alice = await basicWriter('Alice Files');
      const theirs = (await createRow(s, ACCOUNTS, { name: 'not alice\'s' })).accountid as string;
      expect((await fetch(url(theirs), { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'kept.txt' }, body: octets(bytesOf(3)) })).status).to.equal(204);
      const as = { MSCRMCallerID: alice };
      const attempts = [
        fetch(`${url(theirs)}?x-ms-file-name=a.txt`, { method: 'PATCH', headers: { ...as, 'x-ms-transfer-mode': 'chunked' } }),
        fetch(url(theirs), { method: 'PATCH', headers: { ...as, 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'a.txt' }, body: octets(bytesOf(3)) }),
        fetch(url(theirs), { method: 'DELETE', headers: as }),
      ];
      for (const r of await Promise.all(attempts)) {
        expect(r.status).to.equal(403);
        expect(await codeOf(r)).to.equal('0x80048306');
      }
      expect((await call('GET', `${s.root}${ACCOUNTS}(${theirs})?$select=${DOCUMENT}_name`)).json[`${DOCUMENT}_name`]).to.equal('kept.txt');
      const mine = (await call('POST', `${s.root}${ACCOUNTS}`, { name: 'alice\'s' }, { ...as, Prefer: 'return=representation' })).json.accountid as string;
      const started = await fetch(`${url(mine)}?x-ms-file-name=a.txt`, { method: 'PATCH', headers: { ...as, 'x-ms-transfer-mode': 'chunked' } });
      expect(started.status).to.equal(200);
      expect((await chunk(started.headers.get('location')!, 0, bytesOf(3), 3, as)).status).to.equal(204);
    });

    it('another user\'s session token is refused with 400 0x80040203 and its upload goes on', async () => {
      const bob = await basicWriter('Bob Files');
      const carol = await basicWriter('Carol Files');
      const row = (await call('POST', `${s.root}${ACCOUNTS}`, { name: 'bob\'s' }, { MSCRMCallerID: bob, Prefer: 'return=representation' })).json.accountid as string;
      const location = (await fetch(`${url(row)}?x-ms-file-name=b.txt`, { method: 'PATCH', headers: { MSCRMCallerID: bob, 'x-ms-transfer-mode': 'chunked' } })).headers.get('location')!;
      const stolen = await chunk(location, 0, bytesOf(5), 8, { MSCRMCallerID: carol });
      expect(stolen.status).to.equal(400);
      expect(await codeOf(stolen)).to.equal('0x80040203');
      expect((await chunk(location, 0, bytesOf(5), 8, { MSCRMCallerID: bob })).status).to.equal(206);
      expect((await chunk(location, 5, bytesOf(3), 8, { MSCRMCallerID: bob })).status).to.equal(204);
    });
  });

  describe(`file columns: migration [${database.name}]`, () => {
    it('an existing database without the file attachment table gets it when the model first has a File column, and its rows take files', async () => {
      const { db, drop } = await database.create();
      const log = { error: () => undefined };
      try {
        const before = await Service.open(loadModel(copyMetadata()), db, log);
        const created = await before.handle({ method: 'POST', url: `/api/data/v9.2/${SET}`, headers: { prefer: 'return=representation' }, body: JSON.stringify({ msdyn_name: 'old row' }), origin: 'http://x' });
        expect(created.status, created.body).to.equal(201);
        const id = (JSON.parse(created.body!) as Record<string, string>)[`${ENTITY}id`]!;
        const after = await Service.open(loadModel(fileMetadata()), db, log);
        expect(after.migration.some((sql) => sql.includes(FILE_ATTACHMENTS))).to.equal(true);
        const up = await after.handle({ method: 'PATCH', url: `/api/data/v9.2/${SET}(${id})/${COLUMN}`, headers: { 'content-type': 'application/octet-stream', 'x-ms-file-name': 'late.txt' }, bytes: bytesOf(4), origin: 'http://x' });
        expect(up.status, up.body).to.equal(204);
        const down = await after.handle({ method: 'GET', url: `/api/data/v9.2/${SET}(${id})/${COLUMN}/$value`, headers: {}, origin: 'http://x' });
        expect(Buffer.from(down.bytes!).equals(bytesOf(4))).to.equal(true);
      } finally {
        await drop();
      }
    });
  });

  describe(`file columns: MaxSizeInKB [${database.name}]`, () => {
    let s: TestServer;
    before(async () => {
      s = await startServer(fileMetadata(1), database, { fileChunkSize: 512 });
    });
    after(async () => { await s.close(); });

    it('a file over MaxSizeInKB answers 400 0x80044a02 "Attachment file size is too big.", in one request or in chunks', async () => {
      const id = await newRow(s);
      const big = await upload(s, id, bytesOf(1025), 'big.bin');
      expect(big.status).to.equal(400);
      expect(await big.json()).to.deep.equal({ error: { code: '0x80044a02', message: 'Attachment file size is too big.' } });
      const begin = await fetch(`${s.root}${SET}(${id})/${COLUMN}?x-ms-file-name=big.bin`, { method: 'PATCH', headers: { 'x-ms-transfer-mode': 'chunked' } });
      const first = await fetch(begin.headers.get('location')!, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': 'bytes 0-511/1025' }, body: octets(bytesOf(512)) });
      expect(first.status).to.equal(400);
      expect(((await first.json()) as { error: { code: string } }).error.code).to.equal('0x80044a02');
      expect((await upload(s, id, bytesOf(1024), 'fits.bin')).status).to.equal(204);
    });
  });

  describe(`file columns: larger than the database holds [${database.name}]`, () => {
    let s: TestServer;
    // Dataverse's largest MaxSizeInKB (10 GB): more than one SQLite BLOB (1e9) or bytea (1 GB) holds.
    before(async () => { s = await startServer(fileMetadata(10485760), database, { fileChunkSize: 5 }); });
    after(async () => { await s.close(); });

    it('a chunked upload of a file over what the database holds in one value is refused at its first chunk with 400 0x80044a02', async () => {
      const id = await newRow(s);
      const started = await begin(s, id, 'huge.bin');
      const first = await chunk(started.headers.get('location')!, 0, bytesOf(5), 2_000_000_000);
      expect(first.status).to.equal(400);
      expect(await codeOf(first)).to.equal('0x80044a02');
    });
  });

  describe(`file columns with dynamics-web-api [${database.name}]`, () => {
    let s: TestServer;
    // A chunk size the server recommends (x-ms-chunk-size) smaller than the file: several upload chunks.
    before(async () => { s = await startServer(fileMetadata(), database, { fileChunkSize: 1024 * 1024 }); });
    after(async () => { await s.close(); });

    it('uploadFile (chunked) and downloadFile (by 4 MB ranges) round-trip a file larger than a chunk of either', async () => {
      const api = client(s);
      const id = await newRow(s);
      const data = bytesOf(4 * 1024 * 1024 + 300_000);
      await api.uploadFile({ collection: SET, key: id, fieldName: COLUMN, fileName: 'big.bin', data });
      const file = await api.downloadFile({ collection: SET, key: id, fieldName: COLUMN });
      expect(file.fileName).to.equal('big.bin');
      expect(file.fileSize).to.equal(data.length);
      expect(Buffer.from(file.data as Uint8Array).equals(data)).to.equal(true);
    });
  });
}

describe('file attachment SQL per dialect (sql/file-attachments.ts)', () => {
  const model = loadModel(fileMetadata());
  const entity = model.byLogicalName.get(ENTITY)!;
  const column = entity.attributesByName.get(COLUMN)!;
  const id = '00000000-0000-0000-0000-000000000001';

  it('the table keeps the content as BLOB, bytea and VARBINARY(MAX), one file per row and column', () => {
    expect(createFileAttachmentsTable(sqliteDialect, entity)[0]).to.include('"body" BLOB NOT NULL');
    expect(createFileAttachmentsTable(postgresDialect, entity)[0]).to.include('"body" bytea NOT NULL');
    expect(createFileAttachmentsTable(mssqlDialect, entity)).to.deep.equal([
      'CREATE TABLE [tessera_fileattachment] ([fileattachmentid] UNIQUEIDENTIFIER NOT NULL PRIMARY KEY, [objecttypecode] NVARCHAR(128) NOT NULL, '
        + '[objectid] UNIQUEIDENTIFIER NOT NULL, [regardingfieldname] NVARCHAR(128) NOT NULL, [filename] NVARCHAR(255) NOT NULL, [mimetype] NVARCHAR(255) NOT NULL, '
        + '[filesizeinbytes] BIGINT NOT NULL, [body] VARBINARY(MAX) NOT NULL, [createdon] DATETIME2(0) NOT NULL)',
      mssqlDialect.createUniqueIndex('[ux_tessera_fileattachment_regarding]', '[tessera_fileattachment]', ['[objecttypecode], [objectid], [regardingfieldname]']),
    ]);
  });

  it('a range is cut by the database: the slice (1-based start, count) and the size are selected, not the whole content', () => {
    const slice = { from: 4 * 1024 * 1024, count: 4 * 1024 * 1024 };
    const where = (p: (n: number) => string) => `WHERE "objecttypecode" = ${p(3)} AND "objectid" = ${p(4)} AND "regardingfieldname" = ${p(5)}`;
    const sqlite = renderSelectFile(sqliteDialect, entity, id, column, slice);
    expect(sqlite.sql).to.equal(`SELECT "fileattachmentid", "filename", "mimetype", "filesizeinbytes", substr("body", ?, ?) FROM "tessera_fileattachment" ${where(() => '?')}`);
    expect(sqlite.params).to.deep.equal([slice.from + 1, slice.count, ENTITY, id, COLUMN]);
    const postgres = renderSelectFile(postgresDialect, entity, id, column, slice);
    expect(postgres.sql).to.equal(`SELECT "fileattachmentid", "filename", "mimetype", "filesizeinbytes", substring("body" from $1 for $2) FROM "tessera_fileattachment" ${where((n) => `$${n}`)}`);
    expect(postgres.params).to.deep.equal([slice.from + 1, slice.count, ENTITY, id, COLUMN]);
    const mssql = renderSelectFile(mssqlDialect, entity, id, column, slice);
    expect(mssql.sql).to.equal('SELECT [fileattachmentid], [filename], [mimetype], [filesizeinbytes], SUBSTRING([body], @p1, @p2) FROM [tessera_fileattachment] '
      + 'WHERE [objecttypecode] = @p3 AND [objectid] = @p4 AND [regardingfieldname] = @p5');
    expect(mssql.params).to.deep.equal([slice.from + 1, slice.count, ENTITY, id, COLUMN]);
  });

  it('store, read and delete render on SQL Server with @p placeholders', () => {
    const file = { fileattachmentid: id, filename: 'a.txt', mimetype: 'text/plain', filesizeinbytes: 3 };
    const [del, insert] = renderStoreFile(mssqlDialect, entity, id, column, file, Buffer.from('abc'), '2024-01-01T00:00:00Z');
    expect(del!.sql).to.equal('DELETE FROM [tessera_fileattachment] WHERE [objecttypecode] = @p1 AND [regardingfieldname] = @p2 AND [objectid] IN (@p3)');
    expect(insert!.sql).to.equal('INSERT INTO [tessera_fileattachment] ([fileattachmentid], [objecttypecode], [objectid], [regardingfieldname], [filename], [mimetype], [filesizeinbytes], [body], [createdon]) '
      + 'VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9)');
    expect(renderSelectFile(mssqlDialect, entity, id, column, 'all').sql).to.equal(
      'SELECT [fileattachmentid], [filename], [mimetype], [filesizeinbytes], [body] FROM [tessera_fileattachment] WHERE [objecttypecode] = @p1 AND [objectid] = @p2 AND [regardingfieldname] = @p3');
    expect(renderDeleteFiles(mssqlDialect, entity, [id, id]).sql).to.equal('DELETE FROM [tessera_fileattachment] WHERE [objecttypecode] = @p1 AND [objectid] IN (@p2, @p3)');
  });
});
