/**
 * Client addresses are personal data: only a network prefix is kept — IPv4 /24, IPv6 /48. IPv4-mapped IPv6
 * (`::ffff:203.0.113.7`) counts as IPv4. Returns null for anything that is not an address; the full address
 * is never returned.
 */
import { isIP } from 'node:net';

function v4Prefix(a: number, b: number, c: number) {
  return `${a}.${b}.${c}.0/24`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone ID dropped, embedded dotted IPv4 converted). */
function v6Groups(address: string): number[] {
  let s = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  if (tail === undefined) return h;
  const t = parse(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

export function truncateIp(ip: string): string | null {
  const s = ip.trim();
  const version = isIP(s);
  if (version === 4) {
    const [a, b, c] = s.split('.').map(Number) as [number, number, number];
    return v4Prefix(a, b, c);
  }
  if (version !== 6) return null;
  const g = v6Groups(s);
  if (g.length !== 8) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4Prefix(g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8);
  return `${g.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`;
}
