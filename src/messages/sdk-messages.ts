import type { EntityModel, Model } from '../model/types.js';
import { SDKMESSAGE, SDKMESSAGEFILTER } from '../model/system-columns.js';
import type { Caller } from '../plan/types.js';
import { clientWritable } from '../plan/write.js';
import type { Database } from '../store/database.js';
import { nameGuid } from '../model/kept-ids.js';
import { keepRows } from '../store/kept-rows.js';
import type { Message } from './types.js';

/**
 * The `sdkmessage` and `sdkmessagefilter` rows: which messages the service answers and which
 * tables each takes. Clients query them to learn whether a table supports a message before they
 * call it, e.g. Dataverse's bulk operations sample (digest §6.3):
 * `GET /sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq @message and
 * primaryobjecttypecode eq @table&@message='CreateMultiple'&@table='<table>'` (no row: not
 * supported). The rows follow from the model and the message registry; keepSdkMessages writes
 * them at start, with ids derived from their names, so they stay the same from start to start.
 */

/** A message's rows: its own and one filter per table it takes (`none` when it takes none). */
interface CatalogueEntry {
  readonly name: string;
  readonly tables: readonly string[];
}

/** The table a filter of an unbound message that takes no table names (Dataverse's `none`). */
const NO_TABLE = 'none';

/** The single-row messages the HTTP verbs answer (digest §6.2), with the tables each takes. */
const VERB_MESSAGES: ReadonlyArray<readonly [string, (entity: EntityModel) => boolean]> = [
  ['Retrieve', () => true],
  ['RetrieveMultiple', () => true],
  ['Create', clientWritable],
  ['Update', clientWritable],
  ['Upsert', clientWritable],
  ['Delete', clientWritable],
  ['Associate', clientWritable],
  ['Disassociate', clientWritable],
  ['SetState', (e) => clientWritable(e) && e.attributesByName.has('statecode')],
];

/**
 * Every message and the tables it takes: the verbs' messages, then the registered messages in
 * name order (a bound one takes the tables its `takes` accepts, by default every table clients
 * write; an unbound one those `takes` accepts, or none).
 */
export function sdkMessageCatalogue(model: Model, messages: Iterable<Message>): CatalogueEntry[] {
  const tables = (takes: (e: EntityModel) => boolean) => model.entities.filter(takes).map((e) => e.LogicalName);
  const registered = [...messages].sort((a, b) => a.Name.localeCompare(b.Name)).map((m): CatalogueEntry => {
    const takes = m.takes?.bind(m) ?? (m.BindingTable ? (e: EntityModel) => e.LogicalName === m.BindingTable : m.Binding ? clientWritable : undefined);
    return { name: m.Name, tables: takes ? tables(takes) : [NO_TABLE] };
  });
  return [...VERB_MESSAGES.map(([name, takes]) => ({ name, tables: tables(takes) })), ...registered];
}

/**
 * Brings the sdkmessage and sdkmessagefilter rows in line with sdkMessageCatalogue: creates the
 * missing ones (as `caller`, in one transaction per table) and deletes those of messages or
 * tables that are gone (a message's filters go with it: Cascade). Does nothing when the model
 * lacks either table. Throws the database's errors.
 */
export async function keepSdkMessages(model: Model, db: Database, messages: Iterable<Message>, caller: Caller): Promise<void> {
  const sdkmessage = model.byLogicalName.get(SDKMESSAGE);
  const filter = model.byLogicalName.get(SDKMESSAGEFILTER);
  if (!sdkmessage || !filter) return;
  const wantedMessages = new Map<string, Record<string, unknown>>();
  const wantedFilters = new Map<string, Record<string, unknown>>();
  for (const { name, tables } of sdkMessageCatalogue(model, messages)) {
    const id = nameGuid(`sdkmessage:${name}`);
    wantedMessages.set(id, { name, isprivate: false });
    for (const table of tables) {
      wantedFilters.set(nameGuid(`sdkmessagefilter:${name}:${table}`), {
        name: null, primaryobjecttypecode: table, secondaryobjecttypecode: NO_TABLE, isvisible: true, iscustomprocessingstepallowed: false,
        'sdkmessageid@odata.bind': `${sdkmessage.EntitySetName}(${id})`,
      });
    }
  }
  await keepRows(model, db, sdkmessage, wantedMessages, caller);
  await keepRows(model, db, filter, wantedFilters, caller);
}
