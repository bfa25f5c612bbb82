/**
 * Shapes of parsed MySQL/MariaDB messages, wire constants and the
 * per-connection parser state.
 *
 * @module
 */

/** A JSON value of a decoded COM_STMT_EXECUTE parameter. */
export type ParamValue = string | number | null;

/** One client command, printed as the record's `req`. */
export interface MysqlRequest {
  /** Command name, e.g. `"COM_QUERY"`, `"COM_STMT_EXECUTE"`. */
  command: string;
  /**
   * The SQL (for statement commands the SQL of the prepared statement when
   * its COM_STMT_PREPARE was seen), the schema for INIT_DB/CREATE_DB/DROP_DB,
   * else null. Cut at `maxBodyBytes` bytes.
   */
  query: string | null;
  /** Statement id of COM_STMT_* commands. */
  statement_id?: number;
  /** Decoded COM_STMT_EXECUTE parameters (absent when they cannot be decoded). */
  params?: ParamValue[];
  /** Present when the query or a parameter was cut or parameters are missing. */
  truncated?: true;
}

/** The server's answer to one command, printed as the record's `resp`. */
export interface MysqlResponse {
  /** `"ok"`, `"error"`, or `"resultset"` when at least one result set came. */
  status: "ok" | "error" | "resultset";
  /** Rows over all result sets (result sets only; also on errors after rows). */
  rows?: number;
  /** Columns of the first result set, or of the prepared statement. */
  columns?: number;
  /** Number of result sets when more than one (CALL, multi-statements). */
  result_sets?: number;
  /** Affected rows summed over every OK of the response. */
  affected_rows?: number;
  /** Last insert id of the last OK. */
  last_insert_id?: number;
  /** Warnings of the last OK/EOF. */
  warnings?: number;
  /** Human-readable info of the last OK ("Rows matched: 1 ..."), or COM_STATISTICS text. */
  info?: string;
  /** COM_STMT_PREPARE: the new statement's id. */
  statement_id?: number;
  /** COM_STMT_PREPARE: number of parameters. */
  param_count?: number;
  /** Error code of the ERR packet. */
  error_code?: number;
  /** SQLSTATE of the ERR packet ("" before protocol 4.1). */
  sql_state?: string;
  /** Message of the ERR packet. */
  error_message?: string;
  /** File name the server asked for with LOAD DATA LOCAL INFILE. */
  local_infile?: string;
}

/** A command waiting in the queue for its response and its turn to be emitted. */
export interface Entry {
  /** The request; statement commands are completed when emitted. */
  req: MysqlRequest;
  /** Command byte; HANDSHAKE for the client's handshake response. */
  cmd: number;
  /** The command gets no response (STMT_CLOSE, SEND_LONG_DATA, QUIT, ...). */
  noResp: boolean;
  /** tsNs of the call that consumed the first byte. */
  startNs: number;
  /** endTsNs of the call that consumed the last byte (client data included). */
  endNs: number;
  /** Wire bytes, skipped bytes and LOCAL INFILE / auth client data included. */
  bytes: number;
  /** Sequence id of the last packet the client sent for this command. */
  lastSeq: number;
  /** COM_STMT_SEND_LONG_DATA: the parameter number; else 0. */
  arg: number;
  /** COM_STMT_EXECUTE: kept payload prefix, decoded when emitted. */
  payload: Uint8Array | null;
  /** True when `payload` holds the whole payload. */
  complete: boolean;
  /** The response, once complete. */
  resp: MysqlResponse | null;
  /** Response timing and size. */
  respStartNs: number;
  respEndNs: number;
  respBytes: number;
  /** A response parser has started on this entry. */
  bound: boolean;
  /** Its response is complete. */
  done: boolean;
}

/** What a prepared statement's later commands need. */
export interface Stmt {
  /** SQL text as prepared. */
  sql: string | null;
  /** Parameter count from the COM_STMT_PREPARE response. */
  params: number;
  /** Parameter types (2 bytes each) from the last execute that sent them. */
  types: Uint8Array | null;
  /** Bit per parameter (first 32) sent by COM_STMT_SEND_LONG_DATA since the last execute. */
  longData: number;
}

/** Where the connection is. */
export const enum Phase {
  /** Plain protocol: commands and responses. */
  Command,
  /** After an SSLRequest, or with compression: nothing is parseable. */
  Opaque,
}

/** Where the response parser is within a response. */
export const enum RMode {
  /** Expecting the first packet of a (next) result. */
  First,
  /** Column definitions of a result set. */
  ColDefs,
  /** After column definitions: an EOF, a row, or the terminator. */
  AfterDefs,
  /** Rows until EOF/OK. */
  Rows,
  /** Parameter definitions of a COM_STMT_PREPARE response. */
  PrepParams,
  /** The EOF after parameter definitions, or (unknown EOF mode) a column definition. */
  PrepParamsEof,
  /** Column definitions of a COM_STMT_PREPARE response. */
  PrepCols,
  /** The EOF closing a COM_STMT_PREPARE response. */
  PrepColsEof,
  /** COM_FIELD_LIST: column definitions until EOF. */
  FieldList,
  /** Authentication exchange until OK/ERR. */
  Auth,
  /** After 0xFB: the client sends the file, then the server OK/ERR. */
  Infile,
}

