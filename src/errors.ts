import { crmDateTimeText, DATE_TIME_MAX, DATE_TIME_MIN } from './model/date-time-range.js';

/**
 * Dataverse error envelope and the error catalogue every stage raises from.
 *
 * Wire shape: `{"error":{"code":"0x…","message":"…"}}` with the HTTP status Dataverse uses
 * (digest §5.1–5.3). `code` is the platform hex code, `0x0` for OData-layer errors.
 */
export class ServiceError extends Error {
  /**
   * @param status HTTP status (400, 404, 405, 412, 413, 500, 501 …)
   * @param code Dataverse hex error code, e.g. `0x80040217`
   * @param message client-facing text; never a stack trace
   * @param headers response headers the status calls for, e.g. `Allow` on a 405 (RFC 9110 §15.5.6)
   * @param cause the fault behind it, for the log only (a database's refusal): never sent
   */
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Readonly<Record<string, string>> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServiceError';
  }

  /**
   * The JSON body Dataverse sends for this error; `annotations` (errorAnnotations: the
   * `@Microsoft.PowerApps.CDS.*` members a request asked for) follow code and message.
   */
  toJSON(annotations: Record<string, string> = {}): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message, ...annotations } };
  }
}

const PAYLOAD_PREFIX = (set: string) =>
  `Error identified in Payload provided by the user for Entity :'${set}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: `;

/**
 * Whether `err` says a row with those key values exists: 412 `0x80040237` (a primary key,
 * Errors.duplicateRecord) or 412 `0x80060892` (an alternate key, Errors.duplicateEntityKey).
 */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof ServiceError && err.status === 412 && (err.code === '0x80040237' || err.code === '0x80060892');
}

/**
 * Whether `err` is the 412 `0x80060892` of alternate key `key` (Errors.duplicateEntityKey), not of
 * another key of the table or of its primary key.
 */
export function isEntityKeyClash(err: unknown, key: { readonly LogicalName: string; readonly KeyAttributes: ReadonlyArray<{ readonly LogicalName: string }> }): boolean {
  return err instanceof ServiceError && err.code === '0x80060892' && err.message === Errors.duplicateEntityKey(key.LogicalName, key.KeyAttributes.map((a) => a.LogicalName)).message;
}

