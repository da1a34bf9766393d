import { executeDelete } from './store/business-unit-delete.js';
import { Errors, isDuplicateKey, ServiceError } from './errors.js';
import type { AttributeModel, EntityKeyModel, EntityModel, Model, NavigationPropertyModel } from './model/types.js';
import { ORGANIZATION, SYSTEMUSER } from './model/system-columns.js';
import { fiscalContext } from './store/organization-fiscal.js';
import { fetchNamesFiscal, queryNamesFiscal } from './plan/fiscal-uses.js';
import { DEFAULT_FISCAL_CALENDAR, FISCAL_YEAR_DISPLAY } from './plan/fiscal-calendar.js';
import { answerDefinitions } from './odata/definitions.js';
import { renderCsdl } from './odata/csdl.js';
import { answerChars, batchResponse, MAX_BATCH_ANSWER_CHARS, parseBatch, withReferences, type BatchAnswer, type BatchPart } from './odata/batch.js';
import { FileColumns } from './files/transfer.js';
import { DEFAULT_UPLOAD_LIMITS } from './files/upload-sessions.js';
import { isFileTransfer } from './odata/file-transfer.js';
import { header, parsePath, parseRequest, rowKey, type HttpRequest, type ODataRequest, type QueryOptions } from './odata/request.js';
import { imageDownloadRequest, isImageDownload } from './files/image-download.js';
import { TERMS } from './odata/annotations.js';
import { fetchResponse } from './odata/fetch-respond.js';
import { parseFetchXml } from './odata/fetchxml.js';
import { jsonValue, rawText } from './odata/json-number.js';
import { aggregateBody, collectionHead, contextUrl, entityId, entityWriter, errorResponse, etag, json, nextLink, preferenceApplied, serviceDocument, type HttpResponse } from './odata/respond.js';
import { planFetch } from './plan/fetch.js';
import { asksForChanges, DEFAULT_EXPIRE_CHANGE_TRACKING_DAYS, planChanges, type ChangesPlan } from './plan/changes.js';
import { answerChanges, countChanges } from './odata/changes.js';
import { planFetchAggregate } from './plan/fetch-aggregate.js';
import { functionContext, planCount, planRead, type PlanContext } from './plan/read.js';
import { AGGREGATE_RECORD_LIMIT } from './plan/aggregate.js';
import { linkCollections } from './plan/expand.js';
import { planApply } from './plan/apply.js';
import type { AggregatePlan, Caller, PlanExpr, ReadPlan, Value, WritePlan, WriteResult } from './plan/types.js';
import { planAssociate, planDisassociate } from './plan/associate.js';
import { relatedTo, restrict, singleBranches } from './plan/navigation.js';
import { linkedBody, parseBody, planCreate, planDelete, planRowChange, planUpdate, resolveBind, sequentialGuid } from './plan/write.js';
import { givenPrimaryKey, KEY_RACE_ATTEMPTS, lostKeyRace, namedPrimaryKey, planAlternateKey, upsertBodies, type AlternateKeyValue } from './plan/keys.js';
import { resolveKeyedBinds, resolveKeyedUrl } from './store/keyed-urls.js';
import { InTransaction, withSecurity, type Database } from './store/database.js';
import { TimedDatabase } from './store/timed-database.js';
import { executeAggregate, executeCount, executeRead, executeWrite, findByKey } from './store/execute.js';
import { migrate } from './store/migrate.js';
import { invokeOperation, type OperationEnvironment } from './messages/dispatch.js';
import { loadMessages, servedMessages } from './messages/registry.js';
import { keepSdkMessages } from './messages/sdk-messages.js';
import type { Message } from './messages/types.js';
import { impersonate, impersonatesAnother, signIn, SYSTEM_CALLER } from './security/callers.js';
import type { Identity } from './security/identity.js';
import { loadAccess, type CallerAccess } from './security/access.js';
import { ACT_ON_BEHALF, ensureAdministrator, keepSecurityRows } from './security/privileges.js';
import { keepFieldSecurityProfiles } from './security/field-profiles.js';
import { keepRootBusinessUnit } from './security/business-units.js';
import { keepDefaultTeam } from './security/teams.js';
import { bypassPrivileges } from './security/bypass.js';

/**
 * The pipeline without HTTP: `handle(request) → response` runs parse → plan → sql → execute →
 * respond for one request (DESIGN.md §1). Express, `$batch` and tests all call `handle`.
 */

export { SYSTEM_CALLER } from './security/callers.js';

/** Where unexpected faults are reported (pino's logger fits). */
export interface FaultLogger {
  error(obj: object, msg: string): void;
}

/** `res` with the `OData-Version: 4.0` header every answer carries (digest §4.4). */
function withVersion(res: HttpResponse): HttpResponse {
  res.headers['OData-Version'] = '4.0';
  return res;
}

function only(req: ODataRequest, allowed: readonly (keyof QueryOptions)[]): void {
  for (const [name, value] of Object.entries(req.query)) {
    if (value !== undefined && !allowed.includes(name as keyof QueryOptions)) throw invalidOption(req, name);
  }
}

/** 400 for query option `name` (a QueryOptions key), which this request's resource does not take. */
function invalidOption(req: ODataRequest, name: string): ServiceError {
  return Errors.badQuery(`The query option '$${name.toLowerCase()}' is not valid for a ${req.method} request to this resource.`);
}

/** Settings of a Service; everything has a default. */
export interface ServiceOptions {
  /** The user requests run as (default: the built-in system user). */
  caller?: Caller;
  /** Most Targets per CreateMultiple / UpdateMultiple / UpsertMultiple (default 1,000). */
  maxTargets?: number;
  /** Most rows one aggregate query (`$apply`, FetchXML `aggregate="true"`) may read before it fails with 0x8004E023 (default 50,000, digest §3.7). */
  aggregateRecordLimit?: number;
  /**
   * The time date query functions ($filter `Today`, `LastXHours`…; FetchXML `today`, `last-x-hours`…)
   * and the retention messages take as now. Default: the system clock. Rows are still stamped
   * (createdon, modifiedon) with the system clock.
   */
  clock?: () => Date;
  /**
   * The bytes per chunk a chunked file upload is told to send (`x-ms-chunk-size`; default 4 MB,
   * Dataverse's): files/transfer.ts.
   */
  fileChunkSize?: number;
  /**
   * Most chunked file uploads one user may have open at once (default 10), and most bytes all open
   * uploads may hold in memory together (default 256 MiB): files/upload-sessions.ts. Over either, a
   * new upload or chunk is refused with 400 `0x80040203`.
   */
  fileUploadLimits?: { perCaller?: number; maxBytes?: number };
  /**
   * Entra object ids (users) and application (client) ids of applications whose users get the
   * System Administrator role when they sign in (security/privileges.ts ensureAdministrator):
   * the first administrators, who give other users roles. Default none.
   */
  administrators?: readonly string[];
}

/** Dataverse's guidance for records per bulk request (digest §6.3). */
export const DEFAULT_MAX_TARGETS = 1000;

/** Where a batch was sent: its origin, and its service root's path (`/api/data/v9.2/`). */
interface BatchBase {
  readonly origin: string;
  readonly path: string;
}

/** Ends a change set's transaction (rolling it back) with the answer of the request that failed. */
class ChangeSetFailure extends Error {
  constructor(readonly response: HttpResponse) {
    super(`change set failed with ${response.status}`);
  }
}

/**
 * Throws when a read that cannot track changes (a FetchXML query, related rows) asks for them
 * (digest §10): 400 `0x80072491` when the table does not track changes, else 400 `0x80060888`
 * naming what the read is. A preference silently dropped would let the client believe its sync
 * had started.
 */
function refuseChangeTracking(req: ODataRequest, entity: EntityModel, what: string): void {
  if (!asksForChanges(req.query, req.prefer)) return;
  if (!entity.ChangeTrackingEnabled) throw Errors.changeTrackingNotEnabled(entity.LogicalName);
  throw Errors.badQuery(`${what} isn't supported when Change Tracking is enabled; track changes of the entity set itself.`);
}

/** The query option that makes a GET a FetchXML query. */
type FetchOption = 'fetchXml' | 'savedQuery' | 'userQuery';

/** Which FetchXML query option a request carries, if any (fetchXml first). */
function fetchOptionOf(query: QueryOptions): FetchOption | undefined {
  if (query.fetchXml !== undefined) return 'fetchXml';
  return query.predefinedQuery?.option;
}

