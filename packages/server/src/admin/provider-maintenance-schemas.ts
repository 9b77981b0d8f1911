/**
 * JSON schema of what the provider maintenance routes answer with (the shape
 * `provider-maintenance.routes.ts` builds). Published as an OpenAPI component; the OpenAPI
 * test validates real responses against it. Not attached to the routes.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { Nullable } from '../http/schema-helpers.js';

const DateTime = Type.String({ format: 'date-time' });

/** `GET`/`PUT /admin/v1/providers/{providerId}/maintenance`. */
export const ProviderMaintenanceView = Type.Object(
  {
    providerId: Type.String(),
    maintenance: Type.Boolean({ description: 'Whether the provider is in maintenance now.' }),
    since: Nullable(DateTime),
    until: Nullable(Type.String({ format: 'date-time', description: 'Expected end; null: until switched off.' })),
    reason: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

/** The components this module contributes to the OpenAPI document, by name. */
export const PROVIDER_MAINTENANCE_SCHEMAS: Readonly<Record<string, TSchema>> = {
  ProviderMaintenance: ProviderMaintenanceView,
};
