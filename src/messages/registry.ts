import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Model } from '../model/types.js';
import type { Message } from './types.js';

/**
 * Finds every message module in this folder: any module that exports `message` (a Message).
 * Adding a message is adding one file (DESIGN.md §1). Names must be unique.
 * Throws when two modules declare the same operation name.
 */
export async function loadMessages(folder = import.meta.dirname): Promise<ReadonlyMap<string, Message>> {
  const messages = new Map<string, Message>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.js')).sort()) {
    const mod = (await import(pathToFileURL(join(folder, file)).href)) as { message?: Message };
    if (!mod.message) continue;
    if (messages.has(mod.message.Name)) throw new Error(`two message modules declare the operation '${mod.message.Name}'`);
    messages.set(mod.message.Name, mod.message);
  }
  return messages;
}

/**
 * The messages `model` serves: each bound to one table (`BindingTable`) only when the model has
 * that table, and every other one. A model without the team table thus declares no
 * AddMembersTeam, whose binding parameter would name a type `$metadata` does not declare (invalid
 * CSDL: OData CSDL XML §12.1 wants every parameter's type declared), and routes none.
 */
export function servedMessages(model: Pick<Model, 'byLogicalName'>, messages: ReadonlyMap<string, Message>): ReadonlyMap<string, Message> {
  return new Map([...messages].filter(([, m]) => m.BindingTable === undefined || model.byLogicalName.has(m.BindingTable)));
}
