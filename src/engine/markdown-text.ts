// Text from manifests and from Agora, made inert in a GitHub comment. A manifest is written by
// whoever opens the pull request and Agora echoes names back, so a value may hold `|` (a table
// cell's end), backticks, `<script>`, `</details>` or a newline: none may end a table cell, a
// code span or the comment's <details>, nor reach the page as HTML or mention anyone.
// Values go in code spans, which GitHub shows literally and never links or mentions from;
// sentences (reasons, error messages) are escaped character by character.

// Line breaks and other control characters, and the invisible format characters (zero-width
// spaces, the bidirectional overrides that reorder what a reviewer sees: "Trojan Source"):
// shown as escapes, so a value stays on one line and reads as written.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` on one line with its control characters written out (`\n`, `\u202e`). */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const point = c.codePointAt(0) ?? 0;
    return NAMED_ESCAPES[c] ?? (point > 0xffff ? `\\u{${point.toString(16)}}` : `\\u${point.toString(16).padStart(4, '0')}`);
  });
}

/**
 * A Markdown code span showing `text` literally. `inTable`: the span is in a table cell, where
 * GitHub splits the row at every `|` not preceded by a backslash, even inside a code span (and
 * drops that backslash once the row is split).
 */
export function code(text: string, inTable: boolean): string {
  let shown = visible(text);
  if (shown === '') return '*(empty)*';
  if (inTable) shown = shown.replace(/\|/g, '\\|');
  // A fence longer than any run of backticks inside; a space either side when the text begins
  // or ends with a backtick or a space (CommonMark strips exactly one of each).
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** `text` for raw HTML (the line of a `<summary>`, where Markdown is not parsed). */
export function html(text: string): string {
  return visible(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A sentence for a Markdown paragraph or table cell, shown as written: Markdown's inline
 * syntax escaped, HTML written as entities, and `@` kept from mentioning a user or team (a mention
 * needs a letter right after the `@`; an invisible word joiner goes there). Never put it first on a line:
 * a block (`#`, `>`, `-`) is decided before inline escapes apply.
 */
export function prose(text: string): string {
  return visible(text)
    .replace(/[\\`*_[\]|~!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u2060');
}
