import type { AttributeModel, EntityModel, NavigationPropertyModel, RelationshipModel } from '../model/types.js';
import type { AnnotationSet } from '../odata/annotations.js';
import type { FiscalCalendar } from './fiscal-calendar.js';

/**
 * Typed plans: the output of the plan stage and the input of sql/ and store/.
 * Every name in a plan is a model object, every value a canonical JS value:
 * strings (GUIDs lower case; DateTimeOffset `YYYY-MM-DDTHH:MM:SSZ`; Date `YYYY-MM-DD`),
 * numbers, booleans or null; a bigint only for a whole number past 2^53 compared with an
 * Edm.Int64 column (wholeNumber), which no double holds. Dialects convert them to driver values.
 */
export type Value = string | number | bigint | boolean | null;

/**
 * The user a request runs as: the built-in system user, the user its bearer token names, or the
 * user it impersonates (security/callers.ts).
 */
export interface Caller {
  readonly systemuserid: string;
  readonly organizationid: string;
  /** The caller's business unit: the root one, the only one (security/business-units.ts). */
  readonly businessunitid: string;
  /**
   * When the request impersonates this user (CallerObjectId / MSCRMCallerID): the user who sent
   * it, whom writes stamp in createdonbehalfby / modifiedonbehalfby ("Created By (Delegate)").
   */
  readonly delegate?: Caller;
}

/**
 * A typed, model-resolved filter. `ne` against a literal keeps OData's null semantics (the plan
 * adds `OR x IS NULL`: null ne 'x' is true); column-to-column comparisons follow SQL, as
 * Dataverse's column comparison conditions do (a row where either side is null does not match).
 */
export type PlanExpr =
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; attribute: AttributeModel; value: Value }
  | { kind: 'compareColumns'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: AttributeModel; right: AttributeModel }
  | { kind: 'isNull'; attribute: AttributeModel; negate: boolean }
  /** The column equals one of the values (never null). */
  | { kind: 'in'; attribute: AttributeModel; values: readonly Value[] }
  /** `LIKE` on a string column; `pattern` has `%`/`_` wildcards and `\` escaping user text. */
  | { kind: 'like'; attribute: AttributeModel; pattern: string }
  /**
   * A condition on related rows: EXISTS a row of `navigation`'s target, joined through its
   * relationship, that meets `where` (which is planned on the target table).
   */
  | { kind: 'exists'; navigation: NavigationPropertyModel; where?: PlanExpr }
  /**
   * A condition on the row the read's join `join` (ReadPlan.joins) pairs with the row tested: true
   * when the join holds a row there (none after an outer join without a related row) that meets
   * `where` (planned on `join.table`); without `where`, when it holds a row at all. Only valid in
   * the filter of the read that has the join (FetchXML root conditions whose `entityname` names a
   * joined one-to-many link, or a link below one).
   */
  | { kind: 'joinedRow'; join: JoinOrigin; where?: PlanExpr }
  /**
   * The row (of `entity`, the table the expression is planned on) is shared with one of
   * `principals` (user and team ids) with any of the AccessRights bits of `rights`
   * (sql/principal-object-access.ts; Dataverse "Sharing and assigning"). Made by the caller's
   * access checks (security/access.ts), never by a request.
   */
  | { kind: 'shared'; entity: EntityModel; principals: readonly string[]; rights: number }
  /**
   * The column holds one of the values of column `select` in the rows of `table` that meet `where`
   * (planned on `table`): `attribute IN (SELECT select FROM table WHERE where)`, false (never
   * unknown) where the column is null or only nulls are selected, so that NOT and all() keep those rows. Made by the query functions that compare with what the
   * caller is, read in the same statement (plan/query-functions.ts: the caller's teams through
   * teammembership, the organization's language), never by a request's own names; `table` is
   * read past the caller's privileges, as Dataverse's own condition operators read it.
   */
  | { kind: 'inSelect'; attribute: AttributeModel; table: EntityModel; select: AttributeModel; where: PlanExpr }
  /**
   * The row (of `relationship`'s table, its hierarchical one, model/hierarchy.ts) is, through that
   * lookup, below (`under`: a child, a child's child…) or above (`above`: the parent, its parent…)
   * the row whose primary key is `id`, at most HIERARCHY_MAX_DEPTH levels away, or (`orEqual`) is
   * that row: Dataverse's hierarchy condition operators ("Query hierarchical data"). A recursive
   * common table expression walks the lookup from row `id` in the same statement (sql/render.ts),
   * past the caller's privileges; never unknown, so NOT keeps what it does not match (NotUnder).
   * `unbounded` (a loop check, plan/hierarchy-loops.ts): as far as the hierarchy goes, ending at a
   * loop, not HIERARCHY_MAX_DEPTH levels (on SQL Server, at most 32,757).
   * `attribute`: the column of the condition's row compared with the walk's keys instead of its
   * primary key, a lookup to the hierarchy's table (Deep depth: a row's business unit column is
   * the caller's unit or one below it, security/access.ts).
   */
  | { kind: 'hierarchy'; relationship: RelationshipModel; id: string; direction: 'above' | 'under'; orEqual: boolean; unbounded?: boolean; attribute?: AttributeModel }
  /**
   * The date in DateTime column `attribute` lies in period `period` (1 … periodsPerYear) of its
   * fiscal year, whichever year that is, in the organization's fiscal calendar `calendar`
   * (InFiscalPeriod, FetchXML in-fiscal-period): computed by the database for each row
   * (sql/fiscal-part.ts), as no range of dates says it. False where the column is null.
   */
  | { kind: 'fiscalPeriod'; attribute: AttributeModel; calendar: FiscalCalendar; period: number }
  | { kind: 'and' | 'or'; left: PlanExpr; right: PlanExpr }
  | { kind: 'not'; operand: PlanExpr }
  /**
   * A condition known without the row: true, false, or null, SQL's unknown (a comparison with a
   * null: what a condition on a secured column the caller may not read is, security/field-access.ts).
   */
  | { kind: 'const'; value: boolean | null };

