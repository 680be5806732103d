import { describe, expect, it } from 'vitest';
import { truncateIp } from '../../lib/usage/truncate-ip.ts';
import { pagePath } from '../../lib/usage/ingest.ts';
import { parseUserAgent } from '../../lib/usage/parse-user-agent.ts';

describe('truncateIp', () => {
  it('keeps the /24 of an IPv4 address', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp(' 10.1.2.3 ')).toBe('10.1.2.0/24');
  });

  it('keeps the /48 of an IPv6 address, in any notation', () => {
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::/48');
    expect(truncateIp('2001:0DB8:0001::1')).toBe('2001:db8:1::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(truncateIp('::1')).toBe('0:0:0::/48');
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(truncateIp('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp('::FFFF:cb00:714d')).toBe('203.0.113.0/24');
    expect(truncateIp('0:0:0:0:0:ffff:198.51.100.9')).toBe('198.51.100.0/24');
  });

  it('returns null for anything that is not an address', () => {
    for (const bad of ['', 'localhost', '256.1.1.1', '1.2.3', '203.0.113.77/24', '2001:db8::g', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.999']) {
      expect(truncateIp(bad), bad).toBeNull();
    }
  });

  it('never returns the full address', () => {
    for (const ip of ['203.0.113.77', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '::ffff:203.0.113.77']) {
      expect(truncateIp(ip)).not.toContain(ip.split(/[.:]/).at(-1));
    }
  });
});

describe('pagePath', () => {
  it('keeps the path only, cut to its maximum', () => {
    expect(pagePath('/leads/42?q=olive@acme.example#notes')).toBe('/leads/42');
    expect(pagePath('https://app.loro.example/jobs/7?token=abc')).toBe('/jobs/7');
    expect(pagePath('?q=1')).toBe('/');
    expect(pagePath(`/${'x'.repeat(2000)}`)).toHaveLength(512);
  });
});

describe('parseUserAgent', () => {
  it('parses browser, major version, OS and device class', () => {
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')).toEqual({
      browser: { name: 'Chrome', major: '124' },
      os: { name: 'Windows' },
      device: 'desktop',
    });
    expect(parseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1').device).toBe('mobile');
    expect(parseUserAgent('Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1').device).toBe('tablet');
    expect(parseUserAgent('')).toEqual({ browser: { name: 'unknown', major: null }, os: { name: 'unknown' }, device: 'other' });
  });
});
