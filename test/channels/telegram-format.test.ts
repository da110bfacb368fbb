import assert from "node:assert/strict";
import { test } from "node:test";
import { markdownToTelegramHtml } from "../../src/channels/telegram/format.ts";

const cases: [string, string, string][] = [
  ["plain text is escaped", "a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"],
  ["raw HTML shows as written", "<b>not bold</b>", "&lt;b&gt;not bold&lt;/b&gt;"],
  [
    "bold, italic, strike",
    "**bold** *it* _it_ __b__ ~~gone~~",
    "<b>bold</b> <i>it</i> <i>it</i> <b>b</b> <s>gone</s>",
  ],
  [
    "identifiers and arithmetic stay",
    "snake_case_name and 2*3*4 and *.ts",
    "snake_case_name and 2*3*4 and *.ts",
  ],
  ["inline code is literal", "run `rm -rf *bold*` <now>", "run <code>rm -rf *bold*</code> &lt;now&gt;"],
  [
    "links keep their label",
    "see [the docs](https://x.dev/a_b?q=1&r=2)",
    'see <a href="https://x.dev/a_b?q=1&amp;r=2">the docs</a>',
  ],
  ["unsafe links stay text", "[x](javascript:alert(1))", "[x](javascript:alert(1))"],
  ["headings become bold", "## Result", "<b>Result</b>"],
  ["bullets", "- one\n* two", "• one\n• two"],
  ["quotes", "> said\n> twice\nafter", "<blockquote>said\ntwice</blockquote>\nafter"],
  [
    "fenced code with a language",
    "```ts\nconst a = 1 < 2;\n```",
    '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>',
  ],
  ["an unclosed fence runs to the end", "text\n```\ncode *x*", "text\n<pre><code>code *x*</code></pre>"],
  ["an unmatched marker stays literal", "**open only", "**open only"],
  ["crossed markers fall back to plain text", "**a ~~b** c~~ <x>", "**a ~~b** c~~ &lt;x&gt;"],
];

for (const [name, input, expected] of cases) {
  test(`markdownToTelegramHtml: ${name}`, () => {
    assert.equal(markdownToTelegramHtml(input), expected);
  });
}