/**
 * Which rows of a retention-enabled table a read sees (Dataverse "Long-term data retention"):
 * `active` (the default) rows whose `msft_datastate` is null or 0; `retained` rows marked 1
 * (FetchXML `<fetch datasource="retained">`). Applies to the read's own table; related tables
 * (expansions, relationship filters, link-entities, lookup names) are always read active.
 * Tables without retention have no such column and are read whole.
 */
export type DataSource = 'active' | 'retained';

/** A column reached through zero or more single-valued navigation properties (`createdby/fullname`). */
export interface ColumnPath {
  /** The navigation properties followed from the planned table (or from `join`'s row), in order; empty for its own columns. */
  readonly navs: readonly NavigationPropertyModel[];
  /** A column of the table the last navigation property leads to (or of the planned table, or of `join`'s). */
  readonly attribute: AttributeModel;
  /**
   * Set when the path starts from the row of a one-to-many join of the aggregate
   * (AggregatePlan.joins) rather than from the planned table's row (FetchXML aggregate queries
   * grouping or aggregating columns of a one-to-many link-entity).
   */
  readonly join?: JoinOrigin;
  /**
   * By index of `navs`: the condition the row that step reaches must meet, else the value is null
   * (undefined: none). A FetchXML outer link-entity's own filter, which keeps every parent row and
   * leaves the link's columns null where no related row meets it, as Dataverse's left outer join
   * with the filter in its ON clause does ("Join tables using FetchXml"; link-entity reference).
   */
  readonly conditions?: readonly (PlanExpr | undefined)[];
  /**
   * The path whose value stands where this one's is null: a grouped owner's name, read through
   * `ownerid`'s user branch, otherwise its team branch (plan/aggregate.ts lookupNameOf).
   */
  readonly otherwise?: ColumnPath;
  /** The column is a secured one the caller may not read: its value is null (security/field-access.ts maskRead). */
  readonly masked?: true;
}

/** One sort key. Nulls sort first ascending and last descending, as on SQL Server (Dataverse). */
export interface SortKey {
  readonly attribute: AttributeModel;
  readonly descending: boolean;
  /** The column is a secured one the caller may not read: it sorts as null (security/field-access.ts maskRead). */
  readonly masked?: true;
}

/**
 * A read of rows of one table. `columns` are fetched and returned in order. For a collection,
 * `limit` rows are returned and one more is read to detect a next page (keyset paging:
 * `after` holds the previous page's last sort-key values, one per `orderBy` key).
 */
