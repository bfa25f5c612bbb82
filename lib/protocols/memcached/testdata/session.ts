/**
 * The table lines of the raw-socket memcached sessions (tests/e2e/clients/
 * memcached_client.py) as l7trace prints them, with CAS values and last-access
 * times as `#`: the captured fixtures and the end-to-end test both expect them.
 *
 * @module
 */

/** The text session: every text command once. */
export const TEXT_LINES: readonly string[] = [
  "set user:1 (5 B) -> STORED",
  "add user:1 (1 B) -> NOT_STORED",
  "replace nokey (1 B) -> NOT_STORED",
  "append user:1 (2 B) -> STORED",
  "prepend user:1 (2 B) -> STORED",
  "get user:1 -> 1 hit",
  "gets user:1 (+1) -> 1 hit, 1 miss",
  "cas user:1 (3 B) -> EXISTS",
  "cas nokey (1 B) -> NOT_FOUND",
  "gat user:1 -> 1 hit",
  "gats user:1 (+1) -> 1 hit, 1 miss",
  "touch user:1 -> TOUCHED",
  "set n (2 B) -> STORED",
  "incr n 5 -> 15",
  "decr n 20 -> 0",
  "incr user:1 1 -> CLIENT_ERROR cannot increment or decrement non-numeric value",
  "incr nokey 1 -> NOT_FOUND",
  "delete user:1 -> DELETED",
  "delete user:1 -> NOT_FOUND",
  "get user:1 -> END",
  "version -> VERSION 1.6.18",
  "verbosity 1 -> OK",
  "bogus command -> ERROR",
  "stats settings -> 76 stats",
  `get ${"k".repeat(40)}… -> CLIENT_ERROR bad command line format`,
  "flush_all -> OK",
];

/** The noreply session: noreply commands are records at once. */
export const NOREPLY_LINES: readonly string[] = [
  "set a (1 B) -> (noreply)",
  "delete nokey -> (noreply)",
  "incr nokey 1 -> (noreply)",
  "touch a -> (noreply)",
  "get a -> 1 hit",
  "set b (2 B) -> (noreply)",
  "get b -> 1 hit",
  "flush_all -> (noreply)",
  "verbosity 1 -> (noreply)",
  "version -> VERSION 1.6.18",
  "quit -> (noreply)",
];

/** The meta session: quiet requests matched by k and O, suppressed ones unanswered. */
export const META_LINES: readonly string[] = [
  "ms m1 (5 B) T0 F3 -> HD",
  "mg m1 v f t -> VA 5 B f3 t-1",
  "mg nokey v -> EN (miss)",
  "mg m1 s c -> HD s5 c#",
  "mg m1 v k q -> VA 5 B km1",
  "mg nokey v k q -> (quiet: no response)",
  "mg m1 s v O42 q -> VA 5 B s5 O42",
  "mn -> MN",
  "ms m2 (2 B) q O1 -> (quiet: no response)",
  "ms m2 (2 B) q ME O2 -> NS O2",
  "mn -> MN",
  "md m2 q -> (quiet: no response)",
  "mg m2 v -> EN (miss)",
  "md nokey q -> NF",
  "mn -> MN",
  "ma cnt N0 J7 -> HD",
  "ma cnt v D5 -> VA 2 B",
  "ma nokey q -> NF",
  "mn -> MN",
  "me m1 -> ME exp=-1 la=# cas=# fetch=yes c…",
  "mn -> MN",
  "ms m3 -> CLIENT_ERROR bad command line format",
];
