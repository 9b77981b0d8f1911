/**
 * Per-app branding of the hosted pages: the schema the admin API takes, and the rules a
 * value must meet beyond its shape. Colours must keep the pages readable (white text on
 * the primary colour, the accent on white: WCAG 2.1 contrast of at least 4.5:1), and the
 * logo is an https URL on a plain host name, so the page's CSP can name its origin in
 * `img-src` (the browser loads it; idgate fetches nothing).
 */
import type { FieldProblem } from '@idgate/errors';
import { type Static, Type } from '@sinclair/typebox';
import type { Environment } from '../config/config.js';
import type { AppBranding } from '../store/apps.repository.js';

/** A `#rrggbb` colour. */
const HexColor = Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: '#rrggbb' });

/** `branding` of `POST /admin/v1/apps` and `PATCH /admin/v1/apps/{clientId}` (a PATCH replaces it whole). */
export const BrandingBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    logoUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    primaryColor: Type.Optional(HexColor),
    accentColor: Type.Optional(HexColor),
  },
  { additionalProperties: false },
);
export type BrandingBody = Static<typeof BrandingBody>;

/** The least contrast a colour must have with white (WCAG 2.1 SC 1.4.3, normal text). */
export const MIN_CONTRAST = 4.5;

/** The relative luminance of a `#rrggbb` colour (WCAG 2.1). */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map(function channel(start) {
    const value = Number.parseInt(hex.slice(start, start + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  const [red = 0, green = 0, blue = 0] = channels;
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** The contrast ratio of a `#rrggbb` colour with white, 1 to 21. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

/** A host name the CSP can name as is (letters, digits, dots, hyphens) or an IPv4 literal. */
const PLAIN_HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1';
}

/** Why a logo URL is refused, or `undefined`. */
function logoUrlProblem(value: string, environment: Environment): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.username || url.password) return 'must not contain user information';
  if (url.hash) return 'must not contain a fragment';
  if (!PLAIN_HOST.test(url.hostname)) return 'must name its host with letters, digits, dots and hyphens only';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && environment === 'sandbox' && isLoopback(url.hostname)) return undefined;
  return 'must use https (http only on a loopback host in sandbox)';
}

/** Every problem of a branding value (its shape already checked by {@link BrandingBody}). */
export function brandingProblems(branding: AppBranding | null, environment: Environment): FieldProblem[] {
  if (branding === null) return [];
  const problems: FieldProblem[] = [];
  if (branding.name !== undefined && branding.name.trim() === '') {
    problems.push({ name: 'branding.name', pointer: '/branding/name', reason: 'must not be blank' });
  }
  if (branding.logoUrl !== undefined) {
    const reason = logoUrlProblem(branding.logoUrl, environment);
    if (reason) problems.push({ name: 'branding.logoUrl', pointer: '/branding/logoUrl', reason });
  }
  const colours = [
    ['primaryColor', 'white button text on it'],
    ['accentColor', 'links in it on white'],
  ] as const;
  for (const [field, use] of colours) {
    const colour = branding[field];
    if (colour === undefined) continue;
    const ratio = contrastWithWhite(colour);
    if (ratio < MIN_CONTRAST) {
      problems.push({
        name: `branding.${field}`,
        pointer: `/branding/${field}`,
        reason: `must contrast at least ${MIN_CONTRAST}:1 with white (${use}); ${colour} has ${ratio.toFixed(2)}:1`,
      });
    }
  }
  return problems;
}

/** A branding value as stored: colours in lower case, an empty object as no branding. */
export function normalizedBranding(branding: BrandingBody | null | undefined): AppBranding | null {
  if (branding === null || branding === undefined) return null;
  const normalized: { -readonly [K in keyof AppBranding]: string } = {};
  if (branding.name !== undefined) normalized.name = branding.name.trim();
  if (branding.logoUrl !== undefined) normalized.logoUrl = branding.logoUrl;
  if (branding.primaryColor !== undefined) normalized.primaryColor = branding.primaryColor.toLowerCase();
  if (branding.accentColor !== undefined) normalized.accentColor = branding.accentColor.toLowerCase();
  return Object.keys(normalized).length === 0 ? null : normalized;
}
