/**
 * SQL text with its literals replaced by `?`, for `stat --group-by sql`, so
 * `SELECT * FROM t WHERE id = 1` and `… id = 2` share one row.
 *
 * Rules (one hand-written scanner, linear time, no regular expressions):
 *
 * - Literals become `?`: strings `'…'` (with `''`, and backslash escapes in
 *   MySQL and in PostgreSQL `E'…'`), prefixed strings (`N'…'`, `X'…'`,
 *   `B'…'`, `E'…'`, MySQL `_utf8mb4'…'`), PostgreSQL dollar-quoted strings
 *   (`$$…$$`, `$tag$…$tag$`), numbers (integers, decimals, exponents, `0x…`,
 *   `0b…`), and a `-` sign directly before a number when it cannot be a
 *   binary minus (after an operator, `(`, `,` or a keyword such as `WHERE`).
 * - Placeholders `?` stay; PostgreSQL `$1` becomes `?`. Whether `?` is a
 *   placeholder or the PostgreSQL JSON operator, it stays `?`.
 * - `"…"` is always a quoted identifier (the PostgreSQL and ANSI meaning;
 *   MySQL strings in double quotes stay literal), as is `` `…` ``.
 * - Comments (`-- …`, `/* … *\/` (nested in PostgreSQL), MySQL `# …`) are
 *   removed; whitespace runs become one space; there is no space after `(`
 *   or `[`, none before `)`, `]` or `,`, and one after `,`. Trailing `;` go.
 *   Keywords and identifiers keep their case.
 * - Lists: a parenthesised or bracketed list of only `?` becomes `(?)`
 *   (`IN (?, ?, ?)` → `IN (?)`, `ARRAY[?, ?]` → `ARRAY[?]`), and a run of
 *   identical groups separated by commas becomes one (`VALUES (?), (?)` →
 *   `VALUES (?)`, also `(?, NOW()), (?, NOW())` → `(?, NOW())`). A
 *   statement cut inside such a list (queries are cut at --max-body-bytes)
 *   is completed as if the list were closed, so cut bulk INSERTs group with
 *   whole ones.
 *
 * Input beyond {@linkcode MAX_SQL_CHARS} is ignored.
 *
 * @module
 */

import {
  APOS,
  BACKTICK,
  COMMA,
  CR,
  DOLLAR,
  dollar,
  DOT,
  HASH,
  isDigit,
  isStringPrefix,
  isWordChar,
  LBRACKET,
  LPAREN,
  MINUS,
  onlyPlaceholders,
  QUESTION,
  QUOTE,
  RBRACKET,
  RPAREN,
  sameTokens,
  separatedByComma,
  skipBlockComment,
  skipNumber,
  skipQuoted,
  skipString,
  skipWord,
  SLASH,
  SPACE,
  STAR,
  TAB,
} from "./sql_lex.ts";

/** Characters of a statement considered; the rest is ignored. */
export const MAX_SQL_CHARS = 65536;

/** Which lexical rules apply: backslash escapes, `#`, `$`. */
export type SqlDialect = "mysql" | "postgresql";

/** Words after which `-5` is a negative literal rather than a subtraction. */
const KEYWORDS = new Set(
  ("SELECT WHERE AND OR NOT ON SET VALUES VALUE IN THEN ELSE WHEN RETURN " +
    "RETURNING LIMIT OFFSET BETWEEN LIKE ILIKE IS AS CASE HAVING INTERVAL BY " +
    "DEFAULT ANY ALL SOME EXISTS DIV MOD XOR ROWS FETCH FIRST NEXT AT TO")
    .split(" "),
);

/**
 * The scanner's state, in one reused object. Output is a list of pieces:
 * verbatim stretches of the input are copied as one slice (a run), and
 * only literals, parentheses, commas and re-spaced whitespace are pieces of
 * their own, which the list collapsing below needs. Statements that differ
 * only in literals miss the group-key cache, so this runs per record; a
 * token-per-piece first version was 5x slower.
 */