export interface ReadPlan {
  readonly kind: 'read';
  readonly entity: EntityModel;
  readonly columns: readonly AttributeModel[];
  /**
   * Secured columns among `columns` the caller may not read (Dataverse "Column-level security":
   * their value is returned as null): read as NULL, not from the row. Set by the security stage
   * (security/field-access.ts maskRead), never by a request.
   */
  readonly masked?: ReadonlySet<AttributeModel>;
  /** `$select` items as written, for the context URL; undefined = all columns. */
  readonly selectList?: readonly string[];
  readonly filter?: PlanExpr;
  /** Always ends with the primary key, so the order is total. */
  readonly orderBy: readonly SortKey[];
  /** Rows per response (page size or `$top`). */
  readonly limit: number;
  /** True when a nextLink may follow (server paging, not `$top`). */
  readonly paged: boolean;
  readonly after?: readonly Value[];
  /** `$count=true`: also count matching rows (capped at 5,000). */
  readonly count: boolean;
  /** Set for a single-row retrieve by primary key. */
  readonly id?: string;
  /** The page size asked for with `Prefer: odata.maxpagesize`, echoed in Preference-Applied. */
  readonly maxPageSizeApplied?: number;
  /** Instance annotations to emit (Prefer: odata.include-annotations); undefined = none. */
  readonly annotations?: AnnotationSet;
  /**
   * Output lookups whose target's primary name is read too (the lookup's FormattedValue), each
   * with the target table. Read in the same statement as the rows.
   */
  readonly lookupNames: ReadonlyArray<{ readonly attribute: AttributeModel; readonly target: EntityModel }>;
  /** `$expand`ed navigation properties, read in the same statement. */
  readonly expand: readonly ExpandPlan[];
  /**
   * Columns of rows reached through lookups (FetchXML many-to-one `link-entity`), read in the same
   * statement after the expansions; undefined = none.
   */
  readonly linked?: readonly LinkedColumn[];
  /**
   * Counts of each row's children in its table's hierarchy (FetchXML `rowaggregate="CountChildren"`),
   * read in the same statement after the linked columns, as integers; undefined = none.
   */
  readonly childCounts?: readonly ChildCount[];
  /**
   * Related rows joined to each row (FetchXML one-to-many `link-entity` returning columns, parents
   * before children): the read returns one row per combination of the read's row and the joined
   * rows; undefined = none. Linked columns and sort keys name a join by its index here.
   */
  readonly joins?: readonly RowJoin[];
  /**
   * SELECT DISTINCT over the output columns: no row version is read, so rows carry no ETag. With
   * `linked` columns, rows are ordered by them after `orderBy`, so that the order of the distinct
   * rows is total.
   */
  readonly distinct?: boolean;
  /**
   * Rows skipped before the page (FetchXML `page` without a usable paging cookie); undefined = 0.
   * Keyset paging (`after`) is preferred wherever the previous page's last row is known.
   */
  readonly offset?: number;
  /** Active (default) or retained rows of a retention-enabled table. */
  readonly dataSource?: DataSource;
  /**
   * The rows are read to be changed with this right (BulkRetain: Write, PurgeRetainedContent:
   * Delete, SetBusinessSystemUser's reassigned rows: Assign): the caller's reach of it narrows
   * them too, so that rows it may not change are left out.
   */
  readonly forRight?: 'Write' | 'Delete' | 'Assign';
}

/**
 * One step from a row to the row its lookup points at: the single-valued navigation property and
 * the condition the related row must meet (planned on the related table); a related row that
 * fails it counts as no row, so the column reads as null (FetchXML outer link-entity with a filter).
 */
export interface LinkStep {
  readonly navigation: NavigationPropertyModel;
  readonly where?: PlanExpr;
}

/**
 * The row a link path starts from when it is not the read's own row: the row of join `index`
 * (ReadPlan.joins), a row of `table`.
 */
export interface JoinOrigin {
  readonly index: number;
  readonly table: EntityModel;
}

/**
 * A one-to-many join of a read (FetchXML one-to-many inner or outer `link-entity` whose columns
 * are returned; Dataverse "Join tables using FetchXml": the parent row comes back once per related
 * row). The parent row is the read's row (or, with `parent`, the row of that earlier join), then
 * the many-to-one `path` from it; the joined rows are the rows of `navigation`'s target that point
 * at it and meet `where` (planned on the target table). `inner`: a row without related rows is
 * left out; otherwise it is kept once, its joined columns null.
 */
export interface RowJoin {
  /** A collection-valued navigation property of a one-to-many relationship (not many-to-many). */
  readonly navigation: NavigationPropertyModel;
  readonly parent?: JoinOrigin;
  readonly path: readonly LinkStep[];
  readonly where?: PlanExpr;
  readonly inner: boolean;
}

