/**
 * Which IP addresses idgate may POST to when private networks are refused
 * (`IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`): only public (globally routed) ones. Anyone who
 * can register a sign-in hook or webhook URL could otherwise make idgate call into its own
 * network (cloud metadata at 169.254.169.254, admin ports on localhost, 10/8 …).
 *
 * One list, used both when a URL is registered (IP literals) and when idgate connects
 * (every address the name resolves to). The ranges follow the IANA special-purpose address
 * registries. IPv6 is refused outside global unicast (2000::/3); an IPv6 address that
 * embeds an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) is judged by the IPv4 address it reaches; the deprecated IPv4-compatible
 * form (`::a.b.c.d`) is refused outright.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** IPv4 ranges that are not public. */
const IPV4_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address 255.255.255.255
];

/** IPv6 ranges inside global unicast (2000::/3) that are not public. */
const IPV6_GLOBAL_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking 2001:2::/48, ORCHID)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
];

const ipv4Refused = new BlockList();
for (const [network, prefix] of IPV4_NOT_PUBLIC) ipv4Refused.addSubnet(network, prefix, 'ipv4');
const ipv6Refused = new BlockList();
for (const [network, prefix] of IPV6_GLOBAL_NOT_PUBLIC) ipv6Refused.addSubnet(network, prefix, 'ipv6');

/**
 * Whether `ip` is a public address idgate may connect to. Takes an IPv4 address in dotted
 * decimal or an IPv6 address (brackets allowed, as in `URL.hostname`); anything else,
 * including an IPv6 address with a zone (`fe80::1%eth0`), is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const address = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(address)) return !ipv4Refused.check(address, 'ipv4');
  if (!isIPv6(address) || address.includes('%')) return false;
  const bytes = ipv6Bytes(address);
  const embedded = embeddedIpv4(bytes);
  if (embedded !== undefined) return embedded !== null && !ipv4Refused.check(embedded, 'ipv4');
  // Outside 2000::/3: unspecified, loopback, unique-local fc00::/7, link-local fe80::/10,
  // multicast ff00::/8, discard 100::/64, NAT64 local-use 64:ff9b:1::/48, reserved …
  if (((bytes[0] as number) & 0xe0) !== 0x20) return false;
  return !ipv6Refused.check(address, 'ipv6');
}

/**
 * The IPv4 address an IPv6 address reaches, `null` for a form refused outright
 * (IPv4-compatible), or `undefined` when it embeds none.
 */
function embeddedIpv4(bytes: Uint8Array): string | null | undefined {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0);
  const ipv4At = (offset: number) => Array.from(bytes.subarray(offset, offset + 4)).join('.');
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return ipv4At(12);
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 are judged as IPv6 (not public either way)
  if (zeros(0, 12) && !zeros(12, 15)) return null;
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) {
    return ipv4At(12);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return ipv4At(2);
  return undefined;
}

/** The 16 bytes of a valid IPv6 address (`isIPv6` already held; no zone). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A trailing dotted IPv4 part becomes two groups.
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}
