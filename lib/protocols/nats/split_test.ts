// Every captured read split at every byte boundary, and fed a byte at a
// time, gives the same exchanges as the reads whole: the parser never
// depends on where the kernel cut the stream.
import { splitSuite } from "../common/split_suite.ts";
import { natsParser } from "./mod.ts";
import * as F from "./testdata/captured.ts";

splitSuite({
  parser: natsParser,
  cut: [...F.SUB_PUB, ...F.ERRORS, ...F.LOGINS, ...F.IDLE],
  bytewiseNote: "the 100 KB payloads",
  minExchanges: 2,
});