/**
 * A column of a row reached from the read's table through one or more lookups, returned under
 * `name` (FetchXML: `<alias>.<attribute>`, Dataverse "Join tables using FetchXml"). Null when any
 * step finds no row.
 */
export interface LinkedColumn {
  readonly name: string;
  readonly path: readonly LinkStep[];
  readonly attribute: AttributeModel;
  /** Set when `path` starts from a joined row (ReadPlan.joins) rather than the read's row; `path` may then be empty. */
  readonly join?: JoinOrigin;
  /**
   * Set on a column that is not returned itself: the primary name of the row the lookup column
   * `nameOf` (another LinkedColumn's name) points at, its FormattedValue.
   */
  readonly nameOf?: string;
  /**
   * Set when `name` is the `alias` of its FetchXML `<attribute>` rather than `<link alias>.<column>`
   * (its name may then not repeat another column's). Either way the column is answered as an
   * aliased value, with the `OData.Community.Display.V1.AttributeName` annotation (Dataverse
   * "Select columns using FetchXml", Column aliases; fetch-respond.ts).
   */
  readonly aliased?: boolean;
  /**
   * Set when `attribute` is a secured column the caller may not read: the column is read as NULL
   * (security/field-access.ts maskRead; Dataverse "Column-level security").
   */
  readonly masked?: true;
}

/**
 * The number of rows whose lookup of hierarchical `relationship` (model/hierarchy.ts hierarchyOf) points at
 * the read's row, answered under `name` (FetchXML `rowaggregate="CountChildren"`; Dataverse "Query
 * hierarchical data": direct children, counted whatever the caller may read), among the rows of
 * the read's data source (ReadPlan.dataSource: active rows of an active read, retained ones of a
 * `datasource="retained"` read).
 */
export interface ChildCount {
  readonly name: string;
  /** The table's hierarchical relationship (its ReferencingAttribute is the lookup to the parent). */
  readonly relationship: RelationshipModel;
}

/**
 * One `$expand` item: the related row (single-valued) or rows (collection-valued) of a navigation
 * property, with their own columns, filter, order, limit and nested expansions.
 */
export interface ExpandPlan {
  readonly navigation: NavigationPropertyModel;
  /**
   * An owner's expansion (`ownerid`, typed principal) reads one expansion per table it may lead
   * to (NavigationPropertyModel principals), answered as one property: the row found, with its
   * `@odata.type`. Every one but the first has `key`, under which its rows are read
   * (expansionKey), as they share the property's name.
   */
  readonly principal?: true;
  readonly key?: string;
  /** Output columns of the related table (primary key included). */
  readonly columns: readonly AttributeModel[];
  /**
   * Secured columns among `columns` the caller may not read (Dataverse "Column-level security":
   * their value is returned as null): read as NULL, not from the row. Set by the security stage
   * (security/field-access.ts maskRead), never by a request.
   */
  readonly masked?: ReadonlySet<AttributeModel>;
  /** `$select` inside the item as written, for the context URL. */
  readonly selectList?: readonly string[];
  /** `<nav>/$ref` (single-valued only): the related row is answered as its `@odata.id` alone. */
  readonly ref?: boolean;
  readonly filter?: PlanExpr;
  /** Collection-valued only; ends with the primary key. */
  readonly orderBy: readonly SortKey[];
  /**
   * Collection-valued only: most rows read per parent: `$top`, else the page (5,000, or the
   * `odata.maxpagesize` of a nested `$expand`) and one more, see `rest`.
   */
  readonly limit: number;
  readonly expand: readonly ExpandPlan[];
  /**
   * Set when the response carries annotations (`Prefer: odata.include-annotations`): the related
   * rows are annotated as the parent's are (digest §4.1), so their polymorphic lookups' type
   * columns are read, and, for FormattedValue, their lookups' names (as ReadPlan.lookupNames).
   */
  readonly annotated?: { readonly lookupNames: ReadPlan['lookupNames'] };
  /**
   * Collection-valued: the item's options (`$select`, `$filter`, `$orderby`, `$top`, `$expand` and
   * the parameter aliases they use) as the query string, possibly empty, of the links to the
   * related collection, `<parent URL>/<nav>?<query>`.
   */
  readonly query?: string;
  /**
   * Collection-valued without `$top`: a parent with more related rows than the page (`limit` - 1;
   * one more than that is read to tell) answers the page and `<nav>@odata.nextLink` to the rest,
   * the related collection with `query` and a `$skiptoken` after the page.
   */
  readonly rest?: true;
  /**
   * Collection-valued, in a collection read of an entity set whose `$expand` nests none
   * (linkCollections): every parent answers `<nav>@odata.nextLink`, the related collection with
   * `query`, also for an empty collection, as Dataverse does for a single-level `$expand` ("an
   * alternate URL to retrieve the values currently returned", digest §3.6); `rest`'s link where
   * rows were left out.
   */
  readonly linked?: true;
}