/** Factories for the errors of digest §5.3, one per situation; each returns a ServiceError. */
export const Errors = {
  /** 404 `0x8006088a`: unknown entity set, operation or path segment. */
  resourceNotFound: (segment: string) =>
    new ServiceError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`),
  /**
   * 400 `0x8006088a`: a URL path segment that opens a parenthesis it does not close as its last
   * character (`WhoAmI(`, `<fn>(a=1`). ODL's path parser refuses it with its syntax error
   * (ODataPathParser.ExtractSegmentIdentifierAndParenthesisExpression, ExceptionUtil.CreateSyntaxError,
   * a 400), which Dataverse answers with the path errors' code (bguidinger/Xrm.ReportScheduler#8).
   */
  pathSyntax: () => new ServiceError(400, '0x8006088a', 'Bad Request - Error in query syntax.'),
  /** 404 `0x80040217`: no row with that key. */
  recordNotFound: (logicalName: string, id: string) =>
    new ServiceError(404, '0x80040217', `${logicalName} With Id = ${id} Does Not Exist`),
  /**
   * 404 `0x80040217`: removing a link (`DELETE …/<collection>(<id>)/$ref`) between rows that both
   * exist but are not linked through `navigation` (digest §2.5: a missing link is 404).
   */
  notLinked: (target: string, targetId: string, source: string, sourceId: string, navigation: string) =>
    new ServiceError(404, '0x80040217', `${target} With Id = ${targetId} is not linked to ${source} With Id = ${sourceId} through '${navigation}'`),
  /** 400 `0x80072491`: change tracking asked of a table whose ChangeTrackingEnabled is false (digest §10). */
  changeTrackingNotEnabled: (logicalName: string) =>
    new ServiceError(400, '0x80072491', `Entity ${logicalName} isn't enabled for change tracking.`),
  /**
   * 400 `0x80044352` ExpiredVersionStamp: a `$deltatoken` older than the organization's
   * ExpireChangeTrackingInDays (Dataverse web service error codes; the client must sync anew).
   */
  expiredVersionStamp: () =>
    new ServiceError(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.'),
  /** 404 `0x80040217`: no row has the alternate key values of the URL. */
  keyNotFound: (logicalName: string) =>
    new ServiceError(404, '0x80040217', `A record with the specified key values does not exist in ${logicalName} entity`),
  /** 404 `0x80040217`: UpdateMultiple on rows that do not exist (message as in the bulk operations doc). */
  recordsNotFound: (logicalName: string, ids: string) =>
    new ServiceError(404, '0x80040217', `${logicalName} With Ids = ${ids} Do Not Exist`),
  /** 404 `""`: an operation called with the wrong HTTP verb (digest §5.3). */
  noHttpResource: (url: string) =>
    new ServiceError(404, '', `No HTTP resource was found that matches the request URI '${url}'.`),
  /** 400: a bound operation called without its namespace (digest §1.7). */
  unresolvedParameters: () =>
    new ServiceError(400, '0x80040203', 'Request message has unresolved parameters.'),
  /**
   * 405: the verb is not allowed on this resource (e.g. PATCH on a collection); `Allow` lists those
   * it takes (RFC 9110 §15.5.6), with HEAD after GET: a HEAD is answered as a GET (Service.answer).
   */
  methodNotAllowed: (method: string, what: string, allowed: readonly string[]) =>
    new ServiceError(405, '0x80060888', `The HTTP method '${method}' is not allowed on ${what}.`, { Allow: allowed.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ') }),
  /**
   * 405 `0x80040227` CannotDeleteDueToAssociation: rows of a Restrict relationship still point at
   * the row being deleted (digest §2.4, §5.3; message as Dataverse's error list gives it).
   */
  deleteRestricted: () =>
    new ServiceError(405, '0x80040227', 'The object you tried to delete is associated with another object and cannot be deleted.'),
  /** 412 `0x80040237`: a row with that primary key exists already (create, If-None-Match: *). */
  duplicateRecord: () =>
    new ServiceError(412, '0x80040237', 'A record with matching key values already exists.'),
  /**
   * 412 `0x80060892` DuplicateRecordEntityKey: a write would give a row the values another row
   * holds for alternate key `key` (its LogicalName; `columns`, its columns' LogicalNames). Code and
   * text as Dataverse's web service error codes list them (data-service-error-codes.md); clients
   * tell an alternate key's clash from other 412s by this code.
   */
  duplicateEntityKey: (key: string, columns: readonly string[]) =>
    new ServiceError(412, '0x80060892', `Entity Key ${key} violated. A record with the same value for ${columns.join(', ')} already exists. A duplicate record cannot be created. Select one or more unique values and try again.`),
  /** 412 `0x80040237` DuplicateRecord: associating two rows of a many-to-many relationship that are linked already. */
  duplicateKey: () =>
    new ServiceError(412, '0x80040237', 'Cannot insert duplicate key.'),
  /** 400 `0x80040800`: a message the table does not support (Create, Update or Delete on an intersect table). */
  messageNotSupported: (message: string, logicalName: string) =>
    new ServiceError(400, '0x80040800', `The '${message}' method does not support entities of type '${logicalName}'.`),
  /**
   * 400 `0x80041d60` BusinessUnitIsNotDisabledAndCannotBeDeleted: a delete of a business unit that
   * is not disabled, the root one included (Dataverse web service error codes).
   */
  businessUnitNotDisabled: () =>
    new ServiceError(400, '0x80041d60', 'Not disabled business unit cannot be deleted.'),
  /** 400 `0x80041d61` BusinessUnitHasChildAndCannotBeDeleted: a delete of a business unit that has child units (Dataverse web service error codes). */
  businessUnitHasChild: () =>
    new ServiceError(400, '0x80041d61', 'Business unit has a child business unit and cannot be deleted.'),
  /**
   * 400 `0x80041d62` BusinessUnitDefaultTeamOwnsRecords: a delete of a business unit whose default
   * team owns rows (Dataverse web service error codes).
   */
  businessUnitDefaultTeamOwnsRecords: (id: string) =>
    new ServiceError(400, '0x80041d62', `Business unit default team owns records. Business unit (Id = ${id}) cannot be deleted. Reassign the records owned by default team and try again.`),
  /**
   * 400 `0x80048307` CannotDeleteDefaultTeam: a delete of a business unit's default team
   * (Dataverse web service error codes).
   */
  defaultTeamNotDeletable: (teamId: string) =>
    new ServiceError(400, '0x80048307', `The default business unit team can't be deleted (TeamId = ${teamId}).`),
  /**
   * 400 `0x8004830B` CannotAddMembersToDefaultTeam / `0x8004830C` CannotRemoveMembersFromDefaultTeam:
   * membership of a default team follows the users' business unit; no client changes it (Dataverse
   * web service error codes).
   */
  defaultTeamMembers: (teamId: string, adding: boolean) => adding
    ? new ServiceError(400, '0x8004830B', `Can't add members to the default business unit team (TeamId = ${teamId}).`)
    : new ServiceError(400, '0x8004830C', `Can't remove members from the default business unit team (TeamId = ${teamId}).`),
  /** 412 `0x80060882`: If-Match names a version the row no longer has. */
  concurrencyMismatch: () =>
    new ServiceError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided."),
  /** 400 `0x0`: unknown property in `$select`, `$filter` or `$orderby`. */
  propertyNotFound: (property: string, logicalName: string) =>
    new ServiceError(400, '0x0', `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`),
  /** 400 `0x0`: unknown property in a request body. */
  invalidBodyProperty: (property: string, logicalName: string) =>
    new ServiceError(400, '0x0', `An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property '${property}' was found in entity 'Microsoft.Dynamics.CRM.${logicalName}'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.`),
  /** 400 `0x80048d19`: a body value of the wrong type or an unreadable body. */
  payload: (entitySetName: string, inner: string) =>
    new ServiceError(400, '0x80048d19', PAYLOAD_PREFIX(entitySetName) + inner),
  /** 400 `0x80090800` InvalidUrlForODataBindProperty: an `@odata.bind` value that names no target row. */
  invalidBindUrl: (value: string, property: string) =>
    new ServiceError(400, '0x80090800', `Invalid url value '${value}' for lookup property '${property}'.`),
  /** 400 `0x80044331`: string longer than MaxLength (text as in the Dataverse batch doc). */
  maxLength: (attribute: string, logicalName: string, max: number) =>
    new ServiceError(400, '0x80044331', `A validation error occurred.  The length of the '${attribute}' attribute of the '${logicalName}' entity exceeded the maximum allowed length of '${max}'.`),
  /**
   * 400 `0x8004432F`: a whole number sent as digits (`"9007199254740993"`) that no double holds
   * exactly: Tessera keeps whole numbers as JavaScript numbers, so it would store a neighbour.
   */
  inexactInteger: (attribute: string, logicalName: string, text: string) =>
    new ServiceError(400, '0x8004432F', `A validation error occurred. The value ${text} of '${attribute}' on record of type '${logicalName}' cannot be held exactly: past 9007199254740991 only whole numbers a double holds are kept.`),
  /** 400 `0x8004432F` (integers, doubles) or `0x80044330` (money, decimals): value outside MinValue/MaxValue. */
  outOfRange: (attribute: string, logicalName: string, value: number, min: number, max: number, money: boolean) =>
    new ServiceError(400, money ? '0x80044330' : '0x8004432F', `A validation error occurred. The value ${value} of '${attribute}' on record of type '${logicalName}' is outside the valid range. Accepted Values: ${min} to ${max}.`),
  /** 400 `0x8004431A`: choice value not in the column's options. */
  optionNotValid: (attribute: string, logicalName: string, value: number) =>
    new ServiceError(400, '0x8004431A', `A validation error occurred. The value ${value} of '${attribute}' on record of type '${logicalName}' is outside the valid range.`),
  /** 400 `0x80048408`: statuscode does not belong to the statecode (digest §6.5). */
  invalidStateStatus: (status: number | null, stateName: string, logicalName: string, id: string) =>
    new ServiceError(400, '0x80048408', `${status} is not a valid status code for state code ${logicalName}State.${stateName} on ${logicalName} with Id ${id}.`),
  /** 400 `0x8004F00E` InvalidStateTransition: the table enforces state transitions and this one is not allowed. */
  invalidStateTransition: (logicalName: string, from: string, to: string) =>
    new ServiceError(400, '0x8004F00E', `The status transition of ${logicalName} from ${from} to ${to} is not allowed by the table's state model (EnforceStateTransitions).`),
  /**
   * 400 `0x80040203` InvalidArgument: an update of a row marked for long-term retention
   * (`msft_datastate` = 1), which Dataverse treats as read-only. No documented code exists for this
   * case; InvalidArgument is the generic 400 of the platform's code→status map (digest §5.2).
   */
  retainedRecord: (logicalName: string, id: string) =>
    new ServiceError(400, '0x80040203', `The ${logicalName} record with Id = ${id} is retained (msft_datastate = 1) and cannot be updated; roll the retention back with RollbackRetain first.`),
  /**
   * 400 `0x80040239`: a date-time outside the range a DateTime column holds (model/date-time-range.ts),
   * at `ms` since the epoch. Below it, Dataverse's own text (as its Web API answers a value of
   * 0001-01-01, microsoft/coe-starter-kit#6417, its misspelling kept); above it, the same sentence
   * turned round (no Dataverse answer for that side is published). An instant no calendar writes
   * (NaN from date arithmetic that overflowed) gets a plain sentence naming the range.
   */
  dateTimeOutOfRange: (ms: number) => {
    const actual = crmDateTimeText(ms);
    const [min, max] = [crmDateTimeText(DATE_TIME_MIN), crmDateTimeText(DATE_TIME_MAX)];
    const text = actual === undefined ? `The date-time is outside the range supported by CrmDateTime, ${min} to ${max}.`
      : ms < DATE_TIME_MIN ? `DateTime is less than minumum value supported by CrmDateTime. Actual value: ${actual}, Minimum value supported: ${min}`
      : `DateTime is greater than maximum value supported by CrmDateTime. Actual value: ${actual}, Maximum value supported: ${max}`;
    return new ServiceError(400, '0x80040239', text);
  },
  /**
   * 400 `0x8004E023` AggregateQueryRecordLimit: an aggregate query would read more rows than the
   * limit (50,000 by default). Text from Dataverse's "Aggregate data using FetchXml" (2023-08); the
   * HTTP status is assumed (digest §12 item 7).
   */
  aggregateRecordLimit: () =>
    new ServiceError(400, '0x8004E023', 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.'),
  /**
   * 400 `0x80040203`: an aggregate's sum or average left the range of a number on the database
   * (values past their column's bounds, stored before the bounds were narrowed), or the range of
   * its column's type (Int64; numeric(38,p) for Decimal and Money), where SQL Server fails with
   * arithmetic overflow 8115. Dataverse's own answer is not documented; the code is its generic
   * invalid argument, the text Tessera's.
   */
  aggregateOverflow: () =>
    new ServiceError(400, '0x80040203', 'An aggregate value is out of the range of a number; aggregate fewer rows or smaller values.'),
  /**
   * 400 `0x80040203` InvalidArgument: an alternate key value that, compared as `$filter` compares
   * text (SQLite, whose key index folds A–Z alone), matches more than one row of `logicalName`.
   */
  ambiguousKey: (logicalName: string, keyName: string) =>
    new ServiceError(400, '0x80040203', `The value of key '${keyName}' matches more than one ${logicalName} record when compared ignoring case; name the record by its exact key value or by its id.`),
  /**
   * 400 `0x80040507` (AccountLoopBeingCreated, Dataverse's web service error codes): making row
   * `parent` the parent of row `id` in its table's hierarchy would make a loop (plan/hierarchy-loops.ts).
   */
  hierarchyLoop: (tables: string, id: string, parent: string) =>
    new ServiceError(400, '0x80040507', `Creating this parental association would create a loop in ${tables} hierarchy: ${parent} is ${id === parent ? 'the record itself' : `the record ${id} or one of the records below it`}.`),
  /** 400 `0x80040203`: generic invalid argument with a free text (also malformed FetchXML). */
  invalidArgument: (message: string) => new ServiceError(400, '0x80040203', message),
  /**
   * 400 `0x80044a02` (unManagedidsattachmentinvalidfilesize): a file larger than its File column's
   * MaxSizeInKB (Dataverse "Use file column data", "Check maximum file size").
   */
  fileTooBig: () => new ServiceError(400, '0x80044a02', 'Attachment file size is too big.'),
  /**
   * 400 `0x80072553` ProcessImageFailure: an image that is not one of the image file types, or
   * larger than its column's MaxSizeInKB (Dataverse "Use image column data", "Image file types",
   * "Maximum image size"; `reason` is the text after "Reason: ").
   */
  processImageFailure: (reason: string) => new ServiceError(400, '0x80072553', `Error occured when processing image. Reason: ${reason}`),
  /**
   * 400 `0x80090487` CannotUploadNonPrimaryImageAttributeOnCreate: a create that sets an Image
   * column other than its table's primary image (Dataverse "Use image column data", "Only primary
   * images can be set for create").
   */
  nonPrimaryImageOnCreate: (column: string, entity: string) =>
    new ServiceError(400, '0x80090487', `Non-primary image attribute ${column} of entity ${entity} is not allowed to upload during Create operation.`),
  /**
   * 404 `0x80040217`: a download or delete of a File column that holds no file (Dataverse's
   * ObjectDoesNotExist, worded as it names the column and row; text not confirmed).
   */
  noFile: (column: string, id: string) => new ServiceError(404, '0x80040217', `No file attachment found for attribute: ${column} EntityId: ${id}.`),
  /**
   * 400 `0x80040203` (InvalidArgument): a file upload or download (`x-ms-transfer-mode`,
   * `x-ms-file-name`, `Range`, `size=full`, a `application/octet-stream` body) on a column that is
   * not a File column (text not confirmed).
   */
  notFileColumn: (column: string, entity: string) =>
    new ServiceError(400, '0x80040203', `The attribute '${column}' of entity '${entity}' is not a file attribute; files are uploaded to and downloaded from file columns only.`),
  /** 400 `0x80041102` QueryBuilderNoEntity: a FetchXML `entity`/`link-entity` names no table. */
  queryNoEntity: (logicalName: string) =>
    new ServiceError(400, '0x80041102', `The entity with a name = '${logicalName}' with namemapping = 'Logical' was not found in the MetadataCache.`),
  /** 400 `0x80041103` QueryBuilderNoAttribute: a FetchXML element names no column of its table. */
  queryNoAttribute: (logicalName: string, attribute: string) =>
    new ServiceError(400, '0x80041103', `'${logicalName}' entity doesn't contain attribute with Name = '${attribute}' and NameMapping = 'Logical'.`),
  /** 400 `0x8004430D`: more than 15 `link-entity` elements in one FetchXML query. */
  tooManyLinkEntities: () =>
    new ServiceError(400, '0x8004430D', 'Number of link entities in query exceeded maximum limit.'),
  /** 400 `0x80060888`: malformed or unsupported query option / URL syntax. */
  badQuery: (message: string) => new ServiceError(400, '0x80060888', message),
  /**
   * 415: a request body that is not JSON (OData Protocol §9.3; Dataverse's Web API reads JSON
   * only, digest §2).
   */
  unsupportedMediaType: (type: string) =>
    new ServiceError(415, '0x80060888', `The request's media type '${type}' is not supported; send the body as application/json.`),
  /** 501 `0x0`: a valid OData construct Tessera does not implement yet. */
  notImplemented: (what: string) =>
    new ServiceError(501, '0x0', `${what} is not supported by this service yet.`),
  /**
   * 429 `0x80072322`: service protection, more than `limit` requests by one user in the window
   * (Dataverse "Service protection API limits": 6,000 per 300 s).
   */
  requestLimit: (limit: number, seconds: number) =>
    new ServiceError(429, '0x80072322', `Number of requests exceeded the limit of ${limit} over time window of ${seconds} seconds.`),
  /**
   * 429 `0x80072321`: service protection, one user's requests ran longer than `limitMs` in all
   * in the window (Dataverse: 1,200,000 ms per 300 s).
   */
  executionTimeLimit: (limitMs: number, seconds: number) =>
    new ServiceError(429, '0x80072321', `Combined execution time of incoming requests exceeded limit of ${limitMs.toLocaleString('en-US')} milliseconds over time window of ${seconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`),
  /** 429 `0x80072326`: service protection, more than `limit` requests of one user at once (Dataverse: 52). */
  concurrencyLimit: (limit: number) =>
    new ServiceError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${limit}.`),
  /**
   * 401 `0x80044302` RequestIsNotAuthenticated: no bearer token, or one that is not valid
   * (signature, issuer, audience, lifetime); `reason` says which. Sent with `WWW-Authenticate`
   * (http/authentication.ts). Dataverse's 401 has no body; this one has its error JSON, as every
   * other error does.
   */
  notAuthenticated: (reason: string) =>
    new ServiceError(401, '0x80044302', `Request is not authenticated: ${reason}`),
  /** 401 `0x8005F101` AccessTokenExpired: the bearer token's `exp` has passed (Dataverse web service error codes). */
  tokenExpired: () =>
    new ServiceError(401, '0x8005F101', 'The requested resource requires authentication: the access token has expired.'),
  /**
   * 503 `0x80044302`: the issuer's signing keys could not be fetched, so no token can be checked
   * now; temporary.
   */
  signingKeysUnavailable: () =>
    new ServiceError(503, '0x80044302', "The issuer's signing keys could not be read, so the access token cannot be checked now; send the request again."),
  /**
   * 403 `0x80072560` UserNotMemberOfOrg: the token is valid but names an application that has no
   * application user (systemuser with its applicationid).
   */
  notAnOrganizationUser: (applicationId: string) =>
    new ServiceError(403, '0x80072560', `The user is not a member of the organization: no application user has applicationid ${applicationId}.`),
  /**
   * 403 `0x80072560`: a person's token whose object id is that of an application user (a row with
   * an applicationid): a person never signs in as one, or whoever made the row could plant an
   * application of theirs on a person's identity.
   */
  applicationUserRow: (objectId: string, systemuserid: string) =>
    new ServiceError(403, '0x80072560', `The user is not a member of the organization: the systemuser ${systemuserid} with azureactivedirectoryobjectid ${objectId} is an application user, which a person cannot sign in as.`),
  /**
   * 400 `0x80040225` (unManagedidsusernotenabled): the caller, or the user a request impersonates,
   * is disabled (systemuser.isdisabled). Message as Dataverse's runtime text; 400 as it answers.
   */
  userDisabled: (systemuserid: string, organizationid: string) =>
    new ServiceError(400, '0x80040225', `The user with SystemUserId=${systemuserid} in OrganizationContext=${organizationid} is disabled. Disabled users cannot access the system. Consider enabling this user.`),
  /**
   * 403 `0x80040220` PrivilegeDenied: the caller's roles do not hold privilege `name` (Dataverse's
   * runtime text, e.g. "Principal user (Id=…, type=8, roleCount=1, privilegeCount=12, …), is missing
   * prvReadOfficeDocument privilege (Id=…) on OTC=4490 for entity 'officedocument' …"; Tessera has
   * no object type codes). `table` is the table the privilege guards, when it guards one.
   */
  privilegeDenied: (userId: string, roleCount: number, privilegeCount: number, name: string, privilegeId: string, table?: { LogicalName: string; DisplayName: string }) =>
    new ServiceError(403, '0x80040220', `Principal user (Id=${userId}, type=8, roleCount=${roleCount}, privilegeCount=${privilegeCount}, accessMode='0 Read-Write'), is missing ${name} privilege (Id=${privilegeId})`
      + `${table ? ` for entity '${table.LogicalName}' (LocalizedName='${table.DisplayName}')` : ''}. context.Caller=${userId}. Consider adding missed privilege to one of the principal (user/team) roles.`),
  /**
   * 403 `0x8004F502` (AttributePrivilegeCreateIsMissing) or `0x8004F507`
   * (AttributePermissionUpdateIsMissingDuringUpdate): a create that gives secured column `column`
   * a value, or an update that sets it, by a caller whose field security profiles do not allow it
   * (Dataverse "Column-level security"; the update message as Dataverse words it, the create one in
   * the same words).
   */
  securedColumn: (userId: string, right: 'create' | 'update', column: string, table: string) =>
    new ServiceError(403, right === 'create' ? '0x8004F502' : '0x8004F507', `Caller user with Id ${userId} does not have ${right} permissions to a ${column} secured field on entity ${table}. The requested operation could not be completed.`),
  /**
   * 400 `0x8004F508` (AttributeNotSecured): a field permission for a column that is not secured
   * (or does not exist); the message of Dataverse's error code list ("Web service error codes").
   */
  notSecured: () =>
    new ServiceError(400, '0x8004F508', 'One or more fields are not enabled for field level security. Field level security is not enabled until you publish the customizations.'),
  /**
   * 403 `0x80048306`: the caller holds the privilege, but not at a depth that reaches row `id`
   * (owned by `ownerId`): Dataverse's "SecLib::AccessCheckEx failed. Returned hr = -2147187962, …"
   * with the AccessRights name, e.g. WriteAccess.
   */
  accessDenied: (userId: string, businessUnitId: string, table: string, id: string, ownerId: unknown, right: string) =>
    new ServiceError(403, '0x80048306', `SecLib::AccessCheckEx failed. Returned hr = -2147187962, ObjectID: ${id}, OwnerId: ${String(ownerId)}, OwnerIdType: 8 and CallingUser: ${userId}. ObjectTypeName: ${table}, objectBusinessUnitId: ${businessUnitId}, AccessRights: ${right} `),
  /**
   * 403 `0x80040220`: what only a System Administrator may do (`what`, e.g. "give the System
   * Administrator role"); Dataverse keeps that role from being changed, deleted or given by others.
   */
  /**
   * 403 `0x80040220`: the System Administrator role is changed or deleted, by anyone (Dataverse
   * keeps it: it cannot be modified or deleted); the service keeps it with every privilege.
   */
  keptRole: () =>
    new ServiceError(403, '0x80040220', 'The System Administrator role cannot be changed or deleted: the service keeps it, with every privilege at Global depth.'),
  /**
   * 400 `0x8004F50C` (AdminProfileCannotBeEditedOrDeleted, message of Dataverse's error code list):
   * the System Administrator field security profile is changed or deleted, by anyone (Dataverse:
   * "This profile is system managed and can't be updated or deleted"; the service keeps it:
   * security/field-profiles.ts). The status is not confirmed: Dataverse answers its faults other
   * than missing privileges and rows with 400.
   */
  keptProfile: () =>
    new ServiceError(400, '0x8004F50C', 'The System Administrator field security profile cannot be modified or deleted.'),
  notAdministrator: (userId: string, what: string) =>
    new ServiceError(403, '0x80040220', `Principal user (Id=${userId}, type=8) cannot ${what}: only a System Administrator can.`),
  /**
   * 403 `0x80040220`: a role may not get a privilege at a depth beyond the one its granter holds
   * it at (Dataverse refuses to let users give privileges they do not have).
   */
  grantBeyondOwn: (userId: string, name: string, depth: string) =>
    new ServiceError(403, '0x80040220', `Principal user (Id=${userId}, type=8) cannot give ${name} at ${depth} depth: it does not hold it at that depth.`),
  /** 413 `0x8004418A`: request body over the configured limit. */
  tooLarge: (limit: number) =>
    new ServiceError(413, '0x8004418A', `The request body exceeds the maximum allowed size of ${limit} bytes.`),
  /**
   * 503 `0x80044150`: a change tracking read waited `seconds` for writes that hold older row
   * versions to end, and they did not (a transaction left open): no token could be made that
   * would not skip them. Temporary; the code is writeConflict's, the SQL error family's.
   */
  writesStillOpen: (seconds: number) =>
    new ServiceError(503, '0x80044150', `Writes that began before this request were still open after ${seconds} seconds, so no change tracking token could be made; send it again.`),
  /**
   * 503 `0x80044150`: the request lost to concurrent requests on the same rows in each of its
   * `attempts` (PostgreSQL chose its transaction as a deadlock victim, or the row it writes kept
   * changing under it), so it was rolled back; it may simply be sent again. The code is Dataverse's
   * for a SQL deadlock (digest §6.3); 503 says the condition is temporary.
   */
  writeConflict: (attempts: number) =>
    new ServiceError(503, '0x80044150', `The request conflicted with concurrent requests in each of ${attempts} attempts and was rolled back; send it again.`),
  /**
   * 503 `0x80044150`: the database could not be reached, or ended the request's session (it was
   * stopped or restarted, the connection was killed or lost, it refused the login or took too long
   * to accept it). Nothing of the request was kept, except when the session was lost while its
   * COMMIT was under way (`committing`): then the database alone knows, and the text says so. The
   * code is Dataverse's for a failed SQL statement (digest §6.3, "Generic SQL error"); 503 with
   * Retry-After says the condition is temporary, which clients retry (digest §5.2). `cause` is the
   * driver's error, logged, never sent.
   */
  databaseUnavailable: (cause: unknown, committing = false) =>
    new ServiceError(503, '0x80044150', committing
      ? 'The connection to the database was lost while the request was being committed: its changes may or may not have been saved. Read the data again before sending it again.'
      : 'The database is not available; nothing was changed. Send the request again later.', {}, cause),
  /**
   * 503 `0x80044151` (Dataverse's "SQL timeout expired"; digest §6.3): the database stopped a
   * statement before it finished, at its statement_timeout or lock_timeout or on a cancel request,
   * and the request was rolled back. Dataverse's advice for it is to send less per request.
   * `cause` is the driver's error, logged, never sent.
   */
  databaseTimeout: (cause: unknown) =>
    new ServiceError(503, '0x80044151', 'SQL timeout expired: the database stopped a statement of this request before it finished (a statement or lock timeout, or a cancel), and nothing was changed. Send it again, or send less in one request.', {}, cause),
  /** 500 `0x80040216`: unexpected fault; details are logged, never sent. */
  internal: () => new ServiceError(500, '0x80040216', 'An unexpected error occurred.'),
} as const;
