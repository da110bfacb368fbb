import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AssistantMessage, Message, ToolResultMessage, UserMessage } from "@earendil-works/pi-ai";
import {
  isToolPrunable,
  type PruningSettings,
  parseTtlMs,
  pruneContextMessages,
  pruneForRequest,
} from "../../src/agents/context-pruning.ts";
import { type OpenClawConfig, OpenClawConfigSchema } from "../../src/config/schema.ts";

const DEFAULTS: PruningSettings = {
  keepLastAssistants: 3,
  softTrimRatio: 0.3,
  hardClearRatio: 0.5,
  minPrunableToolChars: 50_000,
  softTrim: { maxChars: 4000, headChars: 1500, tailChars: 1500 },
  hardClear: { enabled: true, placeholder: "[Old tool result content cleared]" },
};

const user = (text: string, timestamp = 0): UserMessage => ({ role: "user", content: text, timestamp });

function assistant(text: string, opts: { call?: string; api?: string; at?: number } = {}): AssistantMessage {
  return {
    role: "assistant",
    content: opts.call
      ? [{ type: "toolCall", id: opts.call, name: "read", arguments: {} }]
      : [{ type: "text", text }],
    api: opts.api ?? "anthropic-messages",
    provider: "anthropic",
    model: "claude-x",
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: opts.call ? "toolUse" : "stop",
    timestamp: opts.at ?? 0,
  };
}

function result(id: string, text: string, toolName = "read", image = false): ToolResultMessage {
  return {
    role: "toolResult",
    toolCallId: id,
    toolName,
    content: image
      ? [
          { type: "text", text },
          { type: "image", data: "aGVyb24=", mimeType: "image/png" },
        ]
      : [{ type: "text", text }],
    isError: false,
    timestamp: 0,
  };
}

/** One tool round per result text, then three plain exchanges (the protected tail). */
function session(results: { text: string; tool?: string; image?: boolean }[]): Message[] {
  const out: Message[] = [user("start")];
  results.forEach((r, i) => {
    out.push(assistant("", { call: `c${i}` }), result(`c${i}`, r.text, r.tool, r.image));
  });
  for (const n of [1, 2, 3]) out.push(assistant(`answer ${n}`), user(`next ${n}`));
  return out;
}

const textOf = (m: Message | undefined): string =>
  !m || typeof m.content === "string"
    ? String(m?.content)
    : m.content.map((b) => (b.type === "text" ? b.text : `[${b.type}]`)).join("");

/** Texts of the tool results, in order. */
const results = (messages: Message[]): string[] =>
  messages.filter((m) => m.role === "toolResult").map((m) => textOf(m));

const big = (n: number, ch = "x"): string => `HEAD${ch.repeat(n - 8)}TAIL`;