/** `GET /<set>/$count`: the number of matching rows (capped at 5,000, digest §3.5). */
export interface CountPlan {
  readonly kind: 'count';
  readonly entity: EntityModel;
  readonly filter?: PlanExpr;
  /** Active (default) or retained rows of a retention-enabled table. */
  readonly dataSource?: DataSource;
}

/** A row another row's lookup points at; the executor checks it exists in the same transaction. */
export interface RowReference {
  readonly entity: EntityModel;
  readonly id: string;
  /**
   * Conditions the row must also meet, checked in order, each failing with its own error (the
   * caller's AppendTo or Write at its depth, an access team holding no roles, a team that is no
   * default team).
   */
  readonly guards?: readonly Guard[];
  /**
   * Rows related to this one that may refuse the write: `read` (run in the write's transaction,
   * past the caller's privileges) fetches one column of them; `refuse` gets its values and
   * returns the error to raise, if any (the roles and field security profiles of a team a user
   * joins: security/access.ts); several such checks run in order.
   * With `serialized`, the transaction first takes the lock of `entity`'s table (Dialect.tableLock),
   * which it holds to its end: writes making the same check take turns, each reading what the
   * one before committed (a hierarchy's loop check: two concurrent moves could otherwise each
   * find no loop and together make one).
   */
  readonly related?: RelatedCheck | readonly RelatedCheck[];
  /**
   * What `guards` check beyond the caller's AppendTo, when they check something else (`Create`:
   * the caller's Create depth on the new row's owner or unit, security/access.ts creatable): a
   * bulk insert checks each row it references once, and a reference with another purpose is
   * checked apart from the others of that row.
   */
  readonly purpose?: string;
}

/** One check of RowReference.related: the rows `read` fetches, the error `refuse` makes of their first column's values. */
export interface RelatedCheck {
  readonly read: ReadPlan;
  readonly refuse: (values: readonly Value[]) => Error | undefined;
  readonly serialized?: boolean;
}

/**
 * A user-owned row's owningbusinessunit taken from its owner's row, in SQL: `column` of the row
 * becomes the business unit column of row `id` of `owner` (systemuser or team), the owner's
 * unit (Dataverse: OwningBusinessUnit is the owner's business unit, set on create and assign).
 * `via` is the row's column that names the owner (ownerid), holding `id` once written: new rows
 * read their owners' units through it, many rows in one statement (renderOwnerUnits).
 */
export interface OwnerUnit {
  readonly column: AttributeModel;
  readonly owner: EntityModel;
  readonly id: string;
  readonly via: AttributeModel;
}

/**
 * A complete new row: every stored column that has a value (system columns included, except
 * `versionnumber`, which the executor draws from the database's sequence in the transaction).
 * A deep insert (digest §2.1) adds the writes that belong to the new row, run in the same
 * transaction: `before`, the related rows its lookups point at; `after`, the rows pointing at it,
 * the existing rows bound to its collections and its many-to-many links.
 */
export interface InsertPlan {
  readonly kind: 'insert';
  readonly entity: EntityModel;
  readonly id: string;
  readonly values: ReadonlyMap<AttributeModel, Value>;
  readonly references: readonly RowReference[];
  /** The row's business unit column taken from its owner's row once written (OwnerUnit): an owner other than the caller. */
  readonly ownerUnit?: OwnerUnit;
  /** True when the client chose the id (it may clash); server-made ids are unique by construction. */
  readonly idGiven: boolean;
  /**
   * Other tables whose rows' ids the chosen id must not be either: a user's and a team's ids are
   * both `principal` ids (ownerid, a share's principalid), one id space as in Dataverse's
   * principal table. Only with idGiven.
   */
  readonly idSharedWith?: readonly EntityModel[];
  readonly before?: readonly InsertPlan[];
  readonly after?: readonly WritePlan[];
  /**
   * True for a row the service writes with another, past the caller's privileges (a new business
   * unit's default team: the caller's right to create the unit is what is checked, as Dataverse
   * makes the team with the unit whoever creates it).
   */
  readonly trusted?: boolean;
  /**
   * The full-size images stored with the row (plan/images.ts withImages); set, if empty, once
   * withImages has made the plan's images ready, which it then does not do again.
   */
  readonly attachments?: readonly ImageAttachment[];
}

