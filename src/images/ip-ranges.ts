/**
 * Which resolved addresses the proxy may fetch images from. Pure: it classifies an address the
 * resolver gave us, so only canonical spellings matter (dotted-quad IPv4, RFC 4291 IPv6); anything
 * we cannot parse is refused rather than guessed at.
 *
 * IPv6 is decided by allow-list: only global unicast (2000::/3) outside the special ranges is
 * public. Forms that carry an IPv4 address (mapped, NAT64, 6to4, IPv4-compatible) are judged by
 * the IPv4 address inside, because that is where the packets end up.
 */

export type AddressCategory =
  | "public"
  | "loopback"
  | "unspecified"
  | "private"
  | "link-local"
  | "metadata"
  | "shared (CGNAT)"
  | "unique-local"
  | "site-local"
  | "multicast"
  | "reserved"
  | "broadcast"
  | "benchmarking"
  | "documentation"
  | "IETF protocol"
  | "zone-scoped"
  | "unparseable";

export function isPublicAddress(ip: string): boolean {
  return addressCategory(ip) === "public";
}

/** Why an address is (not) public, in words an error message can use: "a loopback address". */
export function addressCategory(ip: string): AddressCategory {
  const text = ip.trim();
  // A zone id (`fe80::1%eth0`) only exists for link-scoped addresses: never a public target.
  if (text.includes("%")) return "zone-scoped";
  const v4 = parseIPv4(text);
  if (v4) return ipv4Category(v4);
  const v6 = parseIPv6(text);
  if (v6) return ipv6Category(v6);
  return "unparseable";
}

type V4 = readonly [number, number, number, number];

interface V4Range {
  base: V4;
  bits: number;
  category: AddressCategory;
}

const v4 = (a: number, b: number, c: number, d: number): V4 => [a, b, c, d];

// Order matters only where ranges nest: the metadata address before the rest of link-local.
const V4_RANGES: readonly V4Range[] = [
  { base: v4(169, 254, 169, 254), bits: 32, category: "metadata" },
  { base: v4(255, 255, 255, 255), bits: 32, category: "broadcast" },
  { base: v4(0, 0, 0, 0), bits: 8, category: "unspecified" },
  { base: v4(10, 0, 0, 0), bits: 8, category: "private" },
  { base: v4(100, 64, 0, 0), bits: 10, category: "shared (CGNAT)" },
  { base: v4(127, 0, 0, 0), bits: 8, category: "loopback" },
  { base: v4(169, 254, 0, 0), bits: 16, category: "link-local" },
  { base: v4(172, 16, 0, 0), bits: 12, category: "private" },
  { base: v4(192, 0, 0, 0), bits: 24, category: "IETF protocol" },
  { base: v4(192, 0, 2, 0), bits: 24, category: "documentation" },
  { base: v4(192, 168, 0, 0), bits: 16, category: "private" },
  { base: v4(198, 18, 0, 0), bits: 15, category: "benchmarking" },
  { base: v4(198, 51, 100, 0), bits: 24, category: "documentation" },
  { base: v4(203, 0, 113, 0), bits: 24, category: "documentation" },
  { base: v4(224, 0, 0, 0), bits: 4, category: "multicast" },
  { base: v4(240, 0, 0, 0), bits: 4, category: "reserved" },
];

function toUint32(a: V4): number {
  return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
}

function inV4Range(addr: V4, range: V4Range): boolean {
  if (range.bits === 0) return true;
  const mask = range.bits === 32 ? 0xffffffff : ~(0xffffffff >>> range.bits) >>> 0;
  return (toUint32(addr) & mask) >>> 0 === (toUint32(range.base) & mask) >>> 0;
}

function ipv4Category(addr: V4): AddressCategory {
  for (const range of V4_RANGES) if (inV4Range(addr, range)) return range.category;
  return "public";
}

/** Strict dotted quad: four decimal octets, no leading zeros (which some parsers read as octal). */
export function parseIPv4(text: string): V4 | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return [octets[0]!, octets[1]!, octets[2]!, octets[3]!];
}

/** Eight 16-bit groups. Accepts `::` compression and a trailing dotted quad; nothing else. */
export function parseIPv6(text: string): number[] | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.length === 0 || s.length > 45) return null;

  const lastColon = s.lastIndexOf(":");
  if (lastColon === -1) return null;
  const last = s.slice(lastColon + 1);
  if (last.includes(".")) {
    // A trailing dotted quad is two groups written differently: rewrite it and parse as usual.
    const quad = parseIPv4(last);
    if (!quad) return null;
    const hi = ((quad[0] << 8) | quad[1]).toString(16);
    const lo = ((quad[2] << 8) | quad[3]).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }

  const doubleColon = s.indexOf("::");
  if (doubleColon !== s.lastIndexOf("::")) return null;
  if (doubleColon === -1) {
    const groups = parseGroups(s);
    return groups && groups.length === 8 ? groups : null;
  }
  const headText = s.slice(0, doubleColon);
  const tailText = s.slice(doubleColon + 2);
  const head = headText === "" ? [] : parseGroups(headText);
  const rest = tailText === "" ? [] : parseGroups(tailText);
  if (!head || !rest) return null;
  const known = head.length + rest.length;
  // "::" stands for at least one group of zeros.
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

function parseGroups(text: string): number[] | null {
  const groups: number[] = [];
  for (const part of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function embeddedV4(hi: number, lo: number): V4 {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function ipv6Category(g: number[]): AddressCategory {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);

  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g7 === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated IPv4-compatible) reach the IPv4 address.
  if (zeroUpTo(5) && g5 === 0xffff) return ipv4Category(embeddedV4(g6, g7));
  if (zeroUpTo(6)) return ipv4Category(embeddedV4(g6, g7));
  // ::ffff:0:a.b.c.d (SIIT translated form).
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return ipv4Category(embeddedV4(g6, g7));
  // NAT64 well-known prefix 64:ff9b::/96 translates to the IPv4 address in the last 32 bits.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return ipv4Category(embeddedV4(g6, g7));
  }
  // 64:ff9b:1::/48 is the local-use NAT64 prefix: its IPv4 mapping is site-defined.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "private";
  // 6to4 2002:AABB:CCDD::/48 tunnels to IPv4 AA.BB.CC.DD.
  if (g0 === 0x2002) return ipv4Category(embeddedV4(g1, g2));
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local";
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local";
  if (g0 === 0x2001 && g1 === 0x0db8) return "documentation";
  // 2001::/23 holds Teredo (2001::/32, which hides an IPv4 address) and other protocol ranges.
  if (g0 === 0x2001 && g1 < 0x0200) return "IETF protocol";
  // 3fff::/20 is the second documentation prefix (RFC 9637).
  if (g0 === 0x3fff && g1 < 0x1000) return "documentation";
  if ((g0 & 0xe000) === 0x2000) return "public";
  return "reserved";
}

/** One spelling per address, so an allow-list entry matches however the address was written. */
export function canonicalAddress(text: string): string | null {
  const quad = parseIPv4(text);
  if (quad) return quad.join(".");
  const groups = parseIPv6(text);
  return groups ? groups.map((g) => g.toString(16)).join(":") : null;
}