/**
 * The pipeline for one model and database (DESIGN.md §1): `handle` takes an HttpRequest and
 * answers an HttpResponse, running parse → plan → sql → execute → respond. It never throws for
 * bad input: errors become Dataverse's error JSON with their status, and unexpected faults a 500
 * with no detail (logged through the FaultLogger).
 */
/**
 * The first segment of `rest` (raw, still percent-encoded; what follows a property in a path) that
 * cannot be there: a property's path ends with it or with its `$value` (OData URL Conventions
 * §4.6), so the segment after it, or after its `$value`, is not found.
 */
function segmentAfterProperty(rest: string): string {
  const [next, after] = rest.split('/');
  return decodeURIComponent(next === '$value' && after !== undefined ? after : next!);
}

/**
 * The answer to a HEAD: the GET's answer (`res`) without its content, with the same status and
 * header fields, and its Content-Length (bytes of UTF-8), which the GET would send (RFC 9110
 * §9.3.2: a server must support HEAD as it supports GET, §8.6). Errors lose their JSON body too.
 * Inside a `$batch` (`inBatch`) no Content-Length is added: a part's GET answer carries none, and a
 * reader that honours Content-Length inside a part would read past the empty body into the
 * boundary.
 */
function withoutContent(res: HttpResponse, inBatch: boolean): HttpResponse {
  const content = res.bytes ?? res.body;
  if (content === undefined) return res;
  return { ...res, headers: inBatch ? res.headers : { ...res.headers, 'Content-Length': String(Buffer.byteLength(content)) }, body: undefined, bytes: undefined };
}

export class Service {
  private readonly csdl: string;
  /** The annotated `$metadata`, rendered on first request. */
  private annotatedCsdl?: string;
  readonly caller: Caller;
  private readonly operations: OperationEnvironment;
  private readonly context: PlanContext;
  private readonly aggregateRecordLimit: number;
  /** ServiceOptions.administrators, lower case. */
  private readonly administrators: ReadonlySet<string>;
  /** The users of `administrators` given the System Administrator role since start (once each). */
  private readonly madeAdministrators = new Set<string>();
  /** The DDL Service.open's migration ran (empty when the database was up to date). */
  migration: readonly string[] = [];
  /** Within `handle`: the milliseconds its request (and a `$batch`'s parts) spent being parsed. */
  private timing?: { parseMs: number };
  /** File column transfers and their chunked uploads under way, shared by every request. */
  private readonly files: FileColumns;

  /**
   * Use `Service.open` to also prepare the database and load the messages. `model` is immutable; a
   * reload builds a new Service.
   */
  constructor(readonly model: Model, readonly db: Database, private readonly log: FaultLogger, messages: ReadonlyMap<string, Message>, options: ServiceOptions = {}) {
    this.caller = options.caller ?? SYSTEM_CALLER;
    this.context = { model, caller: this.caller, clock: options.clock ?? (() => new Date()) };
    this.aggregateRecordLimit = options.aggregateRecordLimit ?? AGGREGATE_RECORD_LIMIT;
    this.administrators = new Set((options.administrators ?? []).map((id) => id.toLowerCase()));
    this.csdl = renderCsdl(model, [...messages.values()]);
    this.files = new FileColumns(options.fileChunkSize, { ...DEFAULT_UPLOAD_LIMITS, ...options.fileUploadLimits });
    this.operations = { model, db, caller: this.caller, clock: this.context.clock, messages, limits: { maxTargets: options.maxTargets ?? DEFAULT_MAX_TARGETS }, files: this.files.blocks };
  }

  /**
   * Creates missing tables/columns (additive), loads the messages in src/messages/, creates the
   * built-in system user and organization rows, the root business unit (keepRootBusinessUnit) and its default team (keepDefaultTeam), and keeps the sdkmessage/sdkmessagefilter rows
   * (messages/sdk-messages.ts) and the security rows, then returns a ready Service. The rows are
   * kept in the migration's transaction, under its lock: servers starting (or reloading) at once
   * on one database each read them and create what is missing, and without the lock two of them
   * read "missing" and the later one's insert failed on the primary key, so it did not start.
   * Throws MigrationError or the driver's error when the database cannot be prepared.
   */
  static async open(model: Model, db: Database, log: FaultLogger, options: ServiceOptions = {}): Promise<Service> {
    const messages = servedMessages(model, await loadMessages());
    const service = new Service(model, db, log, messages, options);
    service.migration = await migrate(db, model, async (tx, existing) => {
      await service.seed(tx, SYSTEMUSER, service.caller.systemuserid, { fullname: 'SYSTEM' });
      await service.seed(tx, ORGANIZATION, service.caller.organizationid, { name: 'Tessera', expirechangetrackingindays: DEFAULT_EXPIRE_CHANGE_TRACKING_DAYS }, { fiscalperiodtype: DEFAULT_FISCAL_CALENDAR.periodType, fiscalyeardisplaycode: FISCAL_YEAR_DISPLAY.startDate });
      await keepRootBusinessUnit(model, tx, service.caller, existing);
      await keepDefaultTeam(model, tx, service.caller);
      await keepSdkMessages(model, tx, messages.values(), service.caller);
      await keepSecurityRows(model, tx, service.caller);
      await keepFieldSecurityProfiles(model, tx, service.caller);
    });
    return service;
  }

