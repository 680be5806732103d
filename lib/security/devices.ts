/**
 * Devices for the new-device sign-in alert. A device is what a sign-in looks like from coarse, non-identifying
 * parts: the parsed user agent's family (browser name, OS name, device class — no version, so an update is not a
 * new device) and the truncated network prefix (IPv4 /24, IPv6 /48). Known devices are remembered per user as a
 * keyed hash only: HMAC-SHA256 under a key derived (HKDF, info 'loro-known-device') from the system data key, so
 * the small space of browsers × networks cannot be brute-forced from the database alone.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { SYSTEM_OWNER, type DataKey, type Keyring } from '../crypto/keyring.ts';
import { parseUserAgent } from '../usage/parse-user-agent.ts';
import { truncateIp } from '../usage/truncate-ip.ts';

export const KNOWN_DEVICE_INFO = 'loro-known-device';

/** How a sign-in's device is described to its user (in the alert mail); never the raw agent or address. */
export interface DeviceDescription {
  browser: string;
  os: string;
  device: string;
  /** Network prefix (`203.0.113.0/24`), or `unknown`. */
  network: string;
}

export function describeDevice(userAgent: string | undefined, ip: string | undefined): DeviceDescription {
  const ua = parseUserAgent(userAgent ?? '');
  return { browser: ua.browser.name, os: ua.os.name, device: ua.device, network: (ip && truncateIp(ip)) || 'unknown' };
}

const derived = new WeakMap<Buffer, Buffer>();
function deviceKey(dataKey: DataKey): Buffer {
  let key = derived.get(dataKey.key);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.alloc(0), KNOWN_DEVICE_INFO, 32));
    derived.set(dataKey.key, key);
  }
  return key;
}

/** The keyed hash a user's device is remembered by (32 hex digits); the user ID is part of the MAC input. */
export async function deviceHash(keyring: Keyring, userId: string, d: DeviceDescription): Promise<string> {
  const key = deviceKey(await keyring.dataKeyFor(SYSTEM_OWNER));
  return createHmac('sha256', key)
    .update(JSON.stringify([userId, d.browser, d.os, d.device, d.network]))
    .digest()
    .subarray(0, 16)
    .toString('hex');
}
