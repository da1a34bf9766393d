import { Errors } from '../errors.js';
import type { Model } from '../model/types.js';
import type { ODataRequest } from '../odata/request.js';
import { json, type HttpResponse } from '../odata/respond.js';
import type { Caller } from '../plan/types.js';
import type { Database } from '../store/database.js';
import type { BlockUploads } from '../files/blocks.js';
import { resolveKeyedBinds, resolveKeyedUrl } from '../store/keyed-urls.js';
import { actionArguments, functionArguments } from './parameters.js';
import type { Message, MessageLimits } from './types.js';

type OperationResource = Extract<ODataRequest['resource'], { kind: 'operation' }>;

/** Everything an operation call needs besides the request. */
export interface OperationEnvironment {
  readonly model: Model;
  readonly db: Database;
  readonly caller: Caller;
  /** See MessageContext.clock. */
  readonly clock: () => Date;
  readonly messages: ReadonlyMap<string, Message>;
  readonly limits: MessageLimits;
  /** See MessageContext.files. */
  readonly files: BlockUploads;
}

/**
 * Routes an operation call (digest §1.7, §5.3): bound operations by their namespace-qualified name
 * on an entity set (or entity), unbound ones by plain name at the root; Actions by POST with a JSON
 * body, Functions by GET with inline parameters and aliases. Answers 200 with
 * `@odata.context: <root>$metadata#Microsoft.Dynamics.CRM.<ReturnType>` or 204.
 * Throws 404 `0x8006088a` for an unknown operation, 404 "No HTTP resource…" for the wrong verb,
 * 400 "Request message has unresolved parameters." for a bound operation called without its
 * namespace, and the parameter and handler errors.
 */
export async function invokeOperation(env: OperationEnvironment, req: ODataRequest, r: OperationResource, url: string): Promise<HttpResponse> {
  const message = env.messages.get(r.name);
  const binding = r.binding;
  if (binding && !env.model.byEntitySetName.has(binding.entitySet)) throw Errors.resourceNotFound(binding.entitySet);
  if (!message) {
    if (binding && !r.qualified) throw Errors.notImplemented(`The path segment '${r.segment}' (navigation properties and single properties)`);
    throw Errors.resourceNotFound(r.segment);
  }
  if (binding) {
    if (!message.Binding) throw Errors.resourceNotFound(r.segment);
    if (!r.qualified) throw Errors.unresolvedParameters();
    if ((message.Binding === 'entity') !== (binding.id !== undefined)) throw Errors.resourceNotFound(r.segment);
  } else if (message.Binding || r.qualified) {
    // Bound operations need their binding; unbound ones are called without the namespace.
    throw Errors.resourceNotFound(r.segment);
  }
  const verb = message.Kind === 'Action' ? 'POST' : 'GET';
  if (req.method !== verb) throw Errors.noHttpResource(url);
  if (message.Kind === 'Action' && r.params !== undefined && r.params.trim() !== '') throw Errors.badQuery(`The action '${message.Name}' takes its parameters in the request body.`);
  // Alternate keys in the records' @odata.bind URLs are looked up first (store/keyed-urls.ts).
  const args = message.Kind === 'Action'
    ? await resolveKeyedBinds(env.db, env.db, env.model, actionArguments(message, req.body))
    : await functionArguments(env.model, message, r.params, req.query.aliases, (url) => resolveKeyedUrl(env.db, env.db, env.model, url));
  const result = await message.invoke({
    model: env.model,
    db: env.db,
    caller: env.caller,
    clock: env.clock,
    binding: binding ? { entity: env.model.byEntitySetName.get(binding.entitySet)!, id: binding.id } : undefined,
    serviceRoot: req.serviceRoot,
    limits: env.limits,
    files: env.files,
  }, args);
  if (!message.ReturnType || message.AnswersNoContent) return { status: 204, headers: {} };
  return json(200, { '@odata.context': `${req.serviceRoot}$metadata#Microsoft.Dynamics.CRM.${message.ReturnType.Name}`, ...(result ?? {}) }, {}, req.metadata);
}
