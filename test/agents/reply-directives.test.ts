import assert from "node:assert/strict";
import { test } from "node:test";
import { shapeReply, splitMediaDirectives as splitWithVoice } from "../../src/agents/reply-directives.ts";
import { isAbortTrigger } from "../../src/routing/commands/abort-words.ts";

test("NO_REPLY alone is silence; inside a text it is text", () => {
  assert.deepEqual(shapeReply("NO_REPLY"), { text: "", silent: true });
  assert.deepEqual(shapeReply("  no_reply \n"), { text: "", silent: true });
  assert.deepEqual(shapeReply("I said NO_REPLY earlier"), { text: "I said NO_REPLY earlier", silent: false });
});

test("a leading or trailing HEARTBEAT_OK is stripped; only that is dropped", () => {
  assert.deepEqual(shapeReply("HEARTBEAT_OK"), { text: "", silent: true });
  assert.deepEqual(shapeReply("HEARTBEAT_OK All quiet."), { text: "All quiet.", silent: false });
  assert.deepEqual(shapeReply("Done. HEARTBEAT_OK"), { text: "Done.", silent: false });
  assert.equal(shapeReply("before HEARTBEAT_OK after").text, "before HEARTBEAT_OK after");
});

test("abort words stop a run; anything longer is a message", () => {
  for (const w of ["stop", "Stop!", "  please   stop ", "STOP RUN.", "стоп", "やめて"])
    assert.equal(isAbortTrigger(w), true, w);
  for (const w of ["stop the music", "don't stop", "/stop", "waiting"])
    assert.equal(isAbortTrigger(w), false, w);
});

/** Text and media only; `[[audio_as_voice]]` has its own test. */
function splitMediaDirectives(reply: string): { text: string; media: string[] } {
  const { text, media } = splitWithVoice(reply);
  return { text, media };
}

test("MEDIA: lines become attachments and leave the text (reference-agent §1.5)", () => {
  const cases: [string, string, string[]][] = [
    ["Here it is\nMEDIA:./chart.png", "Here it is", ["./chart.png"]],
    ["  MEDIA: https://example.com/a.jpg  \nDone", "Done", ["https://example.com/a.jpg"]],
    ["MEDIA:`./out/report.pdf`", "", ["./out/report.pdf"]],
    ['MEDIA:"/tmp/My File.png"', "", ["/tmp/My File.png"]],
    ["MEDIA:'./my chart.png'", "", ["./my chart.png"]],
    ["MEDIA:./a.png ./b.png", "", ["./a.png", "./b.png"]],
    ["MEDIA:file:///tmp/x.png", "", ["/tmp/x.png"]],
    ["MEDIA:chart.png", "", ["chart.png"]],
    ["MEDIA:~/Pictures/cat.jpg", "", ["~/Pictures/cat.jpg"]],
  ];
  for (const [reply, text, media] of cases)
    assert.deepEqual(splitMediaDirectives(reply), { text, media }, reply);
});

test("invalid MEDIA: parts stay as text; lines inside code fences are left alone", () => {
  assert.deepEqual(splitMediaDirectives("MEDIA: see above"), { text: "MEDIA: see above", media: [] });
  assert.deepEqual(splitMediaDirectives("MEDIA:./a.png and more"), { text: "and more", media: ["./a.png"] });
  assert.deepEqual(splitMediaDirectives("MEDIA:javascript:alert(1)"), {
    text: "MEDIA:javascript:alert(1)",
    media: [],
  });
  const fenced = "Use this:\n```\nMEDIA:./a.png\n```";
  assert.deepEqual(splitMediaDirectives(fenced), { text: fenced, media: [] });
  // Only a line that starts with MEDIA: counts.
  const inline = "The syntax is MEDIA:./a.png on its own line";
  assert.deepEqual(splitMediaDirectives(inline), { text: inline, media: [] });
  // Text around a removed line keeps its paragraphs.
  assert.deepEqual(splitMediaDirectives("One\n\nMEDIA:./a.png\n\nTwo"), {
    text: "One\n\nTwo",
    media: ["./a.png"],
  });
});

test("[[audio_as_voice]] is removed from the text and reported, except inside code fences", () => {
  assert.deepEqual(splitWithVoice("[[audio_as_voice]]\nMEDIA:./note.ogg"), {
    text: "",
    media: ["./note.ogg"],
    audioAsVoice: true,
  });
  assert.deepEqual(splitWithVoice("Listen [[ audio_as_voice ]] now"), {
    text: "Listen now",
    media: [],
    audioAsVoice: true,
  });
  const fenced = "```\n[[audio_as_voice]]\n```";
  assert.deepEqual(splitWithVoice(fenced), { text: fenced, media: [], audioAsVoice: false });
});
