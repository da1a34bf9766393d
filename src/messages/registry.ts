import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
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
