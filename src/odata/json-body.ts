/**
 * JSON request bodies (OData JSON Format §4): parsed with JSON.parse, then checked for nesting.
 * Everything after parsing walks a body recursively (binds, deep inserts, parameters), so a body
 * nested thousands of levels deep (a few KiB of `[[[…]]]`) would overflow the stack there and
 * answer 500; it is refused here instead, as OData's reader refuses payloads past its nesting
 * quota (ODataMessageQuotas.MaxNestingDepth, default 100).
 */

/** Most levels of objects and arrays a request body may nest (the outermost object is level 1). */
export const MAX_JSON_DEPTH = 100;

/**
 * Parses `text` (`empty` when it is missing or blank). Throws an Error whose message is a whole
 * sentence for the client: the text is not JSON, or it nests objects and arrays deeper than
 * MAX_JSON_DEPTH. Callers wrap it in their own 400.
 */
export function parseJsonBody(text: string | undefined, empty: 'null' | '{}'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text && text.trim() ? text : empty);
  } catch (err) {
    throw new Error(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (nestsDeeper(value, MAX_JSON_DEPTH)) throw new Error(`The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  return value;
}

/** Whether `v` holds objects or arrays more than `levels` deep (recursion bounded by `levels`). */
function nestsDeeper(v: unknown, levels: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (nestsDeeper(v[i], levels - 1)) return true;
    return false;
  }
  for (const k in v) if (nestsDeeper((v as Record<string, unknown>)[k], levels - 1)) return true;
  return false;
}
