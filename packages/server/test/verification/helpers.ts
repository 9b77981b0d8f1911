/**
 * Helpers of the verification and provider tests: a settable clock, apps with REST
 * credentials, sealed client_credentials tokens, and short request helpers.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { adminAuth, type TestApp } from '../support/app.js';
import { registerSecret } from '../support/leaks.js';

/** The start of every test clock. */
export const T0 = Date.parse('2026-11-22T10:30:00.000Z');

/** A clock tests move by hand. */
export interface TestClock {
  readonly clock: () => Date;
  now(): Date;
  advance(ms: number): void;
}

/** A clock at {@link T0} that only moves when told to. */
export function testClock(start = T0): TestClock {
  let now = start;
  return {
    clock: () => new Date(now),
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** An app created through the admin API, with its REST credentials. */
export interface RestApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** `Authorization: Basic …` */
  readonly basic: string;
}

/** The registered redirect URIs of test apps. */
export const REDIRECT_URI = 'https://shop.example/callback';

/** Creates an app through the admin API. */
export async function createRestApp(t: TestApp, body: Record<string, unknown> = {}): Promise<RestApp> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/v1/apps',
    headers: adminAuth(),
    payload: { name: 'Verifier', type: 'confidential', redirectUris: [REDIRECT_URI], ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  const created = JSON.parse(res.body) as { clientId: string; clientSecret?: string };
  registerSecret(created.clientSecret);
  const clientSecret = created.clientSecret ?? '';
  return {
    clientId: created.clientId,
    clientSecret,
    basic: basicAuth(created.clientId, clientSecret),
  };
}

/** `Basic base64(id:secret)` (RFC 6749 §2.3.1 form-encoding is a no-op for our base62 credentials). */
export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** A sealed client_credentials access token (before the token endpoint exists). */
export function sealToken(
  t: TestApp,
  clientId: string,
  scope: string,
  options: { env?: 'sandbox' | 'production'; iat?: number; ttl?: number; jti?: string; gid?: string } = {},
): string {
  const iat = options.iat ?? Math.floor(T0 / 1000);
  const token = t.app.idgate.accessTokens.seal({
    jti: options.jti ?? randomUUID(),
    gid: options.gid ?? randomUUID(),
    cid: clientId,
    env: options.env ?? 'sandbox',
    scope,
    iat,
    exp: iat + (options.ttl ?? 3600),
  });
  registerSecret(token);
  return token;
}

/** Parses a JSON body. */
export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** `POST /v1/verifications`. */
export async function createVerification(
  t: TestApp,
  authorization: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/v1/verifications',
    headers: { authorization, ...headers },
    payload: payload as Record<string, unknown>,
  });
}

/** `GET /v1/verifications/{id}`. */
export async function getVerification(t: TestApp, authorization: string, id: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: { authorization } });
}

/** `GET /admin/v1/verifications/{id}/events` → the events. */
export async function eventsOf(
  t: TestApp,
  id: string,
): Promise<{ from: string | null; to: string; statusCode: string | null; actor: string; at: string }[]> {
  const res = await t.app.inject({ method: 'GET', url: `/admin/v1/verifications/${id}/events`, headers: adminAuth() });
  expect(res.statusCode, res.body).toBe(200);
  return json<{ data: { from: string | null; to: string; statusCode: string | null; actor: string; at: string }[] }>(
    res,
  ).data;
}
