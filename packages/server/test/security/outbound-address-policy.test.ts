/**
 * The outbound address policy: every non-public range (IPv4, IPv6, and the IPv6 forms
 * that embed an IPv4 address) is refused; public addresses pass.
 */
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/security/outbound-address-policy.js';

describe('isPublicAddress', () => {
  it.each([
    ['unspecified 0.0.0.0/8', ['0.0.0.0', '0.1.2.3', '0.255.255.255']],
    ['loopback 127/8', ['127.0.0.1', '127.255.255.254', '127.1.2.3']],
    ['private 10/8', ['10.0.0.1', '10.255.255.255']],
    ['private 172.16/12', ['172.16.0.1', '172.31.255.255']],
    ['private 192.168/16', ['192.168.0.1', '192.168.255.255']],
    ['carrier-grade NAT 100.64/10', ['100.64.0.1', '100.127.255.255']],
    ['link-local 169.254/16 (cloud metadata)', ['169.254.169.254', '169.254.0.1']],
    ['multicast 224/4', ['224.0.0.1', '239.255.255.255']],
    ['reserved 240/4 and broadcast', ['240.0.0.1', '250.1.2.3', '255.255.255.255']],
    ['benchmarking 198.18/15', ['198.18.0.1', '198.19.255.255']],
    ['documentation', ['192.0.2.1', '198.51.100.7', '203.0.113.200']],
    ['IETF 192.0.0/24', ['192.0.0.1', '192.0.0.170']],
    ['6to4 relay anycast 192.88.99/24', ['192.88.99.1']],
  ])('refuses IPv4 %s', (_range, addresses) => {
    for (const address of addresses) expect(isPublicAddress(address), address).toBe(false);
  });

  it.each([
    ['unspecified ::', ['::', '0:0:0:0:0:0:0:0']],
    ['loopback ::1', ['::1', '0:0:0:0:0:0:0:1', '[::1]']],
    ['unique-local fc00::/7', ['fc00::1', 'fd12:3456:789a::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
    ['link-local fe80::/10', ['fe80::1', 'febf::1', 'fe80::1%eth0']],
    ['site-local fec0::/10 (deprecated)', ['fec0::1']],
    ['multicast ff00::/8', ['ff02::1', 'ff0e::101']],
    ['documentation 2001:db8::/32 and 3fff::/20', ['2001:db8::1', '2001:db8:ffff::1', '3fff::1']],
    ['IETF 2001::/23 (Teredo, benchmarking)', ['2001::1', '2001:2::1', '2001:1ff::1']],
    ['discard 100::/64 and NAT64 local-use 64:ff9b:1::/48', ['100::1', '64:ff9b:1::a00:1']],
  ])('refuses IPv6 %s', (_range, addresses) => {
    for (const address of addresses) expect(isPublicAddress(address), address).toBe(false);
  });

  it.each([
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '[::ffff:7f00:1]']],
    ['IPv4-mapped private and link-local', ['::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::ffff:192.168.1.1']],
    ['IPv4-mapped unspecified, multicast, reserved', ['::ffff:0.0.0.0', '::ffff:224.0.0.1', '::ffff:255.255.255.255']],
    ['IPv4-compatible (deprecated, any address)', ['::127.0.0.1', '::7f00:1', '::8.8.8.8', '::a00:1']],
    ['NAT64 embedding a private IPv4', ['64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b::10.1.2.3']],
    ['6to4 embedding a private IPv4', ['2002:7f00:1::1', '2002:a9fe:a9fe::', '2002:c0a8:101::1']],
    ['SIIT ::ffff:0:0/96', ['::ffff:0:7f00:1', '::ffff:0:808:808']],
  ])('refuses %s', (_form, addresses) => {
    for (const address of addresses) expect(isPublicAddress(address), address).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['a name', 'localhost'],
    ['a name that looks numeric', '2130706433'],
    ['octal IPv4', '0177.0.0.1'],
    ['short IPv4', '127.1'],
    ['a URL host with a port', '8.8.8.8:80'],
    ['garbage IPv6', ':::1'],
  ])('refuses something that is not an address: %s', (_what, value) => {
    expect(isPublicAddress(value)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '192.0.1.255',
    '192.0.3.1',
    '198.17.255.255',
    '198.20.0.1',
    '223.255.255.255',
    '11.0.0.1',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '[2a00:1450:4001:80b::200e]',
    '2400:cb00::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001:200::1',
    '2001:db9::1',
  ])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
