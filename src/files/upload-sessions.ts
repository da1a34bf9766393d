import { randomBytes } from 'node:crypto';
import { Errors } from '../errors.js';
import type { AttributeModel, EntityModel } from '../model/types.js';

/** Where a chunked upload goes and who sends it. */
export interface UploadTarget {
  readonly entity: EntityModel;
  readonly id: string;
  readonly column: AttributeModel;
  readonly fileName: string;
  /** The MIME type to store with the file. */
  readonly mimetype: string;
  readonly systemuserid: string;
  /**
   * How the bytes come: `chunks`, in order (`PATCH` with Content-Range, files/transfer.ts), or
   * `blocks`, by block id in any order, put in order when committed (the UploadBlock and
   * CommitFileBlocksUpload messages).
   */
  readonly mode: 'chunks' | 'blocks';
}

/** An upload under way: its target and the chunks (or blocks) received. */
export interface UploadSession extends UploadTarget {
  /** The chunks received, in order (mode `chunks`). */
  readonly chunks: Buffer[];
  /** The blocks received, by block id (mode `blocks`). */
  readonly blocks: Map<string, Buffer>;
  /** The file's bytes received so far (of the blocks, those kept: a block sent again replaces its bytes). */
  received: number;
  /** Bytes counted against UploadLimits.maxBytes: `received`, and for blocks their ids and BLOCK_OVERHEAD_BYTES each. */
  held: number;
  /** The file's size in bytes, from the first chunk's Content-Range. */
  total?: number;
  /** Date.now() of the last request. */
  used: number;
}

/** The limits of UploadSessions. */
export interface UploadLimits {
  /** Most uploads one caller (systemuserid) may have open at once. */
  readonly perCaller: number;
  /** Most bytes all open uploads together may hold in memory. */
  readonly maxBytes: number;
}

/** Milliseconds an open upload may rest between two chunks before it is forgotten. */
const SESSION_IDLE_MS = 15 * 60 * 1000;

/** Milliseconds a finished upload's token still takes the trailing empty chunk (see UploadSessions.finished). */
const FINISHED_MS = 5 * 60 * 1000;

/** Most finished tokens remembered (the oldest go first); each is a few dozen bytes. */
const MAX_FINISHED = 10_000;

/** Most uploads open at once, whoever sends them. */
const MAX_SESSIONS = 1_000;

/** Most blocks one upload may hold (Azure Blob Storage's limit of uncommitted blocks per blob, which Dataverse's blocks follow). */
export const MAX_BLOCKS = 50_000;

/**
 * Longest block id an upload takes, in characters. Dataverse's block ids are Azure Blob Storage's
 * (base64 of at most 64 bytes: 88 characters); longer ones are refused with 400 `0x80040203`.
 */
export const MAX_BLOCK_ID_LENGTH = 100;

/** Bytes counted for each block held besides its data and its id (the Map entry and the Buffer's own object): an empty block is not free. */
export const BLOCK_OVERHEAD_BYTES = 64;

/** What the bytes of an upload come in, by UploadTarget.mode, as the error texts name them. */
const PIECE = { chunks: 'chunk', blocks: 'block' } as const;

/** Default UploadLimits: 10 open uploads per caller, 256 MiB held by all. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { perCaller: 10, maxBytes: 256 * 1024 * 1024 };

/**
 * The chunked file uploads under way, in memory (one instance per Service: they do not survive a
 * restart or a reload, and are not shared between servers), those of `PATCH` in chunks and those
 * of the UploadBlock messages alike, under the same limits. An upload is open from its first
 * request until its last chunk (or its commit) is stored, then dropped; only its token and size stay a while
 * (FINISHED_MS), for the empty chunk dynamics-web-api sends after a file that fills its last chunk
 * (its setFileChunk sends `bytes <size>-<size-1>/<size>`). Over a limit (UploadLimits, and
 * MAX_SESSIONS) a new upload or a chunk is refused with 400 `0x80040203`: Dataverse documents no
 * answer for it (its 429s are its service protection limits, which count requests, not memory).
 */
export class UploadSessions {
  private readonly open = new Map<string, UploadSession>();
  /** Finished uploads: token → the caller, the file's size and when the token expires. */
  private readonly finished = new Map<string, { systemuserid: string; total: number; expires: number }>();
  /** Bytes held by the open uploads. */
  private held = 0;

  constructor(private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) {}

  /** Opens an upload to `target`; returns its token. Throws 400 `0x80040203` over the caller's or the server's limit of open uploads. */
  start(target: UploadTarget): string {
    this.forgetIdle();
    let mine = 0;
    for (const s of this.open.values()) if (s.systemuserid === target.systemuserid) mine++;
    const piece = PIECE[target.mode];
    if (mine >= this.limits.perCaller) throw Errors.invalidArgument(`You have ${mine} file uploads under way, the most one user may have at once; finish or abandon one (it is forgotten after 15 minutes without a ${piece}) before starting another.`);
    if (this.open.size >= MAX_SESSIONS) throw Errors.invalidArgument(`The server has ${MAX_SESSIONS} file uploads under way, the most it takes at once; try again later.`);
    const token = randomBytes(24).toString('base64url');
    this.open.set(token, { ...target, chunks: [], blocks: new Map(), received: 0, held: 0, used: Date.now() });
    return token;
  }