  /**
   * Creates the row `id` of `table` with `body` on `db` unless it exists, and with those of
   * `optional` the model's table has (columns a metadata folder may leave out, as an older
   * organization.json leaves out the fiscal settings).
   */
  private async seed(db: Database, table: string, id: string, body: Record<string, unknown>, optional: Record<string, unknown> = {}): Promise<void> {
    const entity = this.model.byLogicalName.get(table)!;
    const existing = await executeRead(db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id));
    const present = Object.entries(optional).filter(([name]) => entity.attributesByName.has(name));
    if (!existing.rows.length) await executeWrite(db, planCreate(this.model, entity, { ...body, ...Object.fromEntries(present) }, this.caller, id));
  }

  /**
   * Handles one request; never throws. Unexpected faults are logged and answered 500. The answer
   * carries its stage timings (W3C Server Timing; DESIGN.md §5): `Server-Timing: parse;dur=…,
   * db;dur=…, total;dur=…` in milliseconds, where `parse` is reading the URL and headers, `db` the
   * wall time spent waiting on the database (TimedDatabase) and the rest of `total` planning,
   * rendering SQL and writing the answer.
   */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const db = new TimedDatabase(this.db);
    const timing = { parseMs: 0 };
    const timed = this.over(db);
    timed.timing = timing;
    const res = await timed.answer(req, false);
    const ms = (n: number) => n.toFixed(2);
    res.headers['Server-Timing'] = `parse;dur=${ms(timing.parseMs)}, db;dur=${ms(db.elapsedMs)}, total;dur=${ms(performance.now() - started)}`;
    return res;
  }

  /**
   * handle, for a request of its own or (`inBatch`) a part of a `$batch`, which may not be another
   * `$batch`. A HEAD is answered as the GET of the same URL would be, without its content. With `faults: 'throw'` (a change set's requests) an unexpected fault is thrown, not
   * answered, so that the set's transaction sees the database's own error (and may run again).
   */
  private async answer(req: HttpRequest, inBatch: boolean, faults: 'answer' | 'throw' = 'answer'): Promise<HttpResponse> {
    if (req.method === 'HEAD') return withoutContent(await this.answer({ ...req, method: 'GET' }, inBatch, faults), inBatch);
    let res: HttpResponse;
    try {
      const parseStarted = performance.now();
      // The legacy image URL stands for a Web API request of its own (files/image-download.ts).
      if (isImageDownload(req.url) && !inBatch) req = await imageDownloadRequest(this.model, this.db, req);
      const parsed = parseRequest(req);
      if (inBatch) parsed.inBatch = true;
      if (this.timing) this.timing.parseMs += performance.now() - parseStarted;
      if (parsed.resource.kind === 'batch' && inBatch) throw Errors.badQuery('A $batch cannot hold another $batch.');
      if (req.body !== undefined && parsed.resource.kind !== 'batch') refuseOtherMediaTypes(header(req.headers, 'content-type'));
      // Bytes are a file column's (an unqualified segment after a row, which segment and `$value`
      // check against the column); anywhere else, a qualified bound operation too, they are
      // refused as any non-JSON body.
      const segment = parsed.resource.kind === 'operation' && parsed.resource.binding !== undefined && !parsed.resource.qualified;
      if (req.bytes !== undefined && !segment) refuseOtherMediaTypes(header(req.headers, 'content-type'));
      const self = await (await this.runAs(req)).withFiscalCalendar(queryNamesFiscal(parsed.query));
      res = parsed.resource.kind === 'batch' ? await self.batch(req, parsed) : await self.dispatch(parsed, `${req.origin}${req.url}`);
    } catch (err) {
      if (err instanceof ServiceError) res = errorResponse(this.noted(err, { method: req.method, url: req.url }), req.headers);
      else if (faults === 'throw') throw err;
      else {
        this.log.error({ err, method: req.method, url: req.url }, 'unexpected fault');
        res = errorResponse(Errors.internal(), req.headers);
      }
    }
    return withVersion(res);
  }

  /**
   * Logs `err` with what it was met in (`context`) when it has a cause the answer does not tell (a
   * database fault answered 503: the driver's error); returns it.
   */
  private noted(err: ServiceError, context: object): ServiceError {
    if (err.cause !== undefined) this.log.error({ err: err.cause, ...context }, err.message);
    return err;
  }

  /**
   * `POST /$batch` (digest §7): each part is answered as the same request on its own would be
   * (its own transaction), in order, and each change set in one transaction (changeSet). Without
   * `Prefer: odata.continue-on-error` the batch stops at the first part or set answered 4xx/5xx
   * and takes its status, the answers so far included. Once the answers pass
   * MAX_BATCH_ANSWER_CHARS, no further request runs and the batch ends with a 400 part saying so.
   * Throws the errors of parseBatch (400) and 405 for another method.
   */
  private async batch(req: HttpRequest, parsed: ODataRequest): Promise<HttpResponse> {
    if (parsed.method !== 'POST') throw Errors.methodNotAllowed(parsed.method, '$batch', ['POST']);
    const answers: BatchAnswer[] = [];
    const base = { origin: req.origin, path: new URL(parsed.serviceRoot).pathname };
    let chars = 0;
    for (const item of parseBatch(header(req.headers, 'content-type'), req.body)) {
      if (chars > MAX_BATCH_ANSWER_CHARS) {
        // What ran is answered as it ran; nothing after it runs.
        const full = Errors.badQuery(`The answers of this $batch passed ${MAX_BATCH_ANSWER_CHARS / 1024 / 1024} MiB, so the requests after the last one answered were not run; send them in another $batch.`);
        answers.push({ response: withVersion(errorResponse(full, req.headers)) });
        return batchResponse(answers, full.status);
      }
      const answer: BatchAnswer = 'request' in item ? { response: await this.answerPart(item.request, base) } : await this.changeSet(item.changeSet, base, req.headers);
      chars += answerChars(answer);
      answers.push(answer);
      if ('response' in answer && answer.response.status >= 400 && !parsed.prefer.continueOnError) return batchResponse(answers, answer.response.status);
    }
    return batchResponse(answers);
  }

  /**
   * Runs a change set's requests in order in one transaction (digest §7): `$<Content-ID>`
   * references resolve to the row URL of the set's earlier requests (their OData-EntityId, or the
   * row a `return=representation` answer holds). All succeed, and
   * their answers are returned; or the first failure rolls back every write of the set and is
   * its only answer (an unexpected fault: a logged 500; answers past MAX_BATCH_ANSWER_CHARS: a
   * 400). A set PostgreSQL ends as a deadlock
   * victim runs again (PostgresDatabase.transaction).
   */
  private async changeSet(requests: readonly BatchPart[], base: BatchBase, batchHeaders: HttpRequest['headers']): Promise<BatchAnswer> {
    try {
      return await this.db.transaction(async (tx) => {
        const inSet = this.over(new InTransaction(this.db, tx));
        const urls = new Map<string, string>();
        const answers: Array<{ response: HttpResponse; contentId?: string }> = [];
        let chars = 0;
        for (const request of requests) {
          let part: BatchPart;
          try {
            part = withReferences(request, urls);
          } catch (err) {
            throw new ChangeSetFailure(withVersion(errorResponse(err as ServiceError, request.headers)));
          }
          const response = await inSet.answerPart(part, base, 'throw');
          if (response.status >= 400) throw new ChangeSetFailure(response);
          // An answer too large to send: the set is rolled back and says so, never half-told.
          chars += response.body?.length ?? 0;
          if (chars > MAX_BATCH_ANSWER_CHARS) throw new ChangeSetFailure(withVersion(errorResponse(Errors.badQuery(`The answers of this change set pass ${MAX_BATCH_ANSWER_CHARS / 1024 / 1024} MiB; it was rolled back. Send its requests in smaller change sets, or without Prefer: return=representation.`), request.headers)));
          const location = response.headers['OData-EntityId'] ?? response.rowUrl;
          if (part.contentId && location) urls.set(part.contentId, location);
          answers.push({ response, ...(part.contentId ? { contentId: part.contentId } : {}) });
        }
        return { changeSet: answers };
      });
    } catch (err) {
      if (err instanceof ChangeSetFailure) return { response: err.response };
      // The database's own refusal after its retries (503 writeConflict): rolled back, answered as such.
      if (err instanceof ServiceError) return { response: withVersion(errorResponse(this.noted(err, { in: '$batch change set' }), batchHeaders)) };
      // An unexpected fault: the set is rolled back and answered 500.
      this.log.error({ err }, 'unexpected fault in a $batch change set');
      return { response: withVersion(errorResponse(Errors.internal(), batchHeaders)) };
    }
  }

  /**
   * Answers one request of a batch: its URL relative to the batch's service root when it is not a
   * path (OData Part 1 §11.7.2); a created or upserted row's URL in `Location` as well as in
   * OData-EntityId, as Dataverse answers batch parts (digest §7).
   */
  private async answerPart(part: BatchPart, base: BatchBase, faults: 'answer' | 'throw' = 'answer'): Promise<HttpResponse> {
    const url = part.url.startsWith('/') ? part.url : `${base.path}${part.url}`;
    const response = await this.answer({ method: part.method, url, headers: part.headers, body: part.body, origin: base.origin }, true, faults);
    const location = response.headers['OData-EntityId'];
    if (location && !response.headers['Location']) response.headers['Location'] = location;
    return response;
  }

  /**
   * The caller a verified token's identity stands for: its systemuser row, made on a user's first
   * sign-in (security/callers.ts signIn, whose errors it throws), in this service's organization.
   * An unexpected fault is logged and thrown as 500 `0x80040216`.
   */
  async signIn(identity: Identity): Promise<Caller> {
    try {
      const caller = await signIn(this.model, this.db, identity, this.caller);
      const id = identity.applicationId ?? identity.objectId;
      if (this.administrators.has(id.toLowerCase()) && !this.madeAdministrators.has(caller.systemuserid)) {
        await ensureAdministrator(this.model, this.db, caller.systemuserid, this.caller);
        this.madeAdministrators.add(caller.systemuserid);
      }
      return caller;
    } catch (err) {
      if (err instanceof ServiceError) throw this.noted(err, { identity: identity.objectId });
      this.log.error({ err, identity: identity.objectId }, 'unexpected fault signing in');
      throw Errors.internal();
    }
  }

  /**
   * This service as the user `req` runs as: the one its token named (`req.caller`, else this
   * service's caller), or the user its CallerObjectId / MSCRMCallerID header impersonates (whose
   * errors it throws). A `$batch` part runs as its batch unless it impersonates.
   */
  private async runAs(req: HttpRequest): Promise<Service> {
    // Who the caller is and what it may do are read past the caller's own privileges.
    const db = this.trusted();
    const signedIn = req.caller ?? this.caller;
    if (await impersonatesAnother(this.model, db, req.headers, signedIn)) {
      // Impersonating takes the signed-in user's prvActOnBehalfOfAnotherUser (Dataverse's Delegate
      // role), checked before the header's user is looked up: whether that user exists, or is
      // disabled, is not told to a caller who may not impersonate.
      const sender = await loadAccess(this.model, db, signedIn.delegate ?? signedIn, SYSTEM_CALLER);
      if (sender && !sender.holds(ACT_ON_BEHALF)) throw sender.missing(ACT_ON_BEHALF);
    }
    const caller = await impersonate(this.model, db, req.headers, signedIn);
    const bypass = bypassPrivileges(req.headers);
    if (caller === this.caller && bypass.length === 0) return this;
    const access = await loadAccess(this.model, db, caller, SYSTEM_CALLER);
    // Bypassing custom logic takes privileges of the user the request runs as; there are no
    // plug-ins, workflows or flows to bypass, so with them the headers change nothing.
    for (const name of bypass) if (access && !access.holds(name)) throw access.missing(name);
    return caller === this.caller ? this : this.as(caller, access);
  }

  /** This service's database without the caller's privilege checks, for what the service reads for itself. */
  private trusted(): Database {
    return this.db.security ? withSecurity(this.db, undefined) : this.db;
  }

  /**
   * Runs `plan`, then answers with `answer(service, result)`. When the answer reads the row
   * (`Prefer: return=representation`), both run in one transaction: the row answered is the row
   * written, whatever commits after it (a concurrent DELETE would otherwise make a successful
   * write answer 404), and a row the caller may write but not read back is not written (403,
   * nothing changed).
   */
  private async writeAnswering(req: ODataRequest, plan: WritePlan, answer: (service: Service, result: WriteResult) => Promise<HttpResponse>): Promise<HttpResponse> {
    if (!req.prefer.returnRepresentation) return answer(this, await executeWrite(this.db, plan));
    return this.db.transaction(async (tx) => {
      const inOne = this.over(new InTransaction(this.db, tx));
      return answer(inOne, await executeWrite(inOne.db, plan));
    });
  }

  /**
   * This service run as `caller`, whose privileges are `access` (none: nothing is checked): the
   * same model, messages, limits and `$metadata`; its database applies `access` to every plan.
   */
  private as(caller: Caller, access?: CallerAccess): Service {
    const db = access || this.db.security ? withSecurity(this.db, access) : this.db;
    return Object.assign(Object.create(Service.prototype) as Service, this, { caller, db, context: { ...this.context, caller }, operations: { ...this.operations, caller, db } });
  }

  /**
   * This service with the organization's fiscal calendar read (store/organization-fiscal.ts
   * fiscalContext) when `needed`, for the fiscal query functions of the query it plans: at most
   * once per request and never cached, so an update of the organization's fiscal settings holds
   * from the next request on, on every server sharing the database.
   */
  private async withFiscalCalendar(needed: boolean): Promise<Service> {
    const context = await fiscalContext(this.context, this.db, needed);
    return context === this.context ? this : Object.assign(Object.create(Service.prototype) as Service, this, { context });
  }

  /** This service over `db` instead (a change set's transaction): the same model, caller, messages, limits and `$metadata`. */
  private over(db: Database): Service {
    return Object.assign(Object.create(Service.prototype) as Service, this, { db, operations: { ...this.operations, db } });
  }

  private entitySet(name: string): EntityModel {
    const entity = this.model.byEntitySetName.get(name);
    if (!entity) throw Errors.resourceNotFound(name);
    return entity;
  }

  private async dispatch(req: ODataRequest, url: string): Promise<HttpResponse> {
    const r = req.resource;
    const fetchOption = fetchOptionOf(req.query);
    if (fetchOption && (r.kind !== 'collection' || req.method !== 'GET')) {
      throw Errors.badQuery(`The ${fetchOption} query option is only valid on a GET of an entity set.`);
    }
    switch (r.kind) {
      case 'operation': {
        const b = r.binding;
        if (b && !r.qualified && r.params !== undefined && this.model.byEntitySetName.get(b.entitySet)?.navigation.has(r.name)) {
          // `<set>(<key>)/<collection>(<key>)`: one related row, as a path of its own.
          return this.dispatch({ ...req, resource: { kind: 'path', entitySet: b.entitySet, id: b.id, alternateKey: b.alternateKey, navigation: r.name, navigationKey: r.params, rest: '' } }, url);
        }
        const segment = b && !r.qualified && r.params === undefined && !this.operations.messages.has(r.name);
        if (b?.alternateKey !== undefined) {
          // Not a set (`WhoAmI()/UserId`): 404 for it. A property or navigation of a record named
          // by an alternate key is that of the record the key finds; a bound operation: not yet.
          const entity = this.entitySet(b.entitySet);
          if (!segment) throw Errors.notImplemented(`Operations bound to a record by alternate key ('${b.entitySet}(${b.alternateKey})')`);
          return this.segment(req, entity, await this.keyedId(entity, b.alternateKey), r.name);
        }
        if (segment) return this.segment(req, this.entitySet(b.entitySet), b.id, r.name);
        return invokeOperation(this.operations, req, r, url);
      }
      case 'path': {
        // The rest of the path, addressed from the row the navigation property leads to.
        const entity = this.entitySet(r.entitySet);
        const row = await this.through(entity, r.id ?? await this.keyedId(entity, r.alternateKey!), r.navigation, r.navigationKey, segmentAfterProperty(r.rest));
        const path = `${row.entity.EntitySetName}(${row.id})${r.rest ? `/${r.rest}` : ''}`;
        return this.dispatch({ ...req, resource: parsePath(path) }, url);
      }
      case 'ref': {
        const entity = this.entitySet(r.entitySet);
        return this.reference(req, entity, r.id ?? await this.keyedId(entity, r.alternateKey!), r.navigation, r.childId);
      }
      case 'value': {
        // A property's raw value: 200 text/plain, 204 when null (OData Protocol §11.2.4.1).
        const entity = this.entitySet(r.entitySet);
        const attribute = entity.attributesByProperty.get(r.property);
        if (!attribute) {
          if (entity.navigation.has(r.property)) throw Errors.badQuery(`$value reads the raw value of a property; '${r.property}' is a navigation property.`);
          throw Errors.resourceNotFound(r.property);
        }
        if (attribute.AttributeType === 'File' || attribute.AttributeType === 'Image') return this.files.answer(this, req, entity, r.id ?? await this.keyedId(entity, r.alternateKey!), attribute, true);
        if (isFileTransfer(req.file)) throw Errors.notFileColumn(attribute.LogicalName, entity.LogicalName);
        if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, `the raw value of the property '${r.property}'`, ['GET']);
        const value = await this.propertyValue(req, entity, r.id ?? await this.keyedId(entity, r.alternateKey!), attribute);
        if (value === null) return { status: 204, headers: {} };
        return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: rawText(attribute, value) };
      }
      case 'serviceDocument':
        if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, 'the service document', ['GET']);
        return serviceDocument(req.serviceRoot, this.model, req.metadata);
      case 'batch': throw new Error('$batch is answered by Service.batch, before dispatch');
      case 'definitions':
        // The metadata files are the only source of table definitions: nothing changes them here.
        if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) {
          throw Errors.notImplemented(`${req.method} on ${r.set} (definitions come from the metadata files: edit those, and the server reloads them)`);
        }
        if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, r.set, ['GET']);
        return answerDefinitions(req, this.model, r);
      case 'metadata': {
        if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, '$metadata', ['GET']);
        // `?annotations=true`, or any `odata.include-annotations` preference, asks for the annotated document (digest §1.3).
        const annotated = /(?:^|&)annotations=true(?:&|$)/i.test(req.rawQuery) || req.prefer.includeAnnotations !== undefined;
        if (annotated) this.annotatedCsdl ??= renderCsdl(this.model, [...this.operations.messages.values()], true);
        return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: annotated ? this.annotatedCsdl! : this.csdl };
      }
      case 'count': {
        const entity = this.entitySet(r.entitySet);
        if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, '$count', ['GET']);
        let plan;
        if (r.navigation) {
          // `<set>(<id>)/<collection>/$count`: the related rows (digest §2.2), filtered on their table.
          const nav = this.navigation(entity, r.navigation.name, '$count');
          const id = r.navigation.id ?? await this.keyedId(entity, r.navigation.alternateKey!);
          if (nav.kind !== 'collection') throw Errors.badQuery(`'${nav.Name}' is single-valued; $count needs a collection-valued navigation property.`);
          await this.parentRow(entity, id);
          plan = restrict(planCount(nav.target, req.query, this.context), relatedTo(nav, id));
        } else if (req.query.deltaToken !== undefined) return countChanges(this.db, await this.planChanges(req, entity));
        else plan = planCount(entity, req.query, this.context);
        const n = await executeCount(this.db, plan);
        return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: String(n) };
      }
      case 'collection': {
        if (!this.model.byEntitySetName.has(r.entitySet) && this.operations.messages.has(r.entitySet)) {
          return invokeOperation(this.operations, req, { kind: 'operation', name: r.entitySet, segment: r.entitySet, qualified: false }, url);
        }
        const entity = this.entitySet(r.entitySet);
        if (req.method === 'GET' && fetchOption) return this.readFetch(req, entity, fetchOption);
        if (req.method === 'GET') return this.readCollection(req, entity);
        if (req.method === 'POST') return this.create(req, entity);
        throw Errors.methodNotAllowed(req.method, `the collection '${entity.EntitySetName}'`, ['GET', 'POST']);
      }
      case 'entity': {
        if (!this.model.byEntitySetName.has(r.entitySet) && this.operations.messages.has(r.entitySet)) {
          const params = r.id !== undefined ? r.id : r.alternateKey;
          return invokeOperation(this.operations, req, { kind: 'operation', name: r.entitySet, segment: `${r.entitySet}(${params})`, qualified: false, params }, url);
        }
        const entity = this.entitySet(r.entitySet);
        if (r.id === undefined) return this.byAlternateKey(req, entity, r.alternateKey);
        switch (req.method) {
          case 'GET': return this.retrieve(req, entity, r.id);
          case 'PATCH': return this.update(req, entity, r.id);
          case 'DELETE': return this.delete(req, entity, r.id);
          default: throw Errors.methodNotAllowed(req.method, `a record of '${entity.EntitySetName}'`, ['GET', 'PATCH', 'DELETE']);
        }
      }
    }
  }

  /**
   * `/<set>(<id>)/<segment>` (digest §2.2, §2.3): a property (GET its value, PUT `{"value":…}`,
   * DELETE to null it) or a navigation property (GET the related row or rows, with query options;
   * POST to a collection-valued one creates a row linked to row `id`). Throws 404 for an unknown
   * segment or row, 400 for writes the column does not allow, 405 for other methods.
   */
  private async segment(req: ODataRequest, entity: EntityModel, id: string | undefined, name: string): Promise<HttpResponse> {
    if (id === undefined) throw Errors.resourceNotFound(name);
    const attribute = entity.attributesByProperty.get(name);
    // An Image column takes the file column paths too (Dataverse "Use image column data", "Upload images", "Download images"); a PUT sets it as any property.
    if (attribute?.AttributeType === 'File' || (attribute?.AttributeType === 'Image' && req.method !== 'PUT')) return this.files.answer(this, req, entity, id, attribute, false);
    if (attribute && isFileTransfer(req.file)) throw Errors.notFileColumn(attribute.LogicalName, entity.LogicalName);
    if (req.file.bytes !== undefined) refuseOtherMediaTypes(req.file.contentType);
    if (attribute) {
      if (req.method === 'GET') return this.propertyAnswer(req, entity, id, attribute, {});
      if (req.method !== 'PUT' && req.method !== 'DELETE') throw Errors.methodNotAllowed(req.method, `the property '${name}'`, ['GET', 'PUT', 'DELETE']);
      if (attribute.NavigationPropertyName) throw Errors.badQuery(`The lookup '${name}' is changed through its navigation property ('${attribute.NavigationPropertyName}@odata.bind' or $ref).`);
      if (!attribute.IsValidForUpdate) throw Errors.badQuery(`The property '${name}' of '${entity.LogicalName}' cannot be updated.`);
      let value: unknown = null;
      if (req.method === 'PUT') {
        const body = parseBody(entity, req.body);
        // Control information (`@odata.context`, `@odata.type`) may come along, as a GET of the property answers it.
        if (!('value' in body) || Object.keys(body).some((k) => k !== 'value' && !k.startsWith('@odata.'))) throw Errors.payload(entity.EntitySetName, 'The body of a property PUT is {"value": <new value>}.');
        value = body['value'];
      }
      await executeWrite(this.db, planRowChange(this.model, entity, id, { [name]: value }, this.caller, req.ifMatch ?? '*', req.ifNoneMatch));
      // OData Protocol §11.4.9.1: with return=representation a property PUT answers the property as
      // a GET of it does (Dataverse documents only the 204 without it). A null value has no
      // representation (§11.2.6: 204), so the preference is not applied and no Preference-Applied
      // is sent (§8.2.8.7 names it only with the returned resource); a DELETE, which returns
      // nothing, ignores it as a row DELETE does (§8.2.8.7's 4xx for it is a SHOULD).
      if (req.method === 'PUT' && req.prefer.returnRepresentation) return this.propertyAnswer(req, entity, id, attribute, { 'Preference-Applied': 'return=representation' });
      return { status: 204, headers: {} };
    }
    const nav = this.navigation(entity, name);
    if (req.method === 'POST' && nav.kind === 'collection') {
      // A new related row (OData Protocol §11.4.2; Dataverse creates and links it).
      await this.parentRow(entity, id);
      return this.create(req, nav.target, (body) => linkedBody(entity, id, nav, body));
    }
    if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, `the navigation property '${name}' (use $ref to associate records)`, nav.kind === 'collection' ? ['GET', 'POST'] : ['GET']);
    await this.parentRow(entity, id);
    if (nav.kind === 'collection') return this.readCollection(req, nav.target, relatedTo(nav, id), `${entity.EntitySetName}(${id})/${name}`);
    only(req, ['select', 'expand']); // one row: $filter, $orderby, $top, $count would be ignored
    // An owner (ownerid) is a user or a team: each table is tried in turn (firstBranch).
    const answer = await this.firstBranch(nav, async (branch) => {
      const plan = this.related(req, branch, relatedTo(branch, id), { select: req.query.select, expand: req.query.expand });
      const found = await this.readOne(req, plan);
      return found ? this.entityAnswer(req, plan, found) : undefined;
    });
    return answer ?? this.noRelatedRow(entity, id, nav);
  }

  /**
   * The answer of a GET of `/<set>(<id>)/<property>` (digest §2.2): 200 `{"@odata.context": …,
   * "value": …}` with `headers`, or 204 when the value is null (OData Protocol §11.2.6: a null
   * property answers no content). Throws propertyValue's 404 for a missing row.
   */
  private async propertyAnswer(req: ODataRequest, entity: EntityModel, id: string, attribute: AttributeModel, headers: Record<string, string>): Promise<HttpResponse> {
    const value = await this.propertyValue(req, entity, id, attribute);
    if (value === null) return { status: 204, headers: {} };
    return json(200, { '@odata.context': `${req.serviceRoot}$metadata#${entity.EntitySetName}(${id})/${attribute.PropertyName}`, value: jsonValue(attribute, value) }, headers, req.metadata);
  }

  /**
   * The row `<set>(<id>)/<name>[(<key>)]` addresses, for a path that goes on past it (OData URL
   * Conventions §4.4): through a single-valued navigation property, the row its lookup points
   * at; through a collection-valued one, the related row that `key` (a GUID or an alternate key of
   * the target table) names. Throws 404 `0x80040217` when row `id` or the keyed row does not
   * exist or the keyed row is not related to row `id`, 404 `0x8006088a` for an unknown `name` (or,
   * when `name` is a property without a key, for `next`, the segment that cannot follow it) or an
   * empty lookup, 400 for a key on a single-valued property or none on a collection, and the
   * caller's read refusals (403) for either row.
   */
  private async through(entity: EntityModel, id: string, name: string, key: string | undefined, next: string): Promise<{ entity: EntityModel; id: string }> {
    const nav = this.navigation(entity, name, key === undefined ? next : undefined);
    await this.parentRow(entity, id);
    const target = nav.target;
    let childId: string | undefined;
    if (nav.kind === 'single') {
      if (key !== undefined) throw Errors.badQuery(`'${name}' is a single-valued navigation property; it takes no key.`);
    } else {
      if (key === undefined) throw Errors.badQuery(`'${name}' is a collection: name one of its records by key, as ${name}(<id>), to address it further.`);
      const child = rowKey(key);
      childId = child.id ?? await this.keyedId(target, child.alternateKey);
    }
    const related = await this.firstBranch(nav, async (branch) => {
      const pk = branch.target.attributesByName.get(branch.target.PrimaryIdAttribute)!;
      const read = await executeRead(this.db, { ...restrict(planRead(branch.target, { select: [pk.PropertyName] }, { returnRepresentation: false }, childId, this.context), relatedTo(branch, id)), limit: 1, paged: false });
      const found = read.rows[0]?.[read.columns.indexOf(pk)];
      return typeof found === 'string' ? { entity: branch.target, id: found } : undefined;
    });
    if (related) return related;
    if (childId === undefined) {
      await this.noRelatedRow(entity, id, nav);
      throw Errors.resourceNotFound(name);
    }
    await this.parentRow(target, childId);
    throw Errors.notLinked(target.LogicalName, childId, entity.LogicalName, id, name);
  }

  /**
   * The value of column `attribute` of row `id`, for a GET of the property or its `$value`, which
   * take no query options (400). Throws 404 `0x80040217` when there is no such row, and the
   * caller's read refusals.
   */
  private async propertyValue(req: ODataRequest, entity: EntityModel, id: string, attribute: AttributeModel): Promise<Value> {
    only(req, []);
    const read = await executeRead(this.db, planRead(entity, { select: [attribute.PropertyName] }, req.prefer, id));
    const row = read.rows[0];
    if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
    return row[read.columns.indexOf(attribute)]!;
  }

  /**
   * When the caller's privileges are checked: throws unless it may read row `id` of `entity` (403
   * `0x80040220` without the privilege, `0x80048306` for a row outside its depth). A row that does
   * not exist passes.
   */
  private async mayRead(entity: EntityModel, id: string): Promise<void> {
    if (this.db.security) await executeRead(this.db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id));
  }

  /**
   * Before rows are read through row `id`'s navigation properties: throws 404 `0x80040217` when
   * there is no such row to read (a retained one included), as a GET of the row would (digest
   * §2.2), and mayRead's refusals.
   */
  private async parentRow(entity: EntityModel, id: string): Promise<void> {
    const read = await executeRead(this.db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id));
    if (!read.rows.length) throw Errors.recordNotFound(entity.LogicalName, id);
  }

  /**
   * The answer when row `id`'s single-valued `nav` led to no row: 204, unless the caller's
   * privileges hid the row its lookup points at (then mayRead's 403).
   */
  private async noRelatedRow(entity: EntityModel, id: string, nav: NavigationPropertyModel): Promise<HttpResponse> {
    const lookup = entity.lookupsByNavigation.get(nav.Name);
    if (this.db.security && lookup) {
      const read = planRead(entity, { select: [lookup.PropertyName] }, { returnRepresentation: false }, id);
      const [row] = (await executeRead(this.trusted(), read)).rows;
      const value = row?.[read.columns.indexOf(lookup)];
      if (typeof value === 'string') await this.mayRead(nav.target, value);
    }
    return { status: 204, headers: {} };
  }

  /**
   * The id of the row key predicate `predicate` (`<primary key>=<id>` or an alternate key, digest
   * §2.2) names. Throws 400 for a predicate that is no key of `entity`, 404 `0x80040217` when no
   * row has the key.
   */
  private async keyedId(entity: EntityModel, predicate: string): Promise<string> {
    const named = namedPrimaryKey(entity, predicate);
    if (named) return named;
    const { key, values } = planAlternateKey(entity, predicate);
    const id = await findByKey(this.db, this.db, entity, key, values);
    if (!id) throw Errors.keyNotFound(entity.LogicalName);
    return id;
  }

  /** A record URL with an alternate key as its row's id URL (see store/keyed-urls.ts). */
  private keyedUrl(url: string): Promise<string> {
    return resolveKeyedUrl(this.db, this.db, this.model, url);
  }

  /** A body with its alternate-key `@odata.bind` URLs as id URLs (see store/keyed-urls.ts). */
  private keyedBinds(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return resolveKeyedBinds(this.db, this.db, this.model, body);
  }

  /**
   * The navigation property `name` of `entity`. Throws 404 `0x8006088a` naming `name`, or, when
   * `name` is a property and `next` the segment the path goes on with, naming `next`: a property
   * exists, and it is what follows it that cannot be there.
   */
  private navigation(entity: EntityModel, name: string, next?: string): NavigationPropertyModel {
    const nav = entity.navigation.get(name);
    if (!nav) throw Errors.resourceNotFound(next !== undefined && entity.attributesByProperty.has(name) ? next : name);
    return nav;
  }

  /** The read of the row a single-valued navigation property leads to (at most one). */
  private related(req: ODataRequest, nav: NavigationPropertyModel, link: PlanExpr, query: QueryOptions): ReadPlan {
    return restrict(planRead(nav.target, query, req.prefer, undefined, this.context, true), link);
  }

  /**
   * `$ref` (digest §2.2, §2.5). GET reads references: `{"@odata.context":"…$metadata#$ref",
   * "@odata.id":…}` for a single-valued property (204 when empty), a paged `value` array of them
   * for a collection. Writes associate and disassociate through any relationship (see
   * plan/associate.ts): `PUT`/`DELETE <set>(<id>)/<single>/$ref`, `POST <set>(<id>)/<collection>/$ref`,
   * `DELETE <set>(<id>)/<collection>(<child>)/$ref` (or `…/$ref?$id=<url>`), 404 when the row is
   * not associated. Body: `{"@odata.id":"<url of the related row>"}`.
   */
  private async reference(req: ODataRequest, entity: EntityModel, id: string, name: string, childId?: string): Promise<HttpResponse> {
    const nav = this.navigation(entity, name, childId === undefined ? '$ref' : undefined);
    if (req.method === 'GET') {
      if (childId !== undefined) throw Errors.badQuery(`GET '${name}(<id>)/$ref' is not supported; read '${name}/$ref'.`);
      return this.readReferences(req, entity, nav, id);
    }
    const relatedId = async () => {
      const body = parseBody(entity, req.body);
      const url = body['@odata.id'];
      // Annotations may come along (OData JSON §13); a property would be data the link cannot take.
      if (typeof url !== 'string' || Object.keys(body).some((k) => !k.startsWith('@'))) {
        throw Errors.payload(entity.EntitySetName, 'The body of a $ref request is {"@odata.id": "<url of the related record>"}.');
      }
      return resolveBind(this.model, nav, await this.keyedUrl(url));
    };
    if (nav.kind === 'single') {
      if (childId !== undefined) throw Errors.badQuery(`'${name}' is single-valued; its $ref takes no key.`);
      // The source row's lookup is written: If-Match and If-None-Match's ETags condition it as they
      // do a PATCH of the row; If-None-Match: * refuses it whenever the row exists.
      const conditions = { ifMatch: req.ifMatch ?? '*', ifNoneMatch: req.ifNoneMatch };
      if (req.method === 'PUT') {
        // An owner's `$ref` names a user or a team: the bind goes to that table (planAssociate).
        const related = await relatedId();
        await executeWrite(this.db, planAssociate(this.model, this.caller, nav, id, related.id, conditions, related.entity));
      }
      else if (req.method === 'DELETE') await executeWrite(this.db, planDisassociate(this.model, this.caller, nav, id, undefined, conditions));
      else throw Errors.methodNotAllowed(req.method, `the single-valued $ref '${name}'`, ['GET', 'PUT', 'DELETE']);
      return { status: 204, headers: {} };
    }
    if (req.method === 'POST') {
      if (childId !== undefined) throw Errors.badQuery(`POST to '${name}/$ref' takes the related record in the body.`);
      await executeWrite(this.db, planAssociate(this.model, this.caller, nav, id, (await relatedId()).id));
      return { status: 204, headers: {} };
    }
    if (req.method !== 'DELETE') throw Errors.methodNotAllowed(req.method, `the collection $ref '${name}'`, ['GET', 'POST', 'DELETE']);
    let target = childId;
    if (target === undefined && req.query.id !== undefined) {
      target = resolveBind(this.model, nav, await this.keyedUrl(req.query.id)).id;
    }
    if (!target) throw Errors.badQuery(`DELETE on '${name}/$ref' needs the related record: ${name}(<id>)/$ref or $ref?$id=<url>.`);
    await executeWrite(this.db, planDisassociate(this.model, this.caller, nav, id, target));
    return { status: 204, headers: {} };
  }

  /**
   * What `read` finds through the first of `nav`'s branches (singleBranches: a lookup's one table,
   * an owner's user, then its team) that finds anything, or undefined. A branch whose table the
   * caller may not read (403 `0x80040220`) is passed over, as the row may be another branch's (a
   * caller reading teams but not users, on a team-owned row); that refusal is thrown when no other
   * branch finds the row.
   */
  private async firstBranch<T>(nav: NavigationPropertyModel, read: (branch: NavigationPropertyModel) => Promise<T | undefined>): Promise<T | undefined> {
    let refused: ServiceError | undefined;
    for (const branch of singleBranches(nav)) {
      try {
        const found = await read(branch);
        if (found !== undefined) return found;
      } catch (err) {
        if (!(err instanceof ServiceError && err.status === 403 && err.code === '0x80040220')) throw err;
        refused ??= err;
      }
    }
    if (refused) throw refused;
    return undefined;
  }

  /** `GET <set>(<id>)/<nav>/$ref`: the related rows' URLs (digest §2.2). */
  private async readReferences(req: ODataRequest, entity: EntityModel, nav: NavigationPropertyModel, id: string): Promise<HttpResponse> {
    await this.parentRow(entity, id);
    const ref = (target: EntityModel) => (row: readonly Value[]) => ({ '@odata.id': entityId(req.serviceRoot, target.EntitySetName, row[0] as string) });
    if (nav.kind === 'collection') {
      only(req, ['filter', 'orderBy', 'top', 'skipToken', 'aliases']);
      return this.readCollection(req, nav.target, relatedTo(nav, id), `${entity.EntitySetName}(${id})/${nav.Name}/$ref`, ref(nav.target));
    }
    only(req, []);
    const answer = await this.firstBranch(nav, async (branch) => {
      const result = await executeRead(this.db, this.related(req, branch, relatedTo(branch, id), { select: [branch.target.PrimaryIdAttribute] }));
      const row = result.rows[0];
      return row ? json(200, { '@odata.context': `${req.serviceRoot}$metadata#$ref`, ...ref(branch.target)(row) }, {}, req.metadata) : undefined;
    });
    return answer ?? this.noRelatedRow(entity, id, nav);
  }

  /**
   * A collection read (a set, or the rows related through `link`, below the URL path `path`).
   * With `ref`, rows are written as references (`Collection($ref)`) with the primary key alone.
   */
  private async readCollection(req: ODataRequest, entity: EntityModel, link?: PlanExpr, path?: string, ref?: (row: readonly Value[]) => object): Promise<HttpResponse> {
    // $id names the link a DELETE of a collection's $ref removes; a read would ignore it.
    if (req.query.id !== undefined) throw invalidOption(req, 'id');
    if (link || ref) refuseChangeTracking(req, entity, 'A read of related rows');
    else if (asksForChanges(req.query, req.prefer)) return answerChanges(this.db, req, await this.planChanges(req, entity), this.context.clock());
    if (req.query.apply && !ref) return this.aggregate(req, entity, link);
    const base = planRead(entity, ref ? { ...req.query, select: [entity.PrimaryIdAttribute] } : req.query, req.prefer, undefined, this.context);
    const plan = link ? restrict(base, link) : { ...base, expand: linkCollections(base.expand) };
    const result = await executeRead(this.db, plan);
    const write = ref ?? entityWriter(plan, result.columns, req.serviceRoot, undefined, req.metadata);
    const body = collectionHead(req.serviceRoot, plan, result);
    if (ref) body['@odata.context'] = `${req.serviceRoot}$metadata#Collection($ref)`;
    body['value'] = result.rows.map(write);
    if (result.hasMore) body['@odata.nextLink'] = nextLink(req.serviceRoot, plan, req.rawQuery, result.columns, result.rows[result.rows.length - 1]!, path);
    const applied = preferenceApplied(plan, req.prefer.includeAnnotations);
    return json(200, body, applied ? { 'Preference-Applied': applied } : {}, req.metadata);
  }

  /**
   * Plans a page of changes of `entity` (plan/changes.ts), delta tokens valid for the
   * organization's ExpireChangeTrackingInDays (DEFAULT_EXPIRE_CHANGE_TRACKING_DAYS when unset).
   */
  private async planChanges(req: ODataRequest, entity: EntityModel): Promise<ChangesPlan> {
    const organization = this.model.byLogicalName.get(ORGANIZATION)!;
    const read = planRead(organization, { select: ['expirechangetrackingindays'] }, { returnRepresentation: false }, this.caller.organizationid);
    // The organization's setting, not a read of the caller's: past the caller's privileges.
    const [row] = (await executeRead(this.trusted(), read)).rows;
    const days = row?.[read.columns.findIndex((a) => a.LogicalName === 'expirechangetrackingindays')];
    return planChanges(entity, req.query, req.prefer, this.context, typeof days === 'number' ? days : DEFAULT_EXPIRE_CHANGE_TRACKING_DAYS);
  }

  /** `GET /<set>?$apply=…` (digest §3.7): grouped and aggregated rows, computed in one SQL statement. */
  private aggregate(req: ODataRequest, entity: EntityModel, link?: PlanExpr): Promise<HttpResponse> {
    return this.aggregateResponse(req, planApply(entity, req.query, req.prefer, functionContext(this.context), this.aggregateRecordLimit, link));
  }

  /** Runs an aggregate plan ($apply or FetchXML) and answers its groups (digest §3.7). */
  private async aggregateResponse(req: ODataRequest, plan: AggregatePlan): Promise<HttpResponse> {
    const rows = await executeAggregate(this.db, plan);
    const applied = preferenceApplied(plan, req.prefer.includeAnnotations);
    return json(200, aggregateBody(req.serviceRoot, plan, rows), applied ? { 'Preference-Applied': applied } : {}, req.metadata);
  }

  /**
   * `GET /<set>?fetchXml=…` (digest §3.8), or `?savedQuery=<id>` / `?userQuery=<id>` (the FetchXML
   * of that view, predefinedFetchXml): parse → plan → the same read as OData → FetchXML's response
   * shape; `aggregate="true"` queries → the same aggregate as `$apply`, answered with the aliases
   * as keys. Only `$count` may accompany it (as `returntotalrecordcount`); `option` names the
   * query option in errors.
   */
  private async readFetch(req: ODataRequest, entity: EntityModel, option: FetchOption): Promise<HttpResponse> {
    refuseChangeTracking(req, entity, `The "${option}" query parameter`);
    for (const other of ['select', 'filter', 'orderBy', 'top', 'skipToken', 'expand', 'apply'] as const) {
      if (req.query[other] !== undefined) throw Errors.badQuery(`The query option '$${other.toLowerCase()}' cannot be combined with ${option}.`);
    }
    const view = req.query.predefinedQuery;
    if (view && req.query.fetchXml !== undefined) throw Errors.badQuery(`The query option 'fetchXml' cannot be combined with ${view.option}.`);
    const fetch = parseFetchXml(view ? await this.predefinedFetchXml(view, entity) : req.query.fetchXml!);
    const context = await fiscalContext(this.context, this.db, fetchNamesFiscal(fetch));
    if (fetch.aggregate) return this.aggregateResponse(req, planFetchAggregate(entity, fetch, { ...context, now: context.clock() }, req.prefer, req.query.count === true, this.aggregateRecordLimit));
    const plan = planFetch(entity, fetch, { ...context, now: context.clock() }, req.prefer, { count: req.query.count === true });
    const result = await executeRead(this.db, plan.read);
    return fetchResponse(req.serviceRoot, plan, result, req.prefer.includeAnnotations, req.metadata);
  }

  /**
   * The FetchXML of the savedquery or userquery row `view` names, read as the caller (Dataverse
   * "Retrieve and execute predefined queries"). Throws 404 `0x80040217` when there is no such row
   * (or its table is not served), the read's own 403 when the caller may not read it, and 400
   * `0x80040203` when it is a view of a table other than `entity`.
   */
  private async predefinedFetchXml(view: NonNullable<QueryOptions['predefinedQuery']>, entity: EntityModel): Promise<string> {
    const views = this.model.byLogicalName.get(view.table);
    if (!views) throw Errors.recordNotFound(view.table, view.id);
    const read = await executeRead(this.db, planRead(views, { select: ['returnedtypecode', 'fetchxml'] }, { returnRepresentation: false }, view.id, this.context));
    const [row] = read.rows;
    if (!row) throw Errors.recordNotFound(view.table, view.id);
    const [table, fetchXml] = row as [string | null, string | null];
    if (table !== entity.LogicalName) {
      throw Errors.invalidArgument(`The ${view.table} '${view.id}' is a view of '${table}', not of '${entity.LogicalName}' (the entity set '${entity.EntitySetName}').`);
    }
    return fetchXml ?? '';
  }

  /** Reads one row for a single-entity response (context first); undefined when it does not exist. */
  private async readOne(req: ODataRequest, plan: ReadPlan): Promise<{ body: Record<string, unknown>; etag: string } | undefined> {
    const result = await executeRead(this.db, plan);
    const row = result.rows[0];
    if (!row) return undefined;
    const body = entityWriter(plan, result.columns, req.serviceRoot, contextUrl(req.serviceRoot, plan, true), req.metadata)(row);
    return { body, etag: body['@odata.etag'] as string };
  }

  /**
   * The written row for `Prefer: return=representation` (digest §2.1, §2.3): `$select` and
   * `$expand` of the request URL apply (Dataverse documents `$expand` for POST; PATCH honours it
   * here too rather than ignoring it).
   */
  private representationPlan(req: ODataRequest, entity: EntityModel, id: string): ReadPlan {
    return planRead(entity, { select: req.query.select, expand: req.query.expand }, req.prefer, id, this.context);
  }

  private async representation(req: ODataRequest, entity: EntityModel, id: string, status: number, rowUrl: string): Promise<HttpResponse> {
    const plan = this.representationPlan(req, entity, id);
    const found = await this.readOne(req, plan);
    if (!found) throw Errors.recordNotFound(entity.LogicalName, id);
    const applied = ['return=representation', preferenceApplied(plan, req.prefer.includeAnnotations)].filter(Boolean).join(',');
    return { ...json(status, found.body, { 'Preference-Applied': applied, ETag: found.etag }, req.metadata), rowUrl };
  }

  private async retrieve(req: ODataRequest, entity: EntityModel, id: string): Promise<HttpResponse> {
    const plan = planRead(entity, req.query, req.prefer, id, this.context);
    const found = await this.readOne(req, plan);
    if (!found) throw Errors.recordNotFound(entity.LogicalName, id);
    return this.entityAnswer(req, plan, found);
  }

  /**
   * The answer to a GET of one row (by key, or through a single-valued navigation property):
   * 200 with its `ETag` and the preferences applied, or 304 when If-None-Match is `*` (the row
   * exists) or lists its ETag (RFC 9110 §13.1.2), never when annotations or expansions were asked
   * for (digest §2.2).
   */
  private entityAnswer(req: ODataRequest, plan: ReadPlan, found: { body: Record<string, unknown>; etag: string }): HttpResponse {
    const unchanged = req.ifNoneMatch === '*' || req.ifNoneMatch?.some((v) => etag(v) === found.etag);
    if (!plan.annotations && !plan.expand.length && unchanged) return { status: 304, headers: { ETag: found.etag } };
    const applied = preferenceApplied(plan, req.prefer.includeAnnotations);
    return json(200, found.body, applied ? { ETag: found.etag, 'Preference-Applied': applied } : { ETag: found.etag }, req.metadata);
  }

  /**
   * `POST /<set>` (digest §2.1): 204 with `OData-EntityId`, or 201 with the row under
   * `Prefer: return=representation`. `link` adds to the parsed body what the URL implies (the
   * bind back to the parent row of a POST to a collection-valued navigation property).
   */
  private async create(req: ODataRequest, entity: EntityModel, link = (body: Record<string, unknown>) => body): Promise<HttpResponse> {
    only(req, ['select', 'expand']);
    const plan = planCreate(this.model, entity, await this.keyedBinds(link(parseBody(entity, req.body))), this.caller);
    this.representationPlan(req, entity, plan.id); // reject a bad $select or $expand before writing
    return this.writeAnswering(req, plan, async (service, { id }) => {
      const location = entityId(req.serviceRoot, entity.EntitySetName, id);
      if (req.prefer.returnRepresentation) return service.representation(req, entity, id, 201, location);
      return { status: 204, headers: { 'OData-EntityId': location } };
    });
  }

  /**
   * `PATCH`: update or upsert. `location` is the `OData-EntityId` to answer (the key form when the
   * row was addressed by an alternate key). With `key`, the alternate key the URL named the row
   * by: the row is updated without the body's values for the key's columns and created with the
   * key's values unless the body sets them (upsertBodies), whichever the transaction ends up doing.
   */
  private async update(req: ODataRequest, entity: EntityModel, id: string, location = entityId(req.serviceRoot, entity.EntitySetName, id), key?: AlternateKeyValue): Promise<HttpResponse> {
    only(req, ['select', 'expand']);
    const body = await this.keyedBinds(parseBody(entity, req.body));
    const bodies = key ? upsertBodies(entity, key.key, key.values, body) : { update: body, create: () => body };
    const plan = planUpdate(this.model, entity, id, bodies.update, this.caller, req.ifMatch, req.ifNoneMatch, bodies.create);
    this.representationPlan(req, entity, id);
    return this.writeAnswering(req, plan, async (service, { created }) => {
      if (req.prefer.returnRepresentation) return service.representation(req, entity, id, created ? 201 : 200, location);
      return { status: 204, headers: { 'OData-EntityId': location } };
    });
  }

  /**
   * A row addressed by an alternate key, `/<set>(key1='a',key2=1)` (digest §2.2, §2.3): GET, PATCH
   * (upsert: a missing row is created with the key values unless the body sets them, a row found
   * is updated without the body's values for the key's columns; `OData-EntityId` echoes the key form)
   * and DELETE. Throws 400 for a predicate that is no key of the table, 404 `0x80040217` when no
   * row has the key (GET, DELETE, PATCH with If-Match), and the retryable 503 `0x80044150` for an
   * upsert whose create loses the key to concurrent writes KEY_RACE_ATTEMPTS times running.
   */
  private async byAlternateKey(req: ODataRequest, entity: EntityModel, predicate: string): Promise<HttpResponse> {
    const named = namedPrimaryKey(entity, predicate);
    if (named) return this.dispatch({ ...req, resource: { kind: 'entity', entitySet: entity.EntitySetName, id: named } }, '');
    const alternate = planAlternateKey(entity, predicate);
    const { key, values } = alternate;
    const id = await findByKey(this.db, this.db, entity, key, values);
    const missing = () => Errors.keyNotFound(entity.LogicalName);
    const location = entityId(req.serviceRoot, entity.EntitySetName, predicate);
    switch (req.method) {
      case 'GET':
        if (!id) throw missing();
        // A row the key finds but reads cannot see (retained) is missing by its key, too.
        return this.retrieve(req, entity, id).catch((err: unknown) => {
          throw err instanceof ServiceError && err.status === 404 ? missing() : err;
        });
      case 'PATCH': {
        // Upserts of one key at once: each one whose create loses to another's (412 on the key's
        // unique index) looks the key up again and updates the row the other made. That includes
        // an upsert that found a row: a concurrent DELETE may remove it before the write, which then
        // creates the row and may meet another upsert's create just the same.
        for (let attempt = 1, found = id; ; attempt++, found = await findByKey(this.db, this.db, entity, key, values)) {
          if (!found && req.ifMatch !== undefined) throw missing();
          // Create only, and the key names a row: its primary key's clash (the insert would break
          // the alternate key's index as well, which a database may report first).
          if (found && req.ifNoneMatch === '*') throw Errors.duplicateRecord();
          try {
            // A row found may be gone by the time the write runs (a concurrent DELETE): the create
            // it then becomes carries the key's values too.
            const given = found ? undefined : givenPrimaryKey(entity, parseBody(entity, req.body));
            return await this.update(req, entity, found ?? given ?? sequentialGuid(), location, alternate);
          } catch (err) {
            if (!isDuplicateKey(err)) throw err;
            // Still losing the URL's key values to concurrent writes: the retryable conflict, never
            // a 412 for a key the request only names. A clash of values the body sets is its own.
            if (attempt >= KEY_RACE_ATTEMPTS) throw lostKeyRace(entity, key, parseBody(entity, req.body), err) ? Errors.writeConflict(attempt) : err;
          }
        }
      }
      case 'DELETE':
        if (!id) throw missing();
        return this.delete(req, entity, id);
      default: throw Errors.methodNotAllowed(req.method, `a record of '${entity.EntitySetName}'`, ['GET', 'PATCH', 'DELETE']);
    }
  }

  private async delete(req: ODataRequest, entity: EntityModel, id: string): Promise<HttpResponse> {
    only(req, []);
    await executeDelete(this.model, this.db, planDelete(entity, id, req.ifMatch, this.caller, req.ifNoneMatch), this.caller);
    return { status: 204, headers: {} };
  }
}

/**
 * Throws 415 for a request body declared as anything but JSON (`application/json` or `text/json`,
 * with any parameters); a body without a Content-Type is read as JSON, as clients such as curl
 * leave it out. The `$batch` body (multipart/mixed) is checked by parseBatch.
 */
function refuseOtherMediaTypes(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') return;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/json') throw Errors.unsupportedMediaType(type);
}
