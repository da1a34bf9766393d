/**
 * The optional parameters of Dataverse's "Bypass custom Dataverse logic" and "Bypass Power Automate
 * flows", sent as Web API request headers: which privileges they take, and which values they
 * accept. Tessera has no plug-ins, workflows or flows, so a valid, permitted header changes
 * nothing else.
 */
import { Errors } from '../errors.js';
import { header, type HttpRequest } from '../odata/request.js';
import { BYPASS_CUSTOM_BUSINESS_LOGIC, BYPASS_CUSTOM_PLUGINS } from './privileges.js';

/** The values MSCRM.BypassBusinessLogicExecution takes, comma-separated (either or both). */
const BUSINESS_LOGIC_KINDS = ['customsync', 'customasync'];

/**
 * How many plug-in steps MSCRM.BypassBusinessLogicExecutionStepIds may name: Dataverse's default
 * BypassBusinessLogicExecutionStepIdsLimit (an OrgDbOrgSetting Tessera does not model).
 */
export const BYPASS_STEP_IDS_LIMIT = 3;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 400 `0x80040203` naming header `name`, its value and what it takes. */
function invalid(name: string, value: string, expected: string): Error {
  return Errors.invalidArgument(`Invalid value '${value}' for the ${name} header: expected ${expected}.`);
}

/**
 * The comma-separated items of a header value, trimmed; one pair of surrounding double quotes is
 * dropped first (Dataverse's own Web API example quotes the step ids). Undefined for an absent or
 * blank header.
 */
function items(value: string | undefined): string[] | undefined {
  let text = value?.trim();
  if (text && text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).trim();
  return text ? text.split(',').map((item) => item.trim()) : undefined;
}

/**
 * The privileges the bypass headers of `headers` take of the user a request runs as (Dataverse
 * "Bypass custom Dataverse logic", "Bypass Power Automate flows"):
 * - `MSCRM.BypassCustomPluginExecution: true` (any case) takes prvBypassCustomPlugins; other values
 *   ask nothing.
 * - `MSCRM.BypassBusinessLogicExecution: CustomSync | CustomAsync | CustomSync,CustomAsync` (any
 *   case and order) takes prvBypassCustomBusinessLogic.
 * - `MSCRM.BypassBusinessLogicExecutionStepIds: <guid>,…` (at most BYPASS_STEP_IDS_LIMIT) takes
 *   prvBypassCustomBusinessLogic.
 * - `MSCRM.SuppressCallbackRegistrationExpanderJob: true | false` takes none ("no special
 *   privilege is required").
 * Returns the names, each once, in that order; an empty array when none is asked.
 * Throws 400 `0x80040203` (Errors.invalidArgument) naming the header and value when one of the
 * last three holds anything else: Dataverse documents the values but no error of its own for others.
 */
export function bypassPrivileges(headers: HttpRequest['headers']): string[] {
  const out = new Set<string>();
  if (header(headers, 'mscrm.bypasscustompluginexecution')?.trim().toLowerCase() === 'true') out.add(BYPASS_CUSTOM_PLUGINS);
  const kinds = header(headers, 'mscrm.bypassbusinesslogicexecution');
  const kindItems = items(kinds);
  if (kindItems) {
    if (!kindItems.every((k) => BUSINESS_LOGIC_KINDS.includes(k.toLowerCase()))) {
      throw invalid('MSCRM.BypassBusinessLogicExecution', kinds!.trim(), 'CustomSync, CustomAsync or CustomSync,CustomAsync');
    }
    out.add(BYPASS_CUSTOM_BUSINESS_LOGIC);
  }
  const steps = header(headers, 'mscrm.bypassbusinesslogicexecutionstepids');
  const stepItems = items(steps);
  if (stepItems) {
    if (!stepItems.every((id) => GUID.test(id))) {
      throw invalid('MSCRM.BypassBusinessLogicExecutionStepIds', steps!.trim(), 'a comma-separated list of plug-in step ids (GUIDs)');
    }
    if (stepItems.length > BYPASS_STEP_IDS_LIMIT) {
      throw invalid('MSCRM.BypassBusinessLogicExecutionStepIds', steps!.trim(), `at most ${BYPASS_STEP_IDS_LIMIT} plug-in step ids`);
    }
    out.add(BYPASS_CUSTOM_BUSINESS_LOGIC);
  }
  const suppress = header(headers, 'mscrm.suppresscallbackregistrationexpanderjob')?.trim();
  if (suppress && !['true', 'false'].includes(suppress.toLowerCase())) {
    throw invalid('MSCRM.SuppressCallbackRegistrationExpanderJob', suppress, 'true or false');
  }
  return [...out];
}
