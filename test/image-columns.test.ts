import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import * as thumbnails from '../src/files/thumbnail.js';
import { FILE_ATTACHMENTS } from '../src/sql/file-attachments.js';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * Image columns (Dataverse "Use image column data", ImageAttributeMetadata): msdyn_photo (primary,
 * CanStoreFullImage) and msdyn_badge (thumbnail only, MaxSizeInKB 1) added to a copy of the shipped
 * msdyn_copilotinteractiondata; set in bodies and through the file column paths, read as
 * thumbnail, full size and companions, deleted with null, DELETE and the row.
 */

const SET = 'msdyn_copilotinteractiondatas';
const ENTITY = 'msdyn_copilotinteractiondata';
const PHOTO = 'msdyn_photo';
const BADGE = 'msdyn_badge';
const INTERACTIONS = 'msdyn_copilotinteractions';
/** The interactions of a msdyn_copilotinteractiondata row (collection-valued), and an interaction's row (single-valued). */
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
const PARENT = 'msdyn_interactiondataid';

/** A copy of the shipped metadata whose msdyn_copilotinteractiondata has the Image columns PHOTO and BADGE. */
function imageMetadata(): string {
  const dir = copyMetadata();
  const path = join(dir, `${ENTITY}.json`);
  const file = JSON.parse(readFileSync(path, 'utf8')) as { Attributes: Array<Record<string, unknown>> };
  file.Attributes.push(
    { LogicalName: PHOTO, SchemaName: 'msdyn_Photo', AttributeType: 'Image', DisplayName: 'Photo', CanStoreFullImage: true, IsPrimaryImage: true },
    { LogicalName: BADGE, SchemaName: 'msdyn_Badge', AttributeType: 'Image', MaxSizeInKB: 1 },
  );
  writeFileSync(path, JSON.stringify(file));
  // The interactions that point at it have a primary image too, for deep inserts.
  const childPath = join(dir, 'msdyn_copilotinteraction.json');
  const child = JSON.parse(readFileSync(childPath, 'utf8')) as { Attributes: Array<Record<string, unknown>> };
  child.Attributes.push({ LogicalName: PHOTO, SchemaName: 'msdyn_Photo', AttributeType: 'Image', DisplayName: 'Photo', CanStoreFullImage: true, IsPrimaryImage: true });
  writeFileSync(childPath, JSON.stringify(child));
  return dir;
}

/** A `width`×`height` PNG of pixels that do not repeat (so that it does not compress to nothing). */
async function png(width: number, height: number): Promise<Buffer> {
  const image = new Jimp({ width, height, color: 0x3366ccff });
  image.bitmap.data.forEach((_, i) => { image.bitmap.data[i] = (i * 7919) % 251; });
  return image.getBuffer('image/png');
}

/** A PNG chunk of `type` holding `data`, with its length and CRC (PNG §5.3). */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = ~0;
  for (const byte of body) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(~crc >>> 0, body.length + 4);
  return out;
}

/**
 * A valid black `width`×`height` PNG of 1-bit grey pixels, which compresses to almost nothing: a
 * few KB that decode to width × height RGBA pixels (a decompression bomb).
 */
function blackPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth; colour type 0 (grey), compression, filter and interlace 0
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // each row: filter 0, zero bits
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A `width`×`height` PNG of random pixels (it does not compress: ~4 bytes a pixel). */
async function noisePng(width: number, height: number): Promise<Buffer> {
  const image = new Jimp({ width, height });
  randomBytes(width * height * 4).copy(image.bitmap.data);
  return image.getBuffer('image/png');
}

/** The width and height `bytes` decode to. */
async function size(bytes: Buffer): Promise<[number, number]> {
  const image = await Jimp.fromBuffer(bytes);
  return [image.bitmap.width, image.bitmap.height];
}

/** The rows of the file attachment table of row `id`. */
async function attachments(s: TestServer, id: string): Promise<number> {
  const d = s.db.dialect;
  const rows = await s.db.rows({ sql: `SELECT COUNT(*) FROM ${d.quote(FILE_ATTACHMENTS)} WHERE ${d.quote('objectid')} = ${d.placeholder(1)}`, params: [id] });
  return Number(rows[0]![0]);
}

