/**
 * The developer-facing texts of the error catalog (English): what each code means, its
 * common causes and how to fix it. Rendered on `GET /errors`, in the generated error
 * reference and, for the description, as `detail` when a throw site gives none.
 *
 * Rules for every text here (tests enforce them):
 * - never a double quote or a backslash: texts travel in HTTP header quoted-strings;
 * - descriptions are plain ASCII (RFC 6749 `error_description` character set);
 * - descriptions of 5xx codes are the only text a client ever sees for them, so they are
 *   generic and name no host, dependency or internal detail.
 */
import type { CatalogTexts, ErrorCode } from './catalog-decisions.js';
import { REQUEST_TEXTS } from './catalog-texts-requests.js';
import { SERVICE_TEXTS } from './catalog-texts-services.js';

/** Developer-facing texts of every catalog code (English): a missing one is a type error. */
export const CATALOG_TEXTS: Readonly<Record<ErrorCode, CatalogTexts>> = { ...REQUEST_TEXTS, ...SERVICE_TEXTS };
