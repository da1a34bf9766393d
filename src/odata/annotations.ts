import type { AttributeModel, Model } from '../model/types.js';

/**
 * Instance annotations a client asks for with `Prefer: odata.include-annotations="…"`
 * (digest §4.1): `*`, a comma list of terms, wildcards such as `Microsoft.Dynamics.CRM.*`, and
 * exclusions `-term`. Tessera emits the terms below (the last three on FetchXML reads only).
 */
export const TERMS = {
  formattedValue: 'OData.Community.Display.V1.FormattedValue',
  lookupLogicalName: 'Microsoft.Dynamics.CRM.lookuplogicalname',
  associatedNavigationProperty: 'Microsoft.Dynamics.CRM.associatednavigationproperty',
  totalRecordCount: 'Microsoft.Dynamics.CRM.totalrecordcount',
  totalRecordCountLimitExceeded: 'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded',
  fetchXmlPagingCookie: 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie',
  moreRecords: 'Microsoft.Dynamics.CRM.morerecords',
  attributeName: 'OData.Community.Display.V1.AttributeName',
} as const;

/** Which annotations a response carries. */
export type AnnotationSet = { readonly [K in keyof typeof TERMS]: boolean };

/** `*` matches every term, `Microsoft.Dynamics.CRM.*` or `Microsoft.PowerApps.CDS.ErrorDetails*` every term they start; anything else one term. */
function matches(pattern: string, term: string): boolean {
  return pattern.endsWith('*') ? term.startsWith(pattern.slice(0, -1)) : pattern === term;
}

/** Whether the preference value (quoted or not) selects `term`: some pattern includes it and no `-pattern` excludes it. */
function selector(preference: string): (term: string) => boolean {
  const patterns = preference.replace(/^"(.*)"$/, '$1').split(',').map((p) => p.trim()).filter(Boolean);
  const include = patterns.filter((p) => !p.startsWith('-'));
  const exclude = patterns.filter((p) => p.startsWith('-')).map((p) => p.slice(1));
  return (term) => include.some((p) => matches(p, term)) && !exclude.some((p) => matches(p, term));
}

/**
 * Reads the preference value (quoted or not) into the set of terms it selects; undefined when it
 * selects none of Tessera's terms.
 */
export function annotationSet(preference: string | undefined): AnnotationSet | undefined {
  if (!preference) return undefined;
  const wanted = selector(preference);
  const set = Object.fromEntries(Object.entries(TERMS).map(([k, term]) => [k, wanted(term)])) as unknown as AnnotationSet;
  return Object.values(set).some(Boolean) ? set : undefined;
}

/**
 * The annotations a platform error carries inside its `error` object when the request's
 * `odata.include-annotations` preference selects them (Dataverse "Compose HTTP requests and
 * handle errors", Include additional details with errors; digest §5.1), as `{"@<term>": value}`:
 * `Microsoft.PowerApps.CDS.HelpLink`, the go.microsoft.com link for the error's code, and
 * `Microsoft.PowerApps.CDS.InnerError.Message`, its message. The other terms of that page
 * (`ErrorDetails.OperationStatus`, `ErrorDetails.SubErrorCode`, `TraceText`) are set by plug-ins,
 * which Tessera does not run, so they are never sent. Errors of the OData layer (code `0x0` or
 * empty) carry none, nor does anything when `preference` is undefined.
 */
export function errorAnnotations(code: string, message: string, preference: string | undefined): Record<string, string> {
  if (!preference || !/^0x[0-9a-f]{8}$/i.test(code)) return {};
  const wanted = selector(preference);
  const out: Record<string, string> = {};
  if (wanted(ERROR_TERMS.helpLink)) out[`@${ERROR_TERMS.helpLink}`] = `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${code.slice(2)}&client=platform`;
  if (wanted(ERROR_TERMS.innerErrorMessage)) out[`@${ERROR_TERMS.innerErrorMessage}`] = message;
  return out;
}

/** The error annotations Tessera emits (errorAnnotations). */
export const ERROR_TERMS = {
  helpLink: 'Microsoft.PowerApps.CDS.HelpLink',
  innerErrorMessage: 'Microsoft.PowerApps.CDS.InnerError.Message',
} as const;

/**
 * Formatting of FormattedValue annotations in one locale (TESSERA_LOCALE, default en-US), times in
 * UTC: numbers `9,500`, decimals and doubles with their Precision (`2.50`), money `20,000.00`, date-times `4/7/2023 2:59 PM`, dates `4/7/2023`,
 * booleans `Yes`/`No`, choices by their option label (digest §4.1).
 */
export class Formatter {
  private readonly number: Intl.NumberFormat;
  private readonly money: Intl.NumberFormat;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly date: Intl.DateTimeFormat;
  private readonly byPrecision = new Map<number, Intl.NumberFormat>();

  constructor(private readonly locale = process.env['TESSERA_LOCALE'] ?? 'en-US') {
    this.number = new Intl.NumberFormat(locale, { maximumFractionDigits: 10 });
    this.money = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    this.dateTime = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit' });
    this.date = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
  }

  /** A number with exactly `digits` fraction digits in this locale (`1,234.50`), one formatter per count. */
  private fixed(digits: number): Intl.NumberFormat {
    let f = this.byPrecision.get(digits);
    if (!f) this.byPrecision.set(digits, f = new Intl.NumberFormat(this.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
    return f;
  }

  /** A plain number as this locale writes it (`9,500`): counts, which have no column. */
  formatNumber(v: number): string {
    return this.number.format(v);
  }

  /** The formatted value of a non-null value of `a`, or undefined when the type has none. */
  format(a: AttributeModel, v: unknown): string | undefined {
    switch (a.AttributeType) {
      case 'Picklist': case 'State': case 'Status':
        return a.OptionSet?.Options.find((o) => o.Value === v)?.Label;
      case 'Boolean': return v ? 'Yes' : 'No';
      case 'Integer': return this.number.format(v as number);
      // Past 2^53 the exact integer the double holds, as the value itself is written (json-number.ts).
      case 'BigInt': return this.number.format(Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(v as number) : v as number);
      // Dataverse shows decimals and doubles with the column's Precision digits (`2.50`).
      case 'Decimal': case 'Double': return a.Precision === undefined ? this.number.format(v as number) : this.fixed(a.Precision).format(v as number);
      case 'Money': return this.money.format(v as number);
      case 'DateTime':
        if (a.EdmType === 'Edm.Date') return this.date.format(new Date(`${String(v)}T00:00:00Z`));
        // Format (DateOnly / DateAndTime) is how Dataverse displays the value (digest §1.4).
        if (a.Format === 'DateOnly') return this.date.format(new Date(String(v)));
        return this.dateTime.format(new Date(String(v))).replace(', ', ' ');
      default: return undefined;
    }
  }
}

/** The table a lookup points at (its only target; polymorphic lookups come with relationships). */
export function lookupTarget(model: Model, a: AttributeModel): string | undefined {
  return a.Targets.length === 1 ? model.byLogicalName.get(a.Targets[0]!)?.LogicalName : undefined;
}
