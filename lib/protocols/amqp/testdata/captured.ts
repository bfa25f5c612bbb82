/** One relayed read: 0 = request stream, 1 = response. */
export type Chunk = readonly [0 | 1, string];
