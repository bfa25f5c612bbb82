// Every captured read split at every byte boundary, and fed a byte at a
// time, gives the same exchanges as the reads whole: the parser never
// depends on where the kernel cut the stream (beam.smp batches frames in
// one write, and reads them in pieces of any size).
import { splitSuite } from "../common/split_suite.ts";
import { amqpParser } from "./mod.ts";
import * as F from "./testdata/captured.ts";

splitSuite({
  parser: amqpParser,
  // The captured pika session, its 200 KB message included.
  cut: [F.SESSION[0]!],
  bytewiseNote: "the 200 KB message",
  minExchanges: 30,
});
