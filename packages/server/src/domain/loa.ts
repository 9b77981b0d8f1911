/**
 * Levels of assurance (SPEC 4): integers 1–5, asserted as `acr` = `urn:idgate:loa:N`.
 */

/** The prefix of idgate's `acr` values: `urn:idgate:loa:<1…5>` (SPEC 4). */
export const ACR_PREFIX = 'urn:idgate:loa:';

/** Levels of assurance, lowest first (2 ≈ eIDAS low, 3 ≈ substantial, 4 ≈ high, 5 = qualified). */
export const LOA_LEVELS = [1, 2, 3, 4, 5] as const;

/** A level of assurance. */
export type Loa = (typeof LOA_LEVELS)[number];

/** Whether `value` is a level of assurance (an integer from 1 to 5). */
export function isLoa(value: unknown): value is Loa {
  return typeof value === 'number' && (LOA_LEVELS as readonly number[]).includes(value);
}

/**
 * The `acr` value of a level of assurance.
 * @throws RangeError when `loa` is not an integer from 1 to 5 (a programming error).
 */
export function acrForLoa(loa: number): string {
  if (!isLoa(loa)) throw new RangeError(`not a level of assurance: ${String(loa)}`);
  return `${ACR_PREFIX}${loa}`;
}

/** The level of assurance an `acr` value names, or undefined when it names none idgate knows. */
export function loaFromAcr(acr: string): Loa | undefined {
  if (!acr.startsWith(ACR_PREFIX)) return undefined;
  const digits = acr.slice(ACR_PREFIX.length);
  // Exactly one digit: `urn:idgate:loa:03` or `…:3.0` are not idgate's values.
  if (!/^[1-5]$/.test(digits)) return undefined;
  return Number(digits) as Loa;
}