/**
 * The full-size image of Image column `column` that goes with a row's write (Dataverse's
 * FileAttachment of the image): `file` stored, replacing the one the row had, or, null, the one
 * the row had removed. `file.body` is the image's bytes.
 */
export interface ImageAttachment {
  readonly column: AttributeModel;
  readonly file: { readonly id: string; readonly filename: string; readonly mimetype: string; readonly body: Uint8Array } | null;
}

/**
 * A condition an UPDATE or DELETE must meet: the column holds one of `values` (with `except`,
 * none of them); with the error raised when the row exists but fails it.
 */
export interface Guard {
  readonly attribute: AttributeModel;
  readonly values: readonly Value[];
  /** True when the column must hold none of `values` (If-None-Match's versions). */
  readonly except?: boolean;
  /** Builds the error for a failed guard, given the row's current value. */
  readonly fail: (current: Value) => Error;
  /**
   * True for the caller's privileges: the request fails even where other guards only leave the
   * row alone (executeGuarded, the retention messages).
   */
  readonly strict?: boolean;
  /**
   * True for a guard on the row's standing rather than on the request (the retention guard: a
   * retained row takes no write), which executeWriteCheck checks before an upload starts as it
   * checks the `strict` ones; version guards (If-Match) are left to the write itself.
   */
  readonly precheck?: boolean;
  /**
   * The row passes too when it is shared with one of `principals` with any of the AccessRights
   * bits of `rights` (the caller's privilege at Basic depth: a row it or its teams own, or one
   * shared with them with that right; Dataverse "Sharing and assigning").
   */
  readonly shared?: { readonly principals: readonly string[]; readonly rights: number };
  /**
   * The row passes too when its column holds one of the rows `ids` of `relationship`'s table or a
   * row below one in that hierarchy (the caller's privilege at Deep depth: a row of its business
   * unit or of a unit below, and of those of its teams of other units; Dataverse "Privilege
   * depth"), walked in the write's statement.
   */
  readonly under?: { readonly relationship: RelationshipModel; readonly ids: readonly string[] };
  /**
   * The row passes too when its column `attribute` (the owner, ownerid) holds one of `values`
   * (the caller's privilege at Local or Deep depth still reaches the rows it or its teams own
   * wherever they are: Dataverse's access levels are cumulative, "Privilege depth").
   */
  readonly owners?: { readonly attribute: AttributeModel; readonly values: readonly Value[] };
}

/**
 * An update of one row by primary key. `guards` (If-Match's versions, current state for a
 * status-only change) are checked in the UPDATE's WHERE clause, so there is no read-then-write
 * race; when no row changes, the executor reads the row once to tell which guard failed.
 * `upsert` is the create to run instead when the row does not exist (PATCH without If-Match), or
 * the error that create would raise (e.g. a statuscode of a state new rows cannot start in): it is
 * raised only if the row turns out to be missing.
 */
export interface UpdatePlan {
  readonly kind: 'update';
  readonly entity: EntityModel;
  readonly id: string;
  readonly set: ReadonlyMap<AttributeModel, Value>;
  readonly guards: readonly Guard[];
  readonly references: readonly RowReference[];
  readonly upsert?: InsertPlan | Error;
  /** The row's business unit column set from its new owner's row in the UPDATE itself (OwnerUnit): an assign. */
  readonly ownerUnit?: OwnerUnit;
  /**
   * The full-size images stored or removed with the row (plan/images.ts withImages); set, if
   * empty, once withImages has made the plan's images ready, which it then does not do again.
   */
  readonly attachments?: readonly ImageAttachment[];
  /**
   * Images sent as bytes (a binary upload to an Image column's path, files/transfer.ts), by
   * column: withImages makes them ready as it does base64 values in `set`, without turning
   * them into base64 text and back.
   */
  readonly sentImages?: ReadonlyMap<AttributeModel, Uint8Array>;
}

/**
 * A delete of one row by primary key, optionally guarded by If-Match's versions (any of them). `effects` says
 * what deleting rows of each table it can reach does (the row's own table, and every table a
 * Cascade relationship leads to from there).
 */
