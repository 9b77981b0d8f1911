/**
 * A minimal browser for the upstream tests: follows redirects over real HTTP between
 * idgate and the upstream, keeps cookies per origin (name → value, enough for both), and
 * stops at the first URL that is neither (the app's redirect URI). Bounded in hops.
 */
import { expect } from 'vitest';

/** One step the browser took. */
export interface Hop {
  readonly url: string;
  readonly status: number;
  readonly location: string | undefined;
}

/** The browser's state. */
export class TestBrowser {
  readonly #jars = new Map<string, Map<string, string>>();
  readonly #origins: readonly string[];

  constructor(origins: readonly string[]) {
    this.#origins = origins;
  }

  #cookieHeader(url: URL): string | undefined {
    const jar = this.#jars.get(url.origin);
    if (jar === undefined || jar.size === 0) return undefined;
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  #keep(url: URL, response: Response): void {
    const jar = this.#jars.get(url.origin) ?? new Map<string, string>();
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.#jars.set(url.origin, jar);
  }

  /**
   * Opens `start` and follows redirects until a URL outside the known origins (returned)
   * or an answer that is not a redirect (the last hop's URL is returned).
   * `rewrite` may change a URL before the browser opens it (an attacker's or a broken network's hand).
   */
  async walk(
    start: string,
    rewrite: (url: URL) => URL = (url) => url,
  ): Promise<{ final: URL; hops: Hop[]; body: string }> {
    const hops: Hop[] = [];
    let url = rewrite(new URL(start));
    for (let hop = 0; hop < 15; hop++) {
      if (!this.#origins.includes(url.origin)) return { final: url, hops, body: '' };
      const cookie = this.#cookieHeader(url);
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { accept: 'text/html', ...(cookie === undefined ? {} : { cookie }) },
      });
      this.#keep(url, response);
      const location = response.headers.get('location') ?? undefined;
      hops.push({ url: url.toString(), status: response.status, location });
      if (response.status < 300 || response.status >= 400 || location === undefined) {
        return { final: url, hops, body: await response.text() };
      }
      await response.arrayBuffer();
      url = rewrite(new URL(location, url));
    }
    expect.fail(`too many redirects: ${hops.map((hop) => hop.url).join(' → ')}`);
  }
}