describe("pruneContextMessages", () => {
  // Window sizes in tokens: chars ≈ tokens × 4, so a 10,000-token window is 40,000 chars.
  const cases: {
    name: string;
    messages: Message[];
    window: number;
    settings?: Partial<PruningSettings>;
    expect: (out: Message[], input: Message[]) => void;
  }[] = [
    {
      name: "below softTrimRatio nothing changes (the same array comes back)",
      messages: session([{ text: big(5000) }]),
      window: 100_000,
      expect: (out, input) => assert.equal(out, input),
    },
    {
      name: "soft trim keeps head and tail of an oversized result and notes the original size",
      messages: session([{ text: big(10_000) }, { text: "small" }]),
      window: 5000, // 10,000 of 20,000 chars
      expect: (out) => {
        const [trimmed, small] = results(out);
        assert.equal(small, "small");
        assert.ok(trimmed!.startsWith(`HEAD${"x".repeat(1496)}\n...\n`));
        assert.ok(trimmed!.includes(`${"x".repeat(1496)}TAIL\n\n`));
        assert.ok(
          trimmed!.endsWith(
            "[Tool result trimmed: kept first 1500 chars and last 1500 chars of 10000 chars.]",
          ),
        );
      },
    },
    {
      name: "results after the last keepLastAssistants assistant messages are protected",
      messages: [
        user("start"),
        assistant("", { call: "c0" }),
        result("c0", big(10_000)),
        assistant("done"),
        user("again"),
        assistant("", { call: "c1" }),
        result("c1", big(10_000)),
        assistant("done"),
      ],
      window: 10_000,
      settings: { keepLastAssistants: 3 },
      expect: (out) => {
        const [first, second] = results(out);
        assert.match(first!, /Tool result trimmed/);
        assert.equal(second, big(10_000), "the result inside the protected tail is whole");
      },
    },
    {
      name: "with fewer assistant messages than keepLastAssistants nothing is pruned",
      messages: [user("start"), assistant("", { call: "c0" }), result("c0", big(50_000))],
      window: 10_000,
      expect: (out, input) => assert.equal(out, input),
    },
    {
      name: "results with images are never trimmed or cleared",
      messages: session([{ text: big(10_000), image: true }]),
      window: 10_000,
      expect: (out) => assert.equal(results(out)[0], `${big(10_000)}[image]`),
    },
    {
      name: "tool results before the first user message are left alone",
      messages: [
        assistant("", { call: "c0" }),
        result("c0", big(10_000)),
        ...session([{ text: big(10_000) }]),
      ],
      window: 10_000,
      expect: (out) => {
        const [boot, later] = results(out);
        assert.equal(boot, big(10_000));
        assert.match(later!, /Tool result trimmed/);
      },
    },
    {
      name: "past hardClearRatio the oldest prunable results are cleared until it drops below",
      messages: session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]),
      window: 3000, // 12,000 chars: 9,000 of results is 0.75 of it
      settings: { minPrunableToolChars: 1000 },
      expect: (out) => {
        assert.deepEqual(results(out), [
          "[Old tool result content cleared]",
          "[Old tool result content cleared]",
          big(3000),
        ]);
      },
    },
    {
      name: "hard clear does not run when disabled",
      messages: session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]),
      window: 3000,
      settings: { minPrunableToolChars: 1000, hardClear: { enabled: false, placeholder: "gone" } },
      expect: (out, input) => assert.equal(out, input, "nothing is oversized for soft trim either"),
    },
    {
      name: "hard clear waits until the prunable results hold minPrunableToolChars",
      messages: session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]),
      window: 3000,
      settings: { minPrunableToolChars: 50_000 },
      expect: (out, input) => assert.equal(out, input),
    },
    {
      name: "a custom placeholder replaces the whole result",
      messages: session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]),
      window: 3000,
      settings: { minPrunableToolChars: 0, hardClear: { enabled: true, placeholder: "[gone]" } },
      expect: (out) => assert.equal(results(out)[0], "[gone]"),
    },
    {
      name: "denied tools are never pruned; allow narrows to matching tools",
      messages: session([
        { text: big(10_000), tool: "exec" },
        { text: big(10_000), tool: "web_fetch" },
        { text: big(10_000), tool: "read" },
      ]),
      window: 20_000,
      settings: { tools: { allow: ["exec", "web_*"], deny: ["WEB_FETCH"] } },
      expect: (out) => {
        const [exec, fetch, read] = results(out);
        assert.match(exec!, /Tool result trimmed/);
        assert.equal(fetch, big(10_000));
        assert.equal(read, big(10_000));
      },
    },
    {
      name: "user and assistant messages are never modified",
      messages: session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]),
      window: 3000,
      settings: { minPrunableToolChars: 0 },
      expect: (out, input) => {
        const others = (ms: Message[]) => ms.filter((m) => m.role !== "toolResult");
        assert.deepEqual(others(out), others(input));
        assert.equal(out.length, input.length);
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const before = structuredClone(c.messages);
      const out = pruneContextMessages(c.messages, { ...DEFAULTS, ...c.settings }, c.window);
      c.expect(out, c.messages);
      assert.deepEqual(c.messages, before, "the input is not modified");
    });
  }
});

