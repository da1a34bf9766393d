import { Errors } from '../errors.js';
import type { Model } from '../model/types.js';
import { parseJsonBody } from '../odata/json-body.js';
import { canonicalGuid, enumMember, integerValue, isBase64 } from '../plan/values.js';
import { resolveRecordUrl } from '../plan/write.js';
import type { Arguments, EnumTypeDefinition, Message, ParameterDefinition, ParameterType, RecordReference } from './types.js';

/**
 * Operation parameters, parsed and type-checked from their declarations (digest §1.7, §11.3):
 * actions take a JSON body; functions take inline values `Name(p=v,q=@a)` with parameter aliases
 * in the query string. Inline literals: `'text'` (quotes doubled or, as dynamics-web-api sends
 * them, not escaped at all), numbers, `true`/`false`, bare or quoted GUIDs, record references
 * `{'@odata.id':'<set>(<id>)'}` with single or double quotes, relative or absolute, collections
 * (`['a','b']` or a JSON array) and enum literals (`Microsoft.Dynamics.CRM.<Enum>'<Member>'`).
 */

function bad(message: Message, text: string): Error {
  return Errors.badQuery(`${text} (operation '${message.Name}').`);
}

/**
 * Splits `a=1,b='x,y',c={...}` at top-level commas, each part trimmed. Blank text has no parts;
 * otherwise every comma separates two parts, so a comma too many leaves an empty part (`a,`, `a,,b`)
 * for the caller to refuse.
 */
function splitParameters(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) {
        // A doubled quote inside a literal stays in it; a quote followed by a separator ends it.
        if (text[i + 1] === quote) { current += ch + ch; i++; continue; }
        if (quote === "'" && i + 1 < text.length && !/[,)}\]\s]/.test(text[i + 1]!)) { current += ch; continue; }
        quote = undefined;
      }
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) { parts.push(current); current = ''; continue; }
    current += ch;
  }
  if (parts.length || current.trim()) parts.push(current);
  return parts.map((p) => p.trim());
}

/**
 * A record reference parameter, `{'@odata.id':'<record URL>'}` or `{"@odata.id":"<record URL>"}`
 * (a quote inside doubled in the first form, JSON-escaped in the second), its URL keyed by id or by
 * an alternate key (`keyedUrl` looks the key up: 404 `0x80040217` when no row has it).
 */
async function recordReference(model: Model, message: Message, p: ParameterDefinition, text: string, keyedUrl: (url: string) => Promise<string>): Promise<RecordReference> {
  const wrong = () => bad(message, `The value of parameter '${p.Name}' must be a record reference such as {'@odata.id':'accounts(<guid>)'}; '${text}' is not`);
  const m = /^\{\s*(["'])@odata\.id\1\s*:\s*(["'])(.*)\2\s*\}$/s.exec(text.trim());
  if (!m) throw wrong();
  let url: string;
  if (m[2] === "'") url = m[3]!.replace(/''/g, "'");
  else {
    try {
      url = JSON.parse(`"${m[3]}"`) as string;
    } catch {
      throw wrong();
    }
  }
  const ref = resolveRecordUrl(model, await keyedUrl(url));
  if (!ref) throw wrong();
  return ref;
}

/** Converts one inline function literal to the parameter's type. */
function inlineValue(model: Model, message: Message, p: ParameterDefinition, text: string): unknown {
  const t = text.trim();
  if (t === 'null') {
    if (!p.Optional) throw bad(message, `The parameter '${p.Name}' cannot be null`);
    return null;
  }
  const wrong = () => bad(message, `The value ${t} of parameter '${p.Name}' is not a valid ${p.Type}`);
  switch (p.Type) {
    case 'Edm.String': {
      if (t.length < 2 || !t.startsWith("'") || !t.endsWith("'")) throw wrong();
      return t.slice(1, -1).replace(/''/g, "'");
    }
    case 'Edm.Int32': case 'Edm.Int64': {
      const n = /^-?\d+$/.test(t) ? integerValue(p.Type, t) : undefined;
      if (n === undefined) throw wrong();
      return n;
    }
    case 'Edm.Decimal': case 'Edm.Double':
      if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) throw wrong();
      return Number(t);
    case 'Edm.Boolean':
      if (t !== 'true' && t !== 'false') throw wrong();
      return t === 'true';
    case 'Edm.Guid': {
      const g = canonicalGuid(t.replace(/^'(.*)'$/, '$1'));
      if (!g) throw wrong();
      return g;
    }
    case 'Collection(Edm.String)': case 'Collection(Edm.Guid)':
      return collectionValue(model, message, p, t);
    default:
      if (p.EnumType) return enumValue(message, p, p.EnumType, t);
      throw bad(message, `The parameter '${p.Name}' of type ${p.Type} cannot be passed in a function call`);
  }
}

/** A string literal as OData writes it: in single quotes, a quote inside doubled (ABNF `string`). */
const STRING_LITERAL = /^'(?:[^']|'')*'$/;