class Scanner {
  s = "";
  /** Output pieces; `" "` pieces are collapsed whitespace. */
  out: string[] = [];
  /** Start in `s` of the verbatim run not yet in `out`, or -1. */
  run = -1;
  /** End in `s` of the last token. */
  end = 0;
  /** Output index of each open `(` / `[`. */
  open: number[] = [];
  /** Per depth, the last group closed there (open/close index), -1: none. */
  prevOpen: number[] = [];
  prevClose: number[] = [];
  /** Whitespace or a comment since the last token. */
  space = false;
  /** The last piece is `(` or `[`: no space after it. */
  afterOpen = false;
  /** The last token is an operand, so a `-` after it is a binary minus. */
  operand = false;
  /** Where the last token was a word in `s`, else -1. */
  wordStart = -1;
  wordEnd = -1;

  /** Appends `s[start, end)` as it is. */
  verbatim(start: number, end: number, operand: boolean): void {
    // One plain space between two verbatim tokens stays inside the run.
    const gap = start - this.end;
    if (
      this.run < 0 || gap > 1 || (gap === 1 && this.s.charCodeAt(this.end) !== SPACE)
    ) {
      this.flush();
      if (this.space && this.out.length > 0 && !this.afterOpen) {
        this.out.push(" ");
      }
      this.run = start;
    }
    this.space = this.afterOpen = false;
    this.end = end;
    this.operand = operand;
    this.wordStart = -1;
  }

  /** Appends a piece of its own: a literal's `?`, `(`, `)`, `,`… */
  piece(tok: string, operand: boolean, end: number): void {
    this.flush();
    if (
      this.space && this.out.length > 0 && !this.afterOpen && tok !== ")" &&
      tok !== "]" && tok !== ","
    ) this.out.push(" ");
    this.out.push(tok);
    this.space = tok === ",";
    this.afterOpen = tok === "(" || tok === "[";
    this.end = end;
    this.operand = operand;
    this.wordStart = -1;
  }

  flush(): void {
    if (this.run >= 0) this.out.push(this.s.slice(this.run, this.end));
    this.run = -1;
  }

  /** After an operand, `-` is binary unless that operand was a keyword. */
  minusIsSign(): boolean {
    if (!this.operand) return true;
    return this.wordStart >= 0 &&
      KEYWORDS.has(this.s.slice(this.wordStart, this.wordEnd).toUpperCase());
  }

  close(tok: string, end: number): void {
    this.flush();
    const out = this.out;
    const start = this.open.pop()!;
    if (onlyPlaceholders(out, start + 1, out.length)) {
      out.length = start + 1;
      out.push("?");
    }
    this.space = false;
    this.piece(tok, true, end);
    // Collapse `X, X` into `X` when this group repeats the previous one.
    const depth = this.open.length;
    const last = out.length - 1;
    const pOpen = this.prevOpen[depth] ?? -1;
    const pClose = this.prevClose[depth] ?? -1;
    this.prevOpen[depth + 1] = -1; // children of this group are done
    if (
      pOpen >= 0 && pClose - pOpen === last - start &&
      separatedByComma(out, pClose + 1, start) &&
      sameTokens(out, pOpen, start, last - start + 1)
    ) {
      out.length = pClose + 1;
      return;
    }
    this.prevOpen[depth] = start;
    this.prevClose[depth] = last;
  }