export interface DeletePlan {
  readonly kind: 'delete';
  readonly entity: EntityModel;
  readonly id: string;
  readonly guards: readonly Guard[];
  readonly effects: ReadonlyMap<EntityModel, DeleteEffects>;
  /** The delete's time (canonical UTC), kept with the deleted rows of change-tracked tables. */
  readonly deletedOn: string;
}

/** What deleting rows of one table does besides removing them. */
export interface DeleteEffects {
  /** The many-to-many links that go with the rows: each intersect table and its column holding their ids. */
  readonly links: ReadonlyArray<{ readonly entity: EntityModel; readonly attribute: AttributeModel }>;
  /** One entry per one-to-many relationship of which the table is the referenced side. */
  readonly referencing: readonly ReferencingRows[];
  /**
   * The shares that go with the rows (sql/principal-object-access.ts): `object`, the rows' own (a
   * user-owned table); `principal`, those with the rows as principal (users, teams); none otherwise.
   */
  readonly shares?: 'object' | 'principal';
}

/**
 * The rows of one one-to-many relationship that point at deleted rows, and what the delete does
 * to them (the relationship's CascadeConfiguration.Delete, see model CascadeDelete):
 * - Cascade: they are deleted too, with their own effects;
 * - Restrict: the delete fails with 405 `0x80040227` while any is left (rows the same delete
 *   removes do not count);
 * - RemoveLink: each is updated with `set` (the lookup and its type column null, modifiedon and
 *   modifiedby stamped) and a new row version.
 */
export type ReferencingRows =
  | { readonly behavior: 'RemoveLink'; readonly relationship: RelationshipModel; readonly set: ReadonlyMap<AttributeModel, Value> }
  | { readonly behavior: 'Restrict'; readonly relationship: RelationshipModel }
  | { readonly behavior: 'Cascade'; readonly relationship: RelationshipModel };

/**
 * Links two rows through a many-to-many relationship (digest §2.5): `link` is the new intersect
 * row, whose references are the two rows. A pair linked already fails with 412 `0x80040237`.
 */
export interface AssociatePlan {
  readonly kind: 'associate';
  readonly link: InsertPlan;
}

/**
 * Removes the intersect rows (of table `entity`) whose columns hold the given ids: one link
 * (both columns) or every link of a row (one column). `missing`, when set, is raised when no row
 * was removed.
 */
export interface DisassociatePlan {
  readonly kind: 'disassociate';
  readonly entity: EntityModel;
  readonly match: ReadonlyArray<{ readonly attribute: AttributeModel; readonly id: string }>;
  readonly missing?: () => Error;
  /** The linked rows; those with a guard (the caller's AppendTo at Basic depth) are checked before the link goes. */
  readonly references?: readonly RowReference[];
}

/** Any write a request can make; one request's writes run in one transaction. */
export type WritePlan = InsertPlan | UpdatePlan | DeletePlan | AssociatePlan | DisassociatePlan;

/** What a write produced: the id and whether a row was created (for upsert's 201 vs 200). */
export interface WriteResult {
  readonly id: string;
  readonly created: boolean;
}

/**
 * An aggregate function over the rows of a group (FetchXML's `aggregate` attribute values;
 * OData's `with sum|average|min|max|countdistinct` and `$count`): `count` counts rows, `countcolumn`
 * the non-null values of a column, `countdistinct` its distinct non-null values. Nulls never count
 * towards `sum`, `avg`, `min` and `max` (null when a group has no value).
 */
export type AggregateFunction = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'countcolumn' | 'countdistinct';

/**
 * A part of a date-time that FetchXML's `dategrouping` groups by (Dataverse "Aggregate data using
 * FetchXml", Grouping by parts of a date), each a whole number: `day` of the month 1–31, `week` of
 * the year 1–54 (sql/date-part.ts states the rule), `month` 1–12, `quarter` 1–4, `year` (2024);
 * in the organization's fiscal calendar (AggregateGroup.fiscal; sql/fiscal-part.ts),
 * `fiscal-year` the fiscal year's name (2024) and `fiscal-period` its period with its year,
 * `100 · year + period` (202403: period 3 of fiscal year 2024).
 */
export type DatePart = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'fiscal-period' | 'fiscal-year';

