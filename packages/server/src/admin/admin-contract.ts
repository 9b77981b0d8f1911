/**
 * The route contract of every admin API route (`/admin/v1/…`): a bearer admin key
 * (realm `idgate-admin`), JSON answers, JSON or merge-patch bodies, and the two auth
 * errors besides the route's own.
 */
import type { ErrorCode } from '@idgate/errors';
import type { RouteContract } from '../http/route-contract.js';

const JSON_ONLY = ['application/json'] as const;
const JSON_BODIES = ['application/json', 'application/merge-patch+json'] as const;
const AUTH_ERRORS: readonly ErrorCode[] = ['AUTH_MISSING_CREDENTIALS', 'AUTH_INVALID_CREDENTIALS'];

/** The `config` of an admin route: its summary (OpenAPI), its own errors, and whether it takes a body. */
export function adminRouteContract(
  summary: string,
  errors: readonly ErrorCode[],
  withBody = false,
): { idgate: RouteContract } {
  return {
    idgate: {
      surface: 'bearer',
      realm: 'idgate-admin',
      produces: JSON_ONLY,
      ...(withBody ? { consumes: JSON_BODIES } : {}),
      errors: [...AUTH_ERRORS, ...errors],
      summary,
      tag: 'admin',
    },
  };
}