/** 400 for item `index` of collection parameter `p`: `what` is wrong with it. */
function badItem(message: Message, p: ParameterDefinition, index: number, what: string): Error {
  return bad(message, `The value of parameter '${p.Name}' is not a valid ${p.Type}: item ${p.Name}[${index}] ${what}`);
}

/**
 * A collection literal (OData URL Conventions §5.1.1.13, `complexOrCollectionInUri`): a JSON array
 * (`["a","b"]`, as dynamics-web-api sends it in an alias) or one of inline literals (`['a','b']`,
 * quotes doubled inside, as OData's ABNF `string` has them), each item checked as the
 * collection's element type. Throws 400 `0x80060888` for what is no such list: an item that is not
 * one literal (`['a' 'b']`, a comma missing), an empty item (`['a',]`, `['a',,'b']`), or a null
 * item (named by its index, as the Targets of bulk messages are).
 */
function collectionValue(model: Model, message: Message, p: ParameterDefinition, t: string): unknown[] {
  if (!t.startsWith('[') || !t.endsWith(']')) throw bad(message, `The value ${t} of parameter '${p.Name}' is not a valid ${p.Type}; a collection is written [item,…]`);
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch {
    json = undefined;
  }
  if (Array.isArray(json)) return jsonValue(message, p, json) as unknown[];
  const element: ParameterDefinition = { Name: p.Name, Type: p.Type.slice('Collection('.length, -1) as ParameterType };
  return splitParameters(t.slice(1, -1)).map((item, i) => {
    if (!item) throw badItem(message, p, i, 'is empty (a comma too many)');
    if (item === 'null') throw nullItem(message, p, i);
    if (element.Type === 'Edm.String' && !STRING_LITERAL.test(item)) throw badItem(message, p, i, `(${item}) is not one Edm.String literal ('text', a quote inside doubled); items are separated by commas`);
    return inlineValue(model, message, element, item);
  });
}

/** 400 for the null item `index` of collection parameter `p`. */
function nullItem(message: Message, p: ParameterDefinition, index: number): Error {
  return badItem(message, p, index, `is null; the items of a ${p.Type} cannot be null`);
}

/**
 * An enum literal (OData ABNF `enum`): `Microsoft.Dynamics.CRM.<Name>'<Member>'` (or the `mscrm`
 * alias, or, as OData 4.01 allows, the quoted member alone), the member by name or by value.
 * Returns the member's name.
 */
function enumValue(message: Message, p: ParameterDefinition, type: EnumTypeDefinition, t: string): string {
  const m = /^(?:(?:Microsoft\.Dynamics\.CRM|mscrm)\.([A-Za-z_]\w*))?'([^']*)'$/.exec(t);
  const name = m && (m[1] === undefined || m[1] === type.Name) ? enumMember(type.Members, m[2]!) : undefined;
  if (name === undefined) {
    throw bad(message, `The value ${t} of parameter '${p.Name}' is not a valid ${p.Type}; its members are ${type.Members.map((x) => `Microsoft.Dynamics.CRM.${type.Name}'${typeof x === 'string' ? x : x.Name}'`).join(', ')}`);
  }
  return name;
}

function checkRequired(message: Message, args: Record<string, unknown>): void {
  for (const p of message.Parameters) {
    if (!p.Optional && (args[p.Name] === undefined || args[p.Name] === null)) {
      throw bad(message, `The required parameter '${p.Name}' is missing`);
    }
  }
}

function declaration(message: Message, name: string): ParameterDefinition {
  const p = message.Parameters.find((x) => x.Name === name);
  if (!p) throw bad(message, `'${name}' is not a parameter of this operation; its parameters are ${message.Parameters.map((x) => x.Name).join(', ') || 'none'}`);
  return p;
}

/**
 * Function arguments from the text inside `Name(…)` and the request's parameter aliases; record
 * references keyed by an alternate key are looked up through `keyedUrl` (store/keyed-urls.ts).
 * Throws 400 `0x80060888` for unknown, repeated, missing or ill-typed parameters and unset aliases,
 * and what `keyedUrl` throws (404 `0x80040217` for a key no row has).
 */
