// Every captured read split at every byte boundary, and fed a byte at a
// time, gives the same exchanges as the reads whole: the parser never
// depends on where the kernel cut the stream.
import { splitSuite } from "../common/split_suite.ts";
import { mqttParser } from "./mod.ts";
import * as F from "./testdata/captured.ts";

const SMALL = [...F.V311, ...F.V5, ...F.V31, F.PROPS[0]!, ...F.RAW];

splitSuite({
  parser: mqttParser,
  cut: SMALL,
  bytewise: [...SMALL, F.PROPS[1]!],
  bytewiseNote: "the 100 KB payload",
});
