/**
 * Shape of captured fixtures: one entry per read, `c` for bytes the client
 * sent, `s` for bytes the server sent, as hex.
 *
 * @module
 */

/** One captured read: direction and bytes as hex. */
export type Chunk = readonly ["c" | "s", string];