/** Creates a row with `body`; its id. */
async function create(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await call('POST', `${s.root}${SET}`, { msdyn_name: 'with an image', ...body });
  expect(r.status, JSON.stringify(r.json)).to.equal(204);
  return /\(([^)]+)\)$/.exec(r.headers.get('odata-entityid')!)![1]!;
}

for (const database of DATABASES) {
  describe(`image columns [${database.name}]`, () => {
    let s: TestServer;
    let full: Buffer;
    before(async () => {
      s = await startServer(imageMetadata(), database);
      full = await png(300, 200);
    });
    after(async () => { await s.close(); });

    it('creates a row with its primary image: the thumbnail is 144×144, the companions set, the full image kept', async () => {
      const id = await create(s, { [PHOTO]: full.toString('base64') });
      const r = await call('GET', `${s.root}${SET}(${id})?$select=${PHOTO},${PHOTO}id,${PHOTO}_timestamp,${PHOTO}_url`);
      expect(r.status).to.equal(200);
      const row = r.json as Record<string, unknown>;
      expect(await size(Buffer.from(String(row[PHOTO]), 'base64'))).to.deep.equal([144, 144]);
      expect(row[`${PHOTO}id`]).to.match(/^[0-9a-f-]{36}$/);
      expect(row[`${PHOTO}_timestamp`]).to.be.a('number').above(630000000000000000);
      expect(row[`${PHOTO}_url`]).to.equal(`/Image/download.aspx?Entity=${ENTITY}&Attribute=${PHOTO}&Id=${String(row[`${PHOTO}id`])}&Timestamp=${String(row[`${PHOTO}_timestamp`])}`);
      // Image data is read only when named.
      const all = (await call('GET', `${s.root}${SET}(${id})`)).json as Record<string, unknown>;
      expect(all).not.to.have.property(PHOTO);
      expect(all[`${PHOTO}id`]).to.equal(row[`${PHOTO}id`]);

      const thumb = await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value`);
      expect(thumb.status).to.equal(200);
      expect(await size(Buffer.from(await thumb.arrayBuffer()))).to.deep.equal([144, 144]);
      const whole = await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value?size=full`);
      expect(whole.status).to.equal(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(full)).to.equal(true);
      expect(await attachments(s, id)).to.equal(1);
    });

    it('answers the <column>_url (Image/download.aspx) with the image: the thumbnail, the full image with Full=true, 404 once replaced', async () => {
      const id = await create(s, { [PHOTO]: full.toString('base64') });
      const url = (await call('GET', `${s.root}${SET}(${id})?$select=${PHOTO}_url`)).json[`${PHOTO}_url`] as string;
      const thumb = await fetch(`${s.origin}${url}`);
      expect(thumb.status).to.equal(200);
      const value = Buffer.from(await (await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value`)).arrayBuffer());
      expect(Buffer.from(await thumb.arrayBuffer()).equals(value)).to.equal(true);
      // Parameter names in any case, the id in braces (as Dataverse's own URLs write it).
      const imageId = /Id=([^&]+)/.exec(url)![1]!;
      const whole = await fetch(`${s.origin}/image/download.aspx?entity=${ENTITY}&attribute=${PHOTO}&id={${imageId.toUpperCase()}}&full=true`);
      expect(whole.status).to.equal(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(full)).to.equal(true);
      expect((await fetch(`${s.origin}${url}`, { method: 'HEAD' })).status).to.equal(200);
      // A new image has a new id: the old URL finds no row.
      expect((await call('PATCH', `${s.root}${SET}(${id})`, { [PHOTO]: (await png(20, 20)).toString('base64') })).status).to.equal(204);
      const gone = await call('GET', `${s.origin}${url}`);
      expect(gone.status, gone.text).to.equal(404);
      expect(gone.json.error.code).to.equal('0x80040217');
      const bad = async (query: string, status = 400) => {
        const r = await call('GET', `${s.origin}/Image/download.aspx?${query}`);
        expect(r.status, `${query}: ${r.text}`).to.equal(status);
        return r.json.error.message as string;
      };
      expect(await bad(`Attribute=${PHOTO}&Id=${imageId}`)).to.contain('Entity');
      expect(await bad(`Entity=nosuchtable&Attribute=${PHOTO}&Id=${imageId}`, 404)).to.contain('nosuchtable');
      expect(await bad(`Entity=${ENTITY}&Attribute=msdyn_name&Id=${imageId}`)).to.contain('not an image column');
      expect(await bad(`Entity=${ENTITY}&Attribute=${PHOTO}&Id=x`)).to.contain('GUID');
      expect(await bad(`Entity=${ENTITY}&Attribute=${PHOTO}&Id=${imageId}&Full=yes`)).to.contain('Full');
      expect(await bad(`Entity=${ENTITY}&entity=${ENTITY}&Attribute=${PHOTO}&Id=${imageId}`)).to.contain('more than once');
      expect((await call('POST', `${s.origin}${url}`, {})).status).to.equal(405);
    });

    it('crops a small image square to its shorter side, and updates an image with PATCH', async () => {
      const id = await create(s, {});
      const r = await call('PATCH', `${s.root}${SET}(${id})`, { [BADGE]: (await png(40, 90)).toString('base64') });
      expect(r.status, JSON.stringify(r.json)).to.equal(204);
      const row = (await call('GET', `${s.root}${SET}(${id})?$select=${BADGE}`)).json as Record<string, unknown>;
      expect(await size(Buffer.from(String(row[BADGE]), 'base64'))).to.deep.equal([40, 40]);
      // BADGE does not store full images: Dataverse answers 204.
      expect((await fetch(`${s.root}${SET}(${id})/${BADGE}/$value?size=full`)).status).to.equal(204);
      expect(await attachments(s, id)).to.equal(0);
    });

    it("refuses a size other than 'full' rather than answering the thumbnail", async () => {
      const id = await create(s, { [PHOTO]: (await png(60, 60)).toString('base64') });
      expect((await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value?size=FULL`)).status).to.equal(200);
      const r = await call('GET', `${s.root}${SET}(${id})/${PHOTO}/$value?size=huge`);
      expect(r.status, r.text).to.equal(400);
      expect((r.json as { error: { code: string; message: string } }).error.code).to.equal('0x80060888');
      expect((r.json as { error: { message: string } }).error.message).to.contain("'huge'");
    });

    it('uploads an image through the file column path, and removes it with null and with DELETE', async () => {
      const id = await create(s, {});
      const up = await fetch(`${s.root}${SET}(${id})/${PHOTO}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'p.png' }, body: full as unknown as BodyInit });
      expect(up.status).to.equal(204);
      expect(await attachments(s, id)).to.equal(1);
      const cleared = await call('PATCH', `${s.root}${SET}(${id})`, { [PHOTO]: null });
      expect(cleared.status).to.equal(204);
      const row = (await call('GET', `${s.root}${SET}(${id})?$select=${PHOTO},${PHOTO}id,${PHOTO}_url`)).json as Record<string, unknown>;
      expect([row[PHOTO], row[`${PHOTO}id`], row[`${PHOTO}_url`]]).to.deep.equal([null, null, null]);
      expect(await attachments(s, id)).to.equal(0);

      expect((await call('PATCH', `${s.root}${SET}(${id})`, { [PHOTO]: full.toString('base64') })).status).to.equal(204);
      expect((await call('DELETE', `${s.root}${SET}(${id})/${PHOTO}`)).status).to.equal(204);
      expect((await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value`)).status).to.equal(204);
      expect(await attachments(s, id)).to.equal(0);
    });

    it('refuses other file types, images over MaxSizeInKB and non-primary images on create, writing nothing', async () => {
      const id = await create(s, {});
      const text = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: 'changed', [PHOTO]: Buffer.from('not an image').toString('base64') });
      expect(text.status).to.equal(400);
      expect(text.json).to.deep.equal({ error: { code: '0x80072553', message: `Error occured when processing image. Reason: Update image properties failed for objectid: ${id}, logicalName: ${ENTITY}, attribute: ${PHOTO}` } });
      expect(((await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`)).json as Record<string, unknown>)['msdyn_name']).to.equal('with an image');
      const big = await call('PATCH', `${s.root}${SET}(${id})`, { [BADGE]: (await png(300, 300)).toString('base64') });
      expect(big.status).to.equal(400);
      expect((big.json as { error: { code: string; message: string } }).error.code).to.equal('0x80072553');
      expect((big.json as { error: { message: string } }).error.message).to.match(/^Error occured when processing image\. Reason: File size is too big\. MaxSize: 0 MB, Uploaded filesize: [\d.]+ MB\.$/);
      const nonPrimary = await call('POST', `${s.root}${SET}`, { msdyn_name: 'x', [BADGE]: (await png(10, 10)).toString('base64') });
      expect(nonPrimary.status).to.equal(400);
      expect(nonPrimary.json).to.deep.equal({ error: { code: '0x80090487', message: `Non-primary image attribute ${BADGE} of entity ${ENTITY} is not allowed to upload during Create operation.` } });
    });

    it('deletes the full images with their row', async () => {
      const id = await create(s, { [PHOTO]: full.toString('base64') });
      expect(await attachments(s, id)).to.equal(1);
      expect((await call('DELETE', `${s.root}${SET}(${id})`)).status).to.equal(204);
      expect(await attachments(s, id)).to.equal(0);
    });

    it('describes the column and its companions in $metadata and EntityDefinitions', async () => {
      const csdl = await (await fetch(`${s.root}$metadata`)).text();
      const type = csdl.slice(csdl.indexOf(`<EntityType Name="${ENTITY}"`));
      const typed = (name: string) => new RegExp(`<Property Name="${name}" Type="([^"]+)"`).exec(type)?.[1];
      expect([typed(PHOTO), typed(`${PHOTO}id`), typed(`${PHOTO}_timestamp`), typed(`${PHOTO}_url`)]).to.deep.equal(['Edm.Binary', 'Edm.Guid', 'Edm.Int64', 'Edm.String']);
      const a = (await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='${PHOTO}')`)).json as Record<string, unknown>;
      expect(a['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.ImageAttributeMetadata');
      expect([a['AttributeType'], a['AttributeTypeName'], a['MaxSizeInKB'], a['CanStoreFullImage'], a['IsPrimaryImage'], a['MaxHeight'], a['MaxWidth']])
        .to.deep.equal(['Virtual', { Value: 'ImageType' }, 10240, true, true, 144, 144]);
      const badge = (await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='${BADGE}')`)).json as Record<string, unknown>;
      expect([badge['CanStoreFullImage'], badge['IsPrimaryImage']]).to.deep.equal([false, false]);
      const ts = (await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='${PHOTO}_timestamp')`)).json as Record<string, unknown>;
      expect(ts['AttributeType']).to.equal('BigInt');
      const e = (await call('GET', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')?$select=PrimaryImageAttribute`)).json as Record<string, unknown>;
      expect(e['PrimaryImageAttribute']).to.equal(PHOTO);
    });

    it('refuses an image of more pixels than MAX_IMAGE_PIXELS by its header, before decoding it', async () => {
      const id = await create(s, { [PHOTO]: full.toString('base64') });
      const before = (await call('GET', `${s.root}${SET}(${id})?$select=${PHOTO}id`)).json as Record<string, unknown>;
      // 8000 × 8000 (64 megapixels) in ~8 KB: jimp took 10 s and 386 MB to decode it.
      const bomb = blackPng(8000, 8000);
      const started = Date.now();
      const r = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: 'changed', [PHOTO]: bomb.toString('base64') });
      expect(Date.now() - started).to.be.below(2000);
      expect(r.status).to.equal(400);
      expect(r.json).to.deep.equal({ error: { code: '0x80072553', message: `Error occured when processing image. Reason: The image is 8000 x 8000 pixels, more than the ${thumbnails.MAX_IMAGE_PIXELS} pixels an image may have.` } });
      const up = await fetch(`${s.root}${SET}(${id})/${PHOTO}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'p.png' }, body: bomb as unknown as BodyInit });
      expect(up.status).to.equal(400);
      const after = (await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name,${PHOTO}id`)).json as Record<string, unknown>;
      expect([after['msdyn_name'], after[`${PHOTO}id`]]).to.deep.equal(['with an image', before[`${PHOTO}id`]]);
    });

    it('takes an image of several MB, sent as base64 in JSON and as bytes', async () => {
      const big = await noisePng(1200, 1100);
      expect(big.length).to.be.above(5_000_000);
      const id = await create(s, { [PHOTO]: big.toString('base64') });
      const whole = await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value?size=full`);
      expect(Buffer.from(await whole.arrayBuffer()).equals(big)).to.equal(true);
      const patched = await call('PATCH', `${s.root}${SET}(${id})`, { [PHOTO]: big.toString('base64') });
      expect(patched.status, JSON.stringify(patched.json)).to.equal(204);
      const up = await fetch(`${s.root}${SET}(${id})/${PHOTO}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'x-ms-file-name': 'big.png' }, body: big as unknown as BodyInit });
      expect(up.status, await up.text()).to.equal(204);
      const again = await fetch(`${s.root}${SET}(${id})/${PHOTO}/$value?size=full`);
      expect(Buffer.from(await again.arrayBuffer()).equals(big)).to.equal(true);
      expect(await attachments(s, id)).to.equal(1);
    });

    it('stores one full image for each row of a deep insert, the image sent', async () => {
      const child = await png(50, 60);
      const r = await call('POST', `${s.root}${SET}?$expand=${CHILDREN}($select=msdyn_copilotinteractionid)`, {
        msdyn_name: 'parent', [PHOTO]: full.toString('base64'),
        [CHILDREN]: [{ msdyn_name: 'child 1', [PHOTO]: child.toString('base64') }, { msdyn_name: 'child 2', [PHOTO]: child.toString('base64') }],
      }, { Prefer: 'return=representation' });
      expect(r.status, JSON.stringify(r.json)).to.equal(201);
      const parent = r.json as Record<string, unknown>;
      const children = (parent[CHILDREN] as Array<Record<string, string>>).map((c) => c['msdyn_copilotinteractionid']!);
      expect(children).to.have.length(2);
      expect(await attachments(s, String(parent['msdyn_copilotinteractiondataid']))).to.equal(1);
      for (const id of children) {
        expect(await attachments(s, id)).to.equal(1);
        const whole = await fetch(`${s.root}${INTERACTIONS}(${id})/${PHOTO}/$value?size=full`);
        expect(Buffer.from(await whole.arrayBuffer()).equals(child)).to.equal(true);
        // The full image is that of the image the row has (made ready once, not twice).
        const row = (await call('GET', `${s.root}${INTERACTIONS}(${id})?$select=${PHOTO}id`)).json as Record<string, unknown>;
        expect(whole.headers.get('x-ms-file-name')).to.equal(`${String(row[`${PHOTO}id`])}.png`);
      }
      // A related row created before its row (single-valued navigation).
      const up = await call('POST', `${s.root}${INTERACTIONS}?$expand=${PARENT}($select=msdyn_copilotinteractiondataid)`, { msdyn_name: 'child', [PARENT]: { msdyn_name: 'parent', [PHOTO]: full.toString('base64') } }, { Prefer: 'return=representation' });
      expect(up.status, JSON.stringify(up.json)).to.equal(201);
      const related = String(((up.json as Record<string, unknown>)[PARENT] as Record<string, unknown>)['msdyn_copilotinteractiondataid']);
      expect(await attachments(s, related)).to.equal(1);
      const whole = await fetch(`${s.root}${SET}(${related})/${PHOTO}/$value?size=full`);
      expect(Buffer.from(await whole.arrayBuffer()).equals(full)).to.equal(true);
    });

    it('takes images in CreateMultiple items, in their own rows and their deep inserts, as a single Create does', async () => {
      const second = await png(100, 50);
      const type = { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction' };
      const r = await call('POST', `${s.root}${INTERACTIONS}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [
        { ...type, msdyn_name: 'plain' },
        { ...type, msdyn_name: 'with image', [PHOTO]: full.toString('base64') },
        { ...type, msdyn_name: 'parent with image', [PARENT]: { msdyn_name: 'parent', [PHOTO]: second.toString('base64') } },
        { ...type, msdyn_name: 'with the same image', [PHOTO]: full.toString('base64') },
      ] });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      const ids = (r.json as { Ids: string[] }).Ids;
      expect(ids).to.have.length(4);
      const photoOf = async (set: string, id: string) => (await call('GET', `${s.root}${set}(${id})?$select=${PHOTO},${PHOTO}id&$expand=${set === INTERACTIONS ? `${PARENT}($select=msdyn_copilotinteractiondataid)` : `${CHILDREN}($select=msdyn_name)`}`)).json as Record<string, unknown>;
      const plain = await photoOf(INTERACTIONS, ids[0]!);
      expect([plain[PHOTO], plain[`${PHOTO}id`], await attachments(s, ids[0]!)]).to.deep.equal([null, null, 0]);
      for (const id of [ids[1]!, ids[3]!]) {
        const row = await photoOf(INTERACTIONS, id);
        expect(await size(Buffer.from(String(row[PHOTO]), 'base64'))).to.deep.equal([144, 144]);
        const whole = await fetch(`${s.root}${INTERACTIONS}(${id})/${PHOTO}/$value?size=full`);
        expect(whole.status).to.equal(200);
        expect(Buffer.from(await whole.arrayBuffer()).equals(full)).to.equal(true);
        expect(whole.headers.get('x-ms-file-name')).to.equal(`${String(row[`${PHOTO}id`])}.png`);
        expect(await attachments(s, id)).to.equal(1);
      }
      const parent = String(((await photoOf(INTERACTIONS, ids[2]!))[PARENT] as Record<string, unknown>)['msdyn_copilotinteractiondataid']);
      expect(await size(Buffer.from(String((await photoOf(SET, parent))[PHOTO]), 'base64'))).to.deep.equal([50, 50]);
      const whole = await fetch(`${s.root}${SET}(${parent})/${PHOTO}/$value?size=full`);
      expect(Buffer.from(await whole.arrayBuffer()).equals(second)).to.equal(true);
      expect(await attachments(s, parent)).to.equal(1);
    });

    it("refuses a CreateMultiple item's bad image by its index, writing nothing", async () => {
      const image = full.toString('base64');
      const type = { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction' };
      const d = s.db.dialect;
      const counts = async () => [
        ((await call('GET', `${s.root}${INTERACTIONS}?$count=true&$top=0`)).json as Record<string, number>)['@odata.count'],
        ((await call('GET', `${s.root}${SET}?$count=true&$top=0`)).json as Record<string, number>)['@odata.count'],
        Number((await s.db.rows({ sql: `SELECT COUNT(*) FROM ${d.quote(FILE_ATTACHMENTS)}`, params: [] }))[0]![0]),
      ];
      const before = await counts();
      for (const [item, code] of [
        [{ [PHOTO]: Buffer.from('not an image').toString('base64') }, '0x80072553'],
        [{ [PARENT]: { msdyn_name: 'parent', [BADGE]: image } }, '0x80090487'],
      ] as const) {
        const r = await call('POST', `${s.root}${INTERACTIONS}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ ...type, msdyn_name: 'plain', [PHOTO]: image }, { ...type, msdyn_name: 'bad', ...item }] });
        expect(r.status, JSON.stringify(r.json)).to.equal(400);
        const error = (r.json as { error: { code: string; message: string } }).error;
        expect([error.code, error.message.startsWith('Targets[1]: ')]).to.deep.equal([code, true]);
      }
      // An earlier item's failure in the database is the answer, as when no item has an image.
      const missing = { [`${PARENT}@odata.bind`]: `/${SET}(00000000-0000-4000-8000-0000000000ff)` };
      const r = await call('POST', `${s.root}${INTERACTIONS}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ ...type, msdyn_name: 'plain', ...missing }, { ...type, msdyn_name: 'bad', [PHOTO]: 'AAAA' }] });
      expect([r.status, (r.json as { error: { code: string; message: string } }).error.message.slice(0, 12)]).to.deep.equal([404, 'Targets[0]: ']);
      expect(await counts()).to.deep.equal(before);
    });

    it('refuses to sort or group rows by an image column, in OData and FetchXML', async () => {
      const fetchXml = (inner: string, aggregate = false) => `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch${aggregate ? ' aggregate="true"' : ''}><entity name="${ENTITY}">${inner}</entity></fetch>`)}`;
      const answers = await Promise.all([
        call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=${PHOTO}`),
        call('GET', `${s.root}${SET}?$apply=groupby((${PHOTO}))`),
        call('GET', fetchXml(`<attribute name="msdyn_name"/><order attribute="${PHOTO}"/>`)),
        call('GET', fetchXml(`<attribute name="${PHOTO}" groupby="true" alias="p"/>`, true)),
      ]);
      expect(answers.map((r) => [r.status, (r.json as { error: { code: string } }).error.code])).to.deep.equal([[400, '0x80060888'], [400, '0x80060888'], [400, '0x80040203'], [400, '0x80040203']]);
      for (const r of answers) expect((r.json as { error: { message: string } }).error.message).to.contain(`image column '${PHOTO}'`);
    });
  });
}