  scan(s: string, pg: boolean): string {
    const n = s.length;
    this.s = s;
    this.out.length = this.open.length = 0;
    this.prevOpen.length = this.prevClose.length = 0;
    this.space = this.operand = this.afterOpen = false;
    this.run = this.wordStart = -1;
    this.end = 0;
    let i = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      const next = s.charCodeAt(i + 1);
      if (c === SPACE || (c >= TAB && c <= CR)) {
        this.space = true;
        i++;
      } else if ((c === MINUS && next === MINUS) || (c === HASH && !pg)) {
        i = s.indexOf("\n", i);
        if (i < 0) i = n;
        this.space = true;
      } else if (c === SLASH && next === STAR) {
        i = skipBlockComment(s, i + 2, pg);
        this.space = true;
      } else if (c === APOS) {
        i = skipString(s, i + 1, !pg);
        this.piece("?", true, i);
      } else if (c === QUOTE || c === BACKTICK) {
        const end = skipQuoted(s, i + 1, c);
        this.verbatim(i, end, true);
        i = end;
      } else if (
        isDigit(c) || (c === DOT && isDigit(next)) ||
        (c === MINUS && (isDigit(next) ||
          (next === DOT && isDigit(s.charCodeAt(i + 2)))) &&
          this.minusIsSign())
      ) {
        const end = skipNumber(s, c === MINUS ? i + 1 : i);
        if (c !== MINUS && end < n && isWordChar(s.charCodeAt(end))) {
          // MySQL allows identifiers that start with digits (`1col`).
          const wEnd = skipWord(s, end);
          this.verbatim(i, wEnd, true);
          i = wEnd;
        } else {
          this.piece("?", true, end);
          i = end;
        }
      } else if (c === DOLLAR && (isDigit(next) || pg)) {
        const end = dollar(s, i);
        if (end > i + 1) this.piece("?", true, end);
        else this.verbatim(i, end, false);
        i = end;
      } else if (isWordChar(c)) {
        const end = skipWord(s, i);
        if (s.charCodeAt(end) === APOS && isStringPrefix(s, i, end)) {
          const escapes = !pg || (end - i === 1 && (c | 0x20) === 101); // E''
          i = skipString(s, end + 1, escapes);
          this.piece("?", true, i);
        } else {
          this.verbatim(i, end, true);
          this.wordStart = i;
          this.wordEnd = end;
          i = end;
        }
      } else if (c === LPAREN || c === LBRACKET) {
        this.piece(c === LPAREN ? "(" : "[", false, ++i);
        this.open.push(this.out.length - 1);
      } else if ((c === RPAREN || c === RBRACKET) && this.open.length > 0) {
        this.close(c === RPAREN ? ")" : "]", ++i);
      } else if (c === COMMA) {
        this.piece(",", false, ++i);
      } else {
        // Operators and other punctuation. Adjacent characters join the
        // same run, so `<=` or `->>` never get a space inside.
        this.verbatim(i, i + 1, c === QUESTION || c === RPAREN || c === RBRACKET);
        i++;
      }
    }
    return this.finish();
  }

  finish(): string {
    this.flush();
    const out = this.out;
    // A statement cut inside a literal list: close the list it was in.
    while (this.open.length > 0) {
      while (out.length > 0 && (out.at(-1) === " " || out.at(-1) === ",")) {
        out.pop();
      }
      const start = this.open.at(-1)!;
      if (!onlyPlaceholders(out, start + 1, out.length)) break;
      this.close(out[start] === "(" ? ")" : "]", this.end);
    }
    let result = "";
    for (const piece of out) result += piece;
    // Drop references into the input, which may be a 64 KiB statement.
    this.s = "";
    out.length = 0;
    // Trailing `;` and spaces go (`COMMIT;` and `COMMIT` are one statement).
    let k = result.length;
    while (k > 0 && (result[k - 1] === ";" || result[k - 1] === " ")) k--;
    return k === result.length ? result : result.slice(0, k);
  }
}

const SCANNER = new Scanner();

/** The normalized form of `sql`; see the module documentation. */
export function normalizeSql(
  sql: string,
  dialect: SqlDialect = "mysql",
): string {
  const s = sql.length > MAX_SQL_CHARS ? sql.slice(0, MAX_SQL_CHARS) : sql;
  return SCANNER.scan(s, dialect === "postgresql");
}
