/**
 * Mnemonics for DNS numeric codes: record types, classes, opcodes and
 * response codes (IANA "Domain Name System (DNS) Parameters"). Unknown
 * values print in the RFC 3597 style, `TYPE123`, `CLASS7`.
 *
 * @module
 */

/** Record type numbers the parser treats specially. */
export const enum T {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
  SRV = 33,
  DNAME = 39,
  OPT = 41,
  SVCB = 64,
  HTTPS = 65,
  SPF = 99,
  IXFR = 251,
  AXFR = 252,
  CAA = 257,
}

const TYPES: Record<number, string> = {
  1: "A",
  2: "NS",
  3: "MD",
  4: "MF",
  5: "CNAME",
  6: "SOA",
  7: "MB",
  8: "MG",
  9: "MR",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  19: "X25",
  20: "ISDN",
  21: "RT",
  22: "NSAP",
  23: "NSAP-PTR",
  24: "SIG",
  25: "KEY",
  26: "PX",
  27: "GPOS",
  28: "AAAA",
  29: "LOC",
  30: "NXT",
  33: "SRV",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  38: "A6",
  39: "DNAME",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  53: "SMIMEA",
  55: "HIP",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  62: "CSYNC",
  63: "ZONEMD",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  108: "EUI48",
  109: "EUI64",
  249: "TKEY",
  250: "TSIG",
  251: "IXFR",
  252: "AXFR",
  253: "MAILB",
  254: "MAILA",
  255: "ANY",
  256: "URI",
  257: "CAA",
  32768: "TA",
  32769: "DLV",
};

const TYPE_CODES = new Map(
  Object.entries(TYPES).map(([code, name]) => [name, Number(code)]),
);

const CLASSES: Record<number, string> = {
  1: "IN",
  3: "CH",
  4: "HS",
  254: "NONE",
  255: "ANY",
};

const OPCODES: Record<number, string> = {
  0: "QUERY",
  1: "IQUERY",
  2: "STATUS",
  4: "NOTIFY",
  5: "UPDATE",
  6: "DSO",
};

const RCODES: Record<number, string> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSET",
  9: "NOTAUTH",
  10: "NOTZONE",
  11: "DSOTYPENI",
  16: "BADVERS",
  17: "BADKEY",
  18: "BADTIME",
  19: "BADMODE",
  20: "BADNAME",
  21: "BADALG",
  22: "BADTRUNC",
  23: "BADCOOKIE",
};

/** `A`, `AAAA`, … or `TYPE123` for a type number without a mnemonic. */
export function typeName(type: number): string {
  return TYPES[type] ?? `TYPE${type}`;
}

/** `IN`, `CH`, … or `CLASS123`. */
export function className(cls: number): string {
  return CLASSES[cls] ?? `CLASS${cls}`;
}

/** `QUERY`, `NOTIFY`, `UPDATE`, … or `OPCODE3`. */
export function opcodeName(opcode: number): string {
  return OPCODES[opcode] ?? `OPCODE${opcode}`;
}

/** `NOERROR`, `NXDOMAIN`, … (EDNS extended codes included) or `RCODE12`. */
export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `RCODE${rcode}`;
}

/**
 * The type number of a mnemonic (`aaaa`, `HTTPS`) or of `TYPE123`, any
 * case; -1 when the text names no type.
 */
export function typeCode(name: string): number {
  const up = name.toUpperCase();
  const known = TYPE_CODES.get(up);
  if (known !== undefined) return known;
  const m = /^TYPE(\d{1,5})$/.exec(up);
  if (!m) return -1;
  const n = Number(m[1]);
  return n <= 0xffff ? n : -1;
}