export async function functionArguments(
  model: Model, message: Message, inline: string | undefined, aliases: ReadonlyMap<string, string> | undefined, keyedUrl: (url: string) => Promise<string>,
): Promise<Arguments> {
  const args: Record<string, unknown> = {};
  for (const part of splitParameters(inline ?? '')) {
    if (!part) throw bad(message, 'The parameters hold an empty parameter assignment (a comma too many)');
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(message, `'${part}' is not a parameter assignment (Name=value)`);
    const name = part.slice(0, eq).trim();
    const p = declaration(message, name);
    if (name in args) throw bad(message, `The parameter '${name}' is given more than once`);
    let text = part.slice(eq + 1).trim();
    if (text.startsWith('@')) {
      const aliased = aliases?.get(text);
      if (aliased === undefined) throw bad(message, `The parameter alias '${text}' has no value in the query string`);
      text = aliased;
    }
    args[name] = p.Type === 'mscrm.crmbaseentity' && text !== 'null' ? await recordReference(model, message, p, text, keyedUrl) : inlineValue(model, message, p, text);
  }
  checkRequired(message, args);
  return args;
}

function jsonValue(message: Message, p: ParameterDefinition, v: unknown): unknown {
  const wrong = () => bad(message, `The value of parameter '${p.Name}' is not a valid ${p.Type}`);
  if (v === null) return null;
  switch (p.Type) {
    case 'Edm.String': if (typeof v !== 'string') throw wrong(); return v;
    case 'Edm.Int32': case 'Edm.Int64': {
      // Edm.Int64 may come as a JSON string, as Dataverse writes it.
      const n = typeof v === 'string' && p.Type === 'Edm.Int64' && /^-?\d+$/.test(v) ? integerValue(p.Type, v)
        : typeof v === 'number' && Number.isInteger(v) ? integerValue(p.Type, v) : undefined;
      if (n === undefined) throw wrong();
      return n;
    }
    case 'Edm.Decimal': case 'Edm.Double': if (typeof v !== 'number') throw wrong(); return v;
    case 'Edm.Boolean': if (typeof v !== 'boolean') throw wrong(); return v;
    // Base64 (OData JSON Format §7.1, either alphabet), as bytes.
    case 'Edm.Binary': if (typeof v !== 'string' || !isBase64(v)) throw wrong(); return Buffer.from(v, 'base64');
    case 'Edm.Guid': { const g = typeof v === 'string' ? canonicalGuid(v) : undefined; if (!g) throw wrong(); return g; }
    case 'mscrm.crmbaseentity': if (typeof v !== 'object' || Array.isArray(v)) throw wrong(); return v;
    case 'Collection(mscrm.crmbaseentity)':
      // Each item is checked by the message, which names a bad one's index (messages/targets.ts).
      if (!Array.isArray(v)) throw wrong();
      return v;
    case 'Collection(Edm.String)':
      if (!Array.isArray(v)) throw wrong();
      return v.map((x, i) => { if (x === null) throw nullItem(message, p, i); if (typeof x !== 'string') throw wrong(); return x; });
    case 'Collection(Edm.Guid)': {
      if (!Array.isArray(v)) throw wrong();
      return v.map((x, i) => { if (x === null) throw nullItem(message, p, i); const g = typeof x === 'string' ? canonicalGuid(x) : undefined; if (!g) throw wrong(); return g; });
    }
    default:
      if (p.EnumType) {
        const name = typeof v === 'string' ? enumMember(p.EnumType.Members, v) : undefined;
        if (name === undefined) throw wrong();
        return name;
      }
      // A complex type or an entity type (`mscrm.systemuser`), or a collection of either: objects,
      // whose properties the message checks.
      if (!p.Type.startsWith('Collection(')) {
        if (typeof v !== 'object' || Array.isArray(v)) throw wrong();
        return v;
      }
      if (!Array.isArray(v) || v.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) throw wrong();
      return v;
  }
}

/**
 * Action arguments from a JSON body (an object of parameter values). Throws 400 `0x80048d19`-style
 * payload errors for unreadable JSON or JSON nested past MAX_JSON_DEPTH, and `0x80060888` for unknown, missing or ill-typed parameters.
 */
export function actionArguments(message: Message, body: string | undefined): Arguments {
  let parsed: unknown;
  try {
    parsed = parseJsonBody(body, '{}');
  } catch (err) {
    throw bad(message, (err as Error).message.replace(/\.$/, ''));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad(message, 'The request body must be a JSON object of parameter values');
  const args: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (name.includes('@')) continue; // annotations such as @odata.type on the parameter object itself
    args[name] = jsonValue(message, declaration(message, name), v);
  }
  checkRequired(message, args);
  return args;
}
