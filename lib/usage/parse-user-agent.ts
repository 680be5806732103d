/** User agent → browser (name, major version), OS name and device class. The string itself is never kept. */
import UAParser from 'ua-parser-js';

export const DEVICES = ['desktop', 'mobile', 'tablet', 'other'] as const;
export type Device = (typeof DEVICES)[number];

export interface ParsedUserAgent {
  browser: { name: string; major: string | null };
  os: { name: string };
  device: Device;
}

const UA_MAX = 512;
const CACHE_MAX = 2000;
// Front ends send the same few agents again and again: parsing is the costly part of ingestion.
const cache = new Map<string, ParsedUserAgent>();

export function parseUserAgent(userAgent: string): ParsedUserAgent {
  const ua = userAgent.slice(0, UA_MAX);
  const hit = cache.get(ua);
  if (hit) return hit;
  const r = new UAParser(ua).getResult();
  const type = r.device.type;
  const known = Boolean(r.browser.name || r.os.name);
  const device: Device = type === 'mobile' ? 'mobile' : type === 'tablet' ? 'tablet' : type === undefined && known ? 'desktop' : 'other';
  const parsed: ParsedUserAgent = {
    browser: { name: r.browser.name ?? 'unknown', major: r.browser.major ?? null },
    os: { name: r.os.name ?? 'unknown' },
    device,
  };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(ua, parsed);
  return parsed;
}