test("isToolPrunable: wildcards, case-insensitive, deny wins, no allow list = all", () => {
  const table: [string, PruningSettings["tools"], boolean][] = [
    ["read", undefined, true],
    ["read", { allow: [] }, true],
    ["read", { allow: ["exec"] }, false],
    ["Exec", { allow: ["exec"] }, true],
    ["web_fetch", { allow: ["web_*"] }, true],
    ["web_fetch", { allow: ["*"], deny: ["web_*"] }, false],
    ["browser_image", { deny: ["*image*"] }, false],
    ["a.b", { allow: ["a*b"] }, true],
    ["axb", { allow: ["a.b"] }, false],
  ];
  for (const [name, tools, want] of table) assert.equal(isToolPrunable(name, tools), want, `${name}`);
});

test("parseTtlMs: units, minutes by default, unreadable is undefined", () => {
  const table: [string | number | undefined, number | undefined][] = [
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["30s", 30_000],
    ["250ms", 250],
    ["10", 600_000],
    [2, 120_000],
    ["soon", undefined],
    [undefined, undefined],
  ];
  for (const [ttl, want] of table) assert.equal(parseTtlMs(ttl), want, String(ttl));
});

describe("pruneForRequest", () => {
  const NOW = Date.parse("2026-11-25T12:00:00Z");
  const cfg = (contextPruning: Record<string, unknown>): OpenClawConfig =>
    OpenClawConfigSchema.parse({ agents: { defaults: { contextPruning } } });
  const anthropic = { api: "anthropic-messages", provider: "anthropic", id: "claude-x", contextWindow: 3000 };
  /** Three big results; the last model call was `ageMs` ago. */
  const history = (ageMs: number): Message[] => {
    const out = session([{ text: big(3000) }, { text: big(3000) }, { text: big(3000) }]);
    const last = out.findLastIndex((m) => m.role === "assistant");
    out[last] = { ...(out[last] as AssistantMessage), timestamp: NOW - ageMs };
    return out;
  };
  const enabled = cfg({ mode: "cache-ttl", ttl: "5m", minPrunableToolChars: 0 });

  test("mode off (the default) never prunes", () => {
    const messages = history(3_600_000);
    assert.deepEqual(pruneForRequest(messages, cfg({}), anthropic, NOW), { messages, pruned: false });
  });

  test("inside the ttl the cached prompt is kept whole", () => {
    const messages = history(60_000);
    assert.equal(pruneForRequest(messages, enabled, anthropic, NOW).pruned, false);
  });

  test("past the ttl old results are pruned for an Anthropic model", () => {
    const out = pruneForRequest(history(6 * 60_000), enabled, anthropic, NOW);
    assert.equal(out.pruned, true);
    assert.equal(results(out.messages)[0], "[Old tool result content cleared]");
  });

  test("Anthropic models through OpenRouter count; other providers do not", () => {
    const messages = history(6 * 60_000);
    const viaOpenRouter = { api: "openai-completions", provider: "openrouter", id: "anthropic/claude-x" };
    assert.equal(
      pruneForRequest(messages, enabled, { ...viaOpenRouter, contextWindow: 3000 }, NOW).pruned,
      true,
    );
    const openai = { api: "openai-completions", provider: "openai", id: "gpt-5", contextWindow: 3000 };
    assert.equal(pruneForRequest(messages, enabled, openai, NOW).pruned, false);
  });

  test("agents.defaults.contextTokens caps the window used for the ratios", () => {
    const wide = { ...anthropic, contextWindow: 1_000_000 };
    assert.equal(pruneForRequest(history(6 * 60_000), enabled, wide, NOW).pruned, false);
    const capped = cfg({ mode: "cache-ttl", minPrunableToolChars: 0 });
    capped.agents!.defaults!.contextTokens = 3000;
    assert.equal(pruneForRequest(history(6 * 60_000), capped, wide, NOW).pruned, true);
  });
});