/** Progress of the response stream. */
export interface RespStream {
  /** Payload bytes left in the current packet. */
  left: number;
  /** The current packet is 0xFFFFFF long: a continuation packet follows. */
  more: boolean;
  /** Sequence id the next packet must carry. */
  nextSeq: number;
  /** The command being answered; null between responses. */
  entry: Entry | null;
  /** Position in the response grammar. */
  mode: RMode;
  /** Definitions left in the current section. */
  defs: number;
  /** COM_STMT_PREPARE: column definitions after the parameters. */
  prepCols: number;
  /** The response ends with the current packet. */
  final: boolean;
  /** Accumulated result. */
  resp: MysqlResponse;
  rows: number;
  resultSets: number;
  /** tsNs / endTsNs / wire bytes of the response so far. */
  startNs: number;
  lastNs: number;
  bytes: number;
  /**
   * Sequence id of an EOF that may still close the last COM_STMT_PREPARE
   * response (EOF mode unknown), else -1.
   */
  eofSeq: number;
}

/** Progress of the request stream. */
export interface ReqStream {
  /** Payload bytes left in the current packet. */
  left: number;
  /** The current packet is 0xFFFFFF long: a continuation packet follows. */
  more: boolean;
  /** Sequence id of the current packet. */
  seq: number;
  /** What the current logical message is (ReqKind). */
  kind: number;
  /** The entry being built (command) or extended (client data). */
  entry: Entry | null;
  /** Kept payload prefix of the message being built. */
  keep: Uint8Array | null;
  kept: number;
  /** Payload bytes of the logical message so far (skipped ones included). */
  total: number;
  /** Bytes of the payload were skipped. */
  lost: boolean;
}

/** Per-connection state of the MySQL parser. */
export interface MysqlState {
  /** Strings longer than this many bytes are cut and flagged. */
  maxBodyBytes: number;
  phase: Phase;
  /** Client capability flags from the handshake response, or -1. */
  clientCaps: number;
  /** Server capability flags from the greeting, or -1. */
  serverCaps: number;
  /** CLIENT_DEPRECATE_EOF in effect: 1, 0, or -1 when unknown. */
  deprecateEof: number;
  /** CLIENT_QUERY_ATTRIBUTES (MySQL 8) in effect: 1, 0, or -1 when unknown. */
  queryAttrs: number;
  req: ReqStream;
  resp: RespStream;
  /** Commands in order, until emitted. */
  queue: Entry[];
  /** Prepared statements by id, oldest first. */
  stmts: Map<number, Stmt>;
  /** Id of the last successfully prepared statement (MariaDB's id -1). */
  lastStmt: number;
  /** Responses dropped because no request could own them. */
  orphanResponses: number;
  /** Requests dropped because their response was lost. */
  droppedRequests: number;
}

/** Pseudo command byte of the client's handshake response (never emitted). */
export const HANDSHAKE = -1;

/** Command bytes. */
export const COM_QUIT = 0x01;
export const COM_INIT_DB = 0x02;
export const COM_QUERY = 0x03;
export const COM_FIELD_LIST = 0x04;
export const COM_CREATE_DB = 0x05;
export const COM_DROP_DB = 0x06;
export const COM_STATISTICS = 0x09;
export const COM_CHANGE_USER = 0x11;
export const COM_BINLOG_DUMP = 0x12;
export const COM_STMT_PREPARE = 0x16;
export const COM_STMT_EXECUTE = 0x17;
export const COM_STMT_SEND_LONG_DATA = 0x18;
export const COM_STMT_CLOSE = 0x19;
export const COM_STMT_RESET = 0x1a;
export const COM_STMT_FETCH = 0x1c;
export const COM_BINLOG_DUMP_GTID = 0x1e;
export const COM_STMT_BULK_EXECUTE = 0xfa;

/** Names of the commands a client may send, by command byte. */
export const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [0x01, "COM_QUIT"],
  [0x02, "COM_INIT_DB"],
  [0x03, "COM_QUERY"],
  [0x04, "COM_FIELD_LIST"],
  [0x05, "COM_CREATE_DB"],
  [0x06, "COM_DROP_DB"],
  [0x07, "COM_REFRESH"],
  [0x08, "COM_SHUTDOWN"],
  [0x09, "COM_STATISTICS"],
  [0x0a, "COM_PROCESS_INFO"],
  [0x0c, "COM_PROCESS_KILL"],
  [0x0d, "COM_DEBUG"],
  [0x0e, "COM_PING"],
  [0x0f, "COM_TIME"],
  [0x11, "COM_CHANGE_USER"],
  [0x12, "COM_BINLOG_DUMP"],
  [0x15, "COM_REGISTER_SLAVE"],
  [0x16, "COM_STMT_PREPARE"],
  [0x17, "COM_STMT_EXECUTE"],
  [0x18, "COM_STMT_SEND_LONG_DATA"],
  [0x19, "COM_STMT_CLOSE"],
  [0x1a, "COM_STMT_RESET"],
  [0x1b, "COM_SET_OPTION"],
  [0x1c, "COM_STMT_FETCH"],
  [0x1d, "COM_DAEMON"],
  [0x1e, "COM_BINLOG_DUMP_GTID"],
  [0x1f, "COM_RESET_CONNECTION"],
  [0xfa, "COM_STMT_BULK_EXECUTE"],
]);

/** Capability flags. */
export const CLIENT_COMPRESS = 0x20;
export const CLIENT_PROTOCOL_41 = 0x200;
export const CLIENT_SSL = 0x800;
export const CLIENT_SESSION_TRACK = 0x800000;
export const CLIENT_DEPRECATE_EOF = 0x1000000;
export const CLIENT_ZSTD_COMPRESSION = 0x4000000;
export const CLIENT_QUERY_ATTRIBUTES = 0x8000000;

/** Server status flags. */
export const SERVER_MORE_RESULTS_EXISTS = 0x0008;
export const SERVER_STATUS_CURSOR_EXISTS = 0x0040;

/** Payload length of a packet that continues in the next one. */
export const MAX_PACKET = 0xffffff;
/** Longest queue of commands kept (more means the server is not answering). */
export const MAX_QUEUE = 1024;
/** Most prepared statements remembered per connection. */
export const MAX_STMTS = 4096;
