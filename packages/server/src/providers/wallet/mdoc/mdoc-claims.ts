/**
 * Element values of an mdoc as plain JSON data, in the `VerifiedCredential.claims` shape
 * `{ [namespace]: { [elementIdentifier]: value } }` (verified-credential.ts):
 *
 * - `full-date` (RFC 8943, tag 1004) → `YYYY-MM-DD`;
 * - `tdate` (RFC 8949 §3.4.1, tag 0) and epoch dates (tag 1) → ISO 8601 (`…Z`, no fraction when there is none);
 * - byte strings → base64url;
 * - maps → objects (keys as strings), arrays kept, integers beyond 2^53 as decimal strings.
 */
import { Buffer } from 'node:buffer';
import { DataItem, DateOnly } from '@owf/mdoc';

/** A value that cannot be represented (an invalid date …). */
export class UnreadableElementValue extends Error {
  override readonly name = 'UnreadableElementValue';
}

function isoDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new UnreadableElementValue('invalid tdate');
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

function fullDate(date: DateOnly): string {
  try {
    return date.toISOString();
  } catch {
    throw new UnreadableElementValue('invalid full-date');
  }
}

function isTagged(value: object): value is { readonly tag: number; readonly value: unknown } {
  return 'tag' in value && typeof value.tag === 'number' && 'value' in value;
}

/**
 * An element value as JSON data.
 * @throws UnreadableElementValue for a date that is not one
 */
export function jsonValueOf(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'object':
      return objectValueOf(value);
    default:
      return null;
  }
}

function objectValueOf(value: object): unknown {
  if (value instanceof DateOnly) return fullDate(value);
  if (value instanceof Date) return isoDateTime(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64url');
  if (Array.isArray(value)) return value.map(jsonValueOf);
  if (value instanceof Map) {
    // Object.fromEntries defines own properties: a `__proto__` key stays a plain key.
    return Object.fromEntries(
      [...value].map(function entry([key, item]: [unknown, unknown]) {
        return [String(key), jsonValueOf(item)];
      }),
    );
  }
  if (value instanceof DataItem) return jsonValueOf(value.data);
  // Any other CBOR tag: its content.
  if (isTagged(value)) return jsonValueOf(value.value);
  return null;
}

/** The namespaces that carry `issuing_country` in the two doctypes idgate knows. */
const ISSUING_COUNTRY_NAMESPACES = ['org.iso.18013.5.1', 'eu.europa.ec.eudi.pid.1'] as const;

/**
 * The issuing country (ISO 3166-1 alpha-2): the document signer certificate's `C`, else the
 * disclosed `issuing_country` element of the mDL or PID namespace.
 */
export function issuingCountryOf(
  certificateCountry: string | undefined,
  claims: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): string | undefined {
  if (certificateCountry !== undefined) return certificateCountry;
  for (const namespace of ISSUING_COUNTRY_NAMESPACES) {
    const value = claims[namespace]?.['issuing_country'];
    if (typeof value === 'string' && /^[A-Za-z]{2}$/.test(value)) return value.toUpperCase();
  }
  return undefined;
}
