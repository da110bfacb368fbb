import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideArrival } from "../../src/sessions/queue/decide.ts";
import {
  formatQueueAck,
  formatQueueSettings,
  parseDurationMs,
  parseQueueDirective,
} from "../../src/sessions/queue/directive.ts";
import {
  emptyQueue,
  enqueue,
  type FollowupQueue,
  type QueuedItem,
  removeItems,
  takeTurn,
} from "../../src/sessions/queue/followup-queue.ts";
import { collectPrompt, overflowSummary, summaryLine } from "../../src/sessions/queue/prompt.ts";
import {
  DEFAULT_QUEUE_SETTINGS,
  normalizeQueueMode,
  resolveQueueSettings,
} from "../../src/sessions/queue/settings.ts";

describe("queue settings", () => {
  test("mode names and their aliases", () => {
    const table: [string, string | undefined][] = [
      ["collect", "collect"],
      ["steer", "steer"],
      ["queue", "steer"],
      ["followup", "followup"],
      ["steer-backlog", "steer-backlog"],
      ["steer+backlog", "steer-backlog"],
      ["Interrupt", "interrupt"],
      ["sometimes", undefined],
    ];
    for (const [raw, mode] of table) assert.equal(normalizeQueueMode(raw), mode, raw);
  });

  test("defaults: collect, 1000 ms, cap 20, summarize", () => {
    assert.deepEqual(resolveQueueSettings(undefined, "telegram", undefined), {
      mode: "collect",
      debounceMs: 1000,
      cap: 20,
      drop: "summarize",
    });
  });

  test("session override, then byChannel, then messages.queue", () => {
    const config = {
      mode: "collect",
      debounceMs: 500,
      cap: 5,
      drop: "old",
      byChannel: { telegram: "steer" },
      debounceMsByChannel: { telegram: 2000 },
    };
    assert.deepEqual(resolveQueueSettings(config, "webchat", undefined), {
      mode: "collect",
      debounceMs: 500,
      cap: 5,
      drop: "old",
    });
    assert.deepEqual(resolveQueueSettings(config, "telegram", undefined), {
      mode: "steer",
      debounceMs: 2000,
      cap: 5,
      drop: "old",
    });
    assert.deepEqual(
      resolveQueueSettings(config, "telegram", {
        queueMode: "followup",
        queueDebounceMs: 0,
        queueCap: 25,
        queueDrop: "new",
      }),
      { mode: "followup", debounceMs: 0, cap: 25, drop: "new" },
    );
    // Only the fields the override sets win; an unknown stored mode is ignored.
    assert.deepEqual(resolveQueueSettings(config, "telegram", { queueMode: "bogus", queueCap: 3 }), {
      mode: "steer",
      debounceMs: 2000,
      cap: 3,
      drop: "old",
    });
  });
});

describe("/queue arguments", () => {
  test("parses modes, options, reset and show", () => {
    const table: [string, ReturnType<typeof parseQueueDirective>][] = [
      ["", { type: "show" }],
      ["reset", { type: "reset" }],
      ["default", { type: "reset" }],
      ["steer", { type: "set", mode: "steer" }],
      ["steer+backlog", { type: "set", mode: "steer-backlog" }],
      [
        "collect debounce:2s cap:25 drop:old",
        { type: "set", mode: "collect", debounceMs: 2000, cap: 25, drop: "old" },
      ],
      ["debounce=1500ms", { type: "set", debounceMs: 1500 }],
      ["drop:summarize", { type: "set", drop: "summarize" }],
    ];
    for (const [args, want] of table) assert.deepEqual(parseQueueDirective(args), want, args);
  });

  test("reports every invalid part in OpenClaw's words", () => {
    const got = parseQueueDirective("sometimes cap:0 drop:all debounce:soon");
    assert.equal(got.type, "invalid");
    const message = (got as { message: string }).message;
    assert.match(message, /Unrecognized queue mode "sometimes"/);
    assert.match(message, /Invalid cap "0"/);
    assert.match(message, /Invalid drop policy "all"/);
    assert.match(message, /Invalid debounce "soon"/);
  });

  test("durations", () => {
    assert.equal(parseDurationMs("1500"), 1500);
    assert.equal(parseDurationMs("2s"), 2000);
    assert.equal(parseDurationMs("1.5s"), 1500);
    assert.equal(parseDurationMs("1m"), 60_000);
    assert.equal(parseDurationMs("2h"), undefined);
  });

  test("answers", () => {
    assert.equal(
      formatQueueAck({ type: "set", mode: "followup", debounceMs: 2000, cap: 25, drop: "new" }),
      "⚙️ Queue mode set to followup.\n⚙️ Queue debounce set to 2000ms.\n⚙️ Queue cap set to 25.\n⚙️ Queue drop set to new.",
    );
    assert.equal(formatQueueAck({ type: "reset" }), "⚙️ Queue mode reset to default.");
    assert.match(
      formatQueueSettings(DEFAULT_QUEUE_SETTINGS),
      /^Current queue settings: mode=collect, debounce=1000ms, cap=20, drop=summarize\./,
    );
  });
});