  /** The open upload of `token` sent by `systemuserid`, if any. */
  find(token: string, systemuserid: string): UploadSession | undefined {
    this.forgetIdle();
    const s = this.open.get(token);
    return s?.systemuserid === systemuserid ? s : undefined;
  }

  /** Whether `token` is `systemuserid`'s upload of a file of `total` bytes that finished a moment ago. */
  finishedWith(token: string, systemuserid: string, total: number): boolean {
    const f = this.finished.get(token);
    return f !== undefined && f.systemuserid === systemuserid && f.total === total && f.expires > Date.now();
  }

  /**
   * Adds `bytes` to `session` (mode `chunks`). Throws 400 `0x80040203` when the file
   * (`session.total`) is larger than UploadLimits.maxBytes (it could never be held whole), or when
   * all uploads would then hold more.
   */
  add(session: UploadSession, bytes: Buffer): void {
    this.hold(session, session.total ?? 0, bytes.length);
    session.received += bytes.length;
    session.chunks.push(bytes);
  }

  /**
   * Keeps `bytes` as block `blockId` of `session` (mode `blocks`), replacing a block sent before
   * with that id; a block counts its bytes, its id's length and BLOCK_OVERHEAD_BYTES. Throws 400
   * `0x80040203` as `add` does (the file's size then being the bytes of its blocks), for an empty
   * id or one longer than MAX_BLOCK_ID_LENGTH, and when the upload already holds MAX_BLOCKS other blocks.
   */
  addBlock(session: UploadSession, blockId: string, bytes: Buffer): void {
    if (blockId === '') throw Errors.invalidArgument('The BlockId is empty; name each block (Dataverse\'s clients send a base64 id).');
    if (blockId.length > MAX_BLOCK_ID_LENGTH) throw Errors.invalidArgument(`The BlockId has ${blockId.length} characters; a block id has at most ${MAX_BLOCK_ID_LENGTH} (Dataverse's clients send base64 of a few bytes).`);
    const before = session.blocks.get(blockId)?.length;
    if (before === undefined && session.blocks.size >= MAX_BLOCKS) throw Errors.invalidArgument(`This upload holds ${MAX_BLOCKS} blocks, the most one upload may have; commit it with fewer, larger blocks.`);
    const cost = (length: number | undefined) => length === undefined ? 0 : length + blockId.length + BLOCK_OVERHEAD_BYTES;
    this.hold(session, session.received - (before ?? 0) + bytes.length, cost(bytes.length) - cost(before));
    session.received += bytes.length - (before ?? 0);
    session.blocks.set(blockId, bytes);
  }

  /**
   * Counts `added` more bytes (fewer when negative) held by `session` (UploadSession.held), whose
   * file is then `size` bytes. Throws 400 `0x80040203` when `size` is larger than
   * UploadLimits.maxBytes, or when all uploads would then hold more than it; nothing is counted then.
   */
  private hold(session: UploadSession, size: number, added: number): void {
    this.checkFits(size);
    if (this.held + added > this.limits.maxBytes) throw Errors.invalidArgument(`The file uploads under way hold ${this.held} bytes, and this ${PIECE[session.mode]} would pass the server's limit of ${this.limits.maxBytes}; send it again later.`);
    session.held += added;
    session.used = Date.now();
    this.held += added;
  }

  /** Throws 400 `0x80040203` when a file of `size` bytes is larger than UploadLimits.maxBytes: it could never be held whole. */
  checkFits(size: number): void {
    if (size > this.limits.maxBytes) throw Errors.invalidArgument(`The file (${size} bytes) is larger than the ${this.limits.maxBytes} bytes file uploads under way may hold on this server.`);
  }

  /** Drops the upload of `token`, its bytes freed. */
  drop(token: string): void {
    const s = this.take(token);
    if (s) this.release(s);
  }

  /**
   * Takes the upload of `token` out of the open ones at once, so that no later request finds it
   * (a second commit of the same upload sent while the first is stored is refused as one of no
   * upload under way); its bytes stay counted until `release`.
   */
  take(token: string): UploadSession | undefined {
    const s = this.open.get(token);
    if (s) this.open.delete(token);
    return s;
  }

  /** Frees the bytes of `session`, an upload taken out (`take`). */
  release(session: UploadSession): void {
    this.held -= session.held;
    session.held = 0;
  }

  /** Remembers a while (see the class) that `token`, `systemuserid`'s upload of a file of `total` bytes, finished. */
  finish(token: string, systemuserid: string, total: number): void {
    this.finished.set(token, { systemuserid, total, expires: Date.now() + FINISHED_MS });
    if (this.finished.size > MAX_FINISHED) this.finished.delete(this.finished.keys().next().value!);
  }

  /** Forgets the open uploads idle for longer than SESSION_IDLE_MS and the expired finished tokens. */
  private forgetIdle(): void {
    const now = Date.now();
    for (const [token, s] of this.open) if (now - s.used > SESSION_IDLE_MS) this.drop(token);
    for (const [token, f] of this.finished) if (f.expires <= now) this.finished.delete(token);
  }
}
