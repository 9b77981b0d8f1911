/**
 * The token endpoint (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Registers `/token`. */
export function registerTokenRoutes(_app: FastifyInstance): void {}