describe("collect prompt and overflow summary", () => {
  test("the documented format", () => {
    assert.equal(
      collectPrompt(["one", "two"], undefined),
      "[Queued messages while agent was busy]\n\n---\nQueued #1\none\n\n---\nQueued #2\ntwo",
    );
    const summary = overflowSummary(2, ["a", "b"]);
    assert.equal(summary, "[Queue overflow] Dropped 2 messages due to cap.\nSummary:\n- a\n- b");
    assert.equal(overflowSummary(1, ["a"]), "[Queue overflow] Dropped 1 message due to cap.\nSummary:\n- a");
    assert.equal(overflowSummary(0, []), undefined);
    assert.equal(
      collectPrompt(["three"], summary),
      "[Queued messages while agent was busy]\n\n[Queue overflow] Dropped 2 messages due to cap.\nSummary:\n- a\n- b\n\n---\nQueued #1\nthree",
    );
  });

  test("summary lines collapse whitespace and are cut at 160 characters", () => {
    assert.equal(summaryLine("  a\n\n b  "), "a b");
    const long = summaryLine("x".repeat(300));
    assert.equal(long.length, 160);
    assert.ok(long.endsWith("…"));
  });
});

interface Item extends QueuedItem {
  id: number;
}
const item = (id: number, route = "tg:42"): Item => ({ id, text: `m${id}`, route });

function fill(ids: number[], opts: { cap: number; drop: "old" | "new" | "summarize" }) {
  let q: FollowupQueue<Item> = emptyQueue();
  const dropped: number[] = [];
  const rejected: number[] = [];
  for (const id of ids) {
    const r = enqueue(q, item(id), opts);
    q = r.queue;
    dropped.push(...r.dropped.map((d) => d.id));
    if (!r.accepted) rejected.push(id);
  }
  return { q, dropped, rejected };
}

describe("followup queue", () => {
  test("the cap and each drop policy", () => {
    const old = fill([1, 2, 3, 4], { cap: 2, drop: "old" });
    assert.deepEqual(
      old.q.items.map((i) => i.id),
      [3, 4],
    );
    assert.deepEqual(old.dropped, [1, 2]);
    assert.equal(old.q.droppedCount, 0);

    const fresh = fill([1, 2, 3, 4], { cap: 2, drop: "new" });
    assert.deepEqual(
      fresh.q.items.map((i) => i.id),
      [1, 2],
    );
    assert.deepEqual(fresh.rejected, [3, 4]);

    const sum = fill([1, 2, 3, 4], { cap: 2, drop: "summarize" });
    assert.deepEqual(
      sum.q.items.map((i) => i.id),
      [3, 4],
    );
    assert.equal(sum.q.droppedCount, 2);
    assert.deepEqual(sum.q.summaryLines, ["m1", "m2"]);
  });

  test("collect merges everything into one turn answered by the last message", () => {
    const { q } = fill([1, 2, 3, 4], { cap: 2, drop: "summarize" });
    const taken = takeTurn(q, "collect")!;
    assert.equal(taken.turn.carrier.id, 4);
    assert.deepEqual(
      taken.turn.riders.map((r) => r.id),
      [3],
    );
    assert.equal(
      taken.turn.text,
      "[Queued messages while agent was busy]\n\n[Queue overflow] Dropped 2 messages due to cap.\nSummary:\n- m1\n- m2\n\n---\nQueued #1\nm3\n\n---\nQueued #2\nm4",
    );
    assert.deepEqual(taken.queue, emptyQueue());
  });

  test("followup takes one message at a time; the overflow summary leads the next one", () => {
    const { q } = fill([1, 2, 3], { cap: 2, drop: "summarize" });
    const first = takeTurn(q, "followup")!;
    assert.equal(first.turn.carrier.id, 2);
    assert.equal(first.turn.text, "[Queue overflow] Dropped 1 message due to cap.\nSummary:\n- m1\n\nm2");
    const second = takeTurn(first.queue, "followup")!;
    assert.equal(second.turn.text, "m3");
    assert.equal(takeTurn(second.queue, "followup"), undefined);
  });

  test("collect drains mixed routes one by one, for the rest of the backlog", () => {
    let q: FollowupQueue<Item> = emptyQueue();
    for (const i of [item(1, "tg:1"), item(2, "tg:2"), item(3, "tg:2")])
      q = enqueue(q, i, { cap: 20, drop: "summarize" }).queue;
    const first = takeTurn(q, "collect")!;
    assert.equal(first.turn.carrier.id, 1);
    assert.equal(first.turn.text, "m1");
    const second = takeTurn(first.queue, "collect")!;
    assert.equal(second.turn.carrier.id, 2);
    assert.equal(second.turn.riders.length, 0);
  });

  test("removing items", () => {
    const { q } = fill([1, 2, 3], { cap: 20, drop: "summarize" });
    assert.deepEqual(
      removeItems(q, (i) => i.id === 2).items.map((i) => i.id),
      [1, 3],
    );
    assert.deepEqual(
      removeItems(q, () => true),
      emptyQueue(),
    );
  });
});

describe("arrival decision", () => {
  test("table", () => {
    const idle = { busy: false, steerable: false };
    const streaming = { busy: true, steerable: true };
    const preparing = { busy: true, steerable: false };
    const table: [Parameters<typeof decideArrival>, ReturnType<typeof decideArrival>][] = [
      [["collect", idle], { type: "run" }],
      [["interrupt", idle], { type: "run" }],
      [["collect", streaming], { type: "enqueue" }],
      [["followup", streaming], { type: "enqueue" }],
      [["steer", streaming], { type: "steer", backlog: false }],
      [["steer-backlog", streaming], { type: "steer", backlog: true }],
      [["steer", preparing], { type: "enqueue" }],
      [["interrupt", streaming], { type: "interrupt" }],
    ];
    for (const [args, want] of table) assert.deepEqual(decideArrival(...args), want, JSON.stringify(args));
  });
});
