/**
 * CORS (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Answers CORS on routes whose contract says `cors: true`. */
export function installCors(_app: FastifyInstance): void {}