/** A group-by column of an AggregatePlan and its output name. */
export interface AggregateGroup {
  readonly alias: string;
  readonly column: ColumnPath;
  /** For a DateTime column: the part of its UTC date-time (DateOnly: its date) the rows are grouped by; the group's value is that number. */
  readonly datePart?: DatePart;
  /** For a fiscal datePart: the organization's fiscal calendar it is counted in. */
  readonly fiscal?: FiscalCalendar;
  /**
   * For a lookup column when FormattedValue annotations are wanted: the target row's primary name,
   * read as part of the group (it depends on the lookup value alone, so the groups do not change).
   */
  readonly lookupName?: ColumnPath;
}

/** An aggregated value of an AggregatePlan and its output name; `column` is absent for `count`. */
export interface AggregateValue {
  readonly alias: string;
  readonly fn: AggregateFunction;
  readonly column?: ColumnPath;
}

/** One key of an aggregate's output order: a group-by column or an aggregated value, by index. */
export interface AggregateSortKey {
  readonly output: 'group' | 'aggregate';
  readonly index: number;
  readonly descending: boolean;
}

/**
 * A grouped and aggregated read of one table (OData `$apply`, FetchXML `aggregate="true"`): the
 * rows that meet `filter` are split into groups by the `groupBy` columns (one group over all rows
 * when there are none) and each group yields its group values and `aggregates`. Built by
 * `planAggregate` (plan/aggregate.ts). More than `recordLimit` input rows is an error (Dataverse's
 * AggregateQueryRecordLimit, digest §3.7).
 */
/** A page of aggregate groups: at most `size` groups, after skipping `skip` in output order. */
export interface AggregatePage {
  readonly size: number;
  readonly skip: number;
}

export interface AggregatePlan {
  readonly kind: 'aggregate';
  readonly entity: EntityModel;
  readonly groupBy: readonly AggregateGroup[];
  readonly aggregates: readonly AggregateValue[];
  readonly filter?: PlanExpr;
  /** The complete output order: the keys asked for, then every other group-by column ascending. */
  readonly orderBy: readonly AggregateSortKey[];
  /** Most groups returned (`$top`; with `page`, its size + 1); undefined = all. */
  readonly top?: number;
  /** A page of groups (FetchXML `count`/`page`): `top` is one more than its size, to tell whether more follow. */
  readonly page?: AggregatePage;
  /** Most input rows the aggregate may read. */
  readonly recordLimit: number;
  /** Instance annotations to emit (Prefer: odata.include-annotations); undefined = none. */
  readonly annotations?: AnnotationSet;
  /** Active (default) or retained rows of a retention-enabled table. */
  readonly dataSource?: DataSource;
  /**
   * Related rows joined to each row before grouping (FetchXML one-to-many inner or outer
   * link-entities in an aggregate query), as ReadPlan.joins: each combination of a row and its
   * joined rows is one input row (Dataverse aggregates the joined rows, "Aggregate data using
   * FetchXml"); undefined = none. Column paths name a join by its index here.
   */
  readonly joins?: readonly RowJoin[];
}

/** A read the executor runs: a ReadPlan, a CountPlan or an AggregatePlan. */
export type ReadingPlan = ReadPlan | CountPlan | AggregatePlan | Pick<CountPlan, 'entity' | 'filter' | 'dataSource'>;

/**
 * What the caller may do, applied by the executor to every plan it runs for the caller
 * (security/access.ts; Dataverse "Security roles and privileges"). Each method returns the plan
 * as the caller may run it — rows it may not read filtered out, guards on rows it may not change —
 * or throws 403 `0x80040220` for a privilege the caller lacks.
 */
export interface PlanSecurity {
  /** `plan` narrowed to the rows the caller may read, in its own table and every table it reaches. */
  read<P extends ReadingPlan>(plan: P): P;
  /** True when the caller reads only the rows of `entity` it owns (`ownerid`, column of the error's OwnerId). */
  readsOwnOnly(entity: EntityModel): boolean;
  /**
   * Throws 403 `0x80040220` when the caller holds no Read privilege on `entity`: before a row is
   * looked up by alternate key, so that whether a key exists in a table it may not read stays hidden.
   */
  requireRead(entity: EntityModel): void;
  /** `plan` (and the writes it carries) checked against the caller's privileges, guarded to the rows it may change. */
  write<P extends WritePlan>(plan: P): P;
  /**
   * The error for row `id` of `entity`, owned by `owner`, that exists but that the caller may not
   * reach with `right` (403 `0x80048306`).
   */
  denied(entity: EntityModel, id: string, owner: Value, right: `${string}Access`, unit?: Value): Error;
}
