import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAtPath, parsePathExpr, setAtPath, unsetAtPath } from "../../src/config/path-expr.ts";

describe("parsePathExpr", () => {
  test("dot paths", () => {
    assert.deepEqual(parsePathExpr("gateway.auth.token"), ["gateway", "auth", "token"]);
    assert.deepEqual(parsePathExpr("gateway"), ["gateway"]);
  });

  test("bracket indexes", () => {
    assert.deepEqual(parsePathExpr("agents.list[0].id"), ["agents", "list", 0, "id"]);
    assert.deepEqual(parsePathExpr("a[1][2]"), ["a", 1, 2]);
  });

  test("quoted brackets keep dots and slashes inside the key", () => {
    assert.deepEqual(parsePathExpr('models.providers["my.provider"].baseUrl'), [
      "models",
      "providers",
      "my.provider",
      "baseUrl",
    ]);
    assert.deepEqual(parsePathExpr("agents.defaults.models['anthropic/claude-opus-4-6'].alias"), [
      "agents",
      "defaults",
      "models",
      "anthropic/claude-opus-4-6",
      "alias",
    ]);
  });

  test("keys that are not identifiers still work with dots", () => {
    assert.deepEqual(parsePathExpr("channels.telegram.groups.-1001234567890.requireMention"), [
      "channels",
      "telegram",
      "groups",
      "-1001234567890",
      "requireMention",
    ]);
  });

  for (const bad of ["", ".", "a.", ".a", "a..b", "a[", "a[x]", "a[-1]", "a[0]b", "a]b", 'a["b"', "a[0]."]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parsePathExpr(bad), /invalid config path/);
    });
  }
});

describe("getAtPath", () => {
  const tree = { agents: { list: [{ id: "main" }] }, gateway: { port: 1 } };

  test("reads through objects and arrays", () => {
    assert.equal(getAtPath(tree, ["agents", "list", 0, "id"]), "main");
    assert.deepEqual(getAtPath(tree, ["gateway"]), { port: 1 });
  });

  test("a missing key, a wrong container kind or reading into a scalar is undefined", () => {
    assert.equal(getAtPath(tree, ["agents", "list", 3, "id"]), undefined);
    assert.equal(getAtPath(tree, ["agents", "list", "0"]), undefined);
    assert.equal(getAtPath(tree, ["gateway", "port", "x"]), undefined);
  });
});

describe("setAtPath", () => {
  test("creates intermediate objects", () => {
    assert.deepEqual(setAtPath({}, ["gateway", "auth", "token"], "t"), { gateway: { auth: { token: "t" } } });
  });

  test("creates intermediate arrays for numeric parts", () => {
    assert.deepEqual(setAtPath({}, ["agents", "list", 0, "id"], "main"), {
      agents: { list: [{ id: "main" }] },
    });
  });

  test("keeps siblings and does not change the input", () => {
    const tree = { gateway: { port: 1, bind: "lan" }, other: { x: 1 } };
    const next = setAtPath(tree, ["gateway", "port"], 2);
    assert.deepEqual(next, { gateway: { port: 2, bind: "lan" }, other: { x: 1 } });
    assert.deepEqual(tree, { gateway: { port: 1, bind: "lan" }, other: { x: 1 } });
  });

  test("sets inside an existing array element, keeping the others", () => {
    const tree = { agents: { list: [{ id: "a" }, { id: "b", name: "B" }] } };
    assert.deepEqual(setAtPath(tree, ["agents", "list", 1, "id"], "c"), {
      agents: { list: [{ id: "a" }, { id: "c", name: "B" }] },
    });
  });

  test("replaces a whole subtree", () => {
    assert.deepEqual(setAtPath({ a: { b: 1 } }, ["a"], { c: 2 }), { a: { c: 2 } });
  });
});

describe("unsetAtPath", () => {
  test("removes only the key and keeps emptied parents", () => {
    const tree = { gateway: { auth: { token: "t" }, port: 1 } };
    assert.deepEqual(unsetAtPath(tree, ["gateway", "auth", "token"]), {
      tree: { gateway: { auth: {}, port: 1 } },
      removed: true,
    });
    assert.deepEqual(tree, { gateway: { auth: { token: "t" }, port: 1 } }, "the input is unchanged");
  });

  test("removes a top-level key", () => {
    assert.deepEqual(unsetAtPath({ a: 1, b: 2 }, ["a"]), { tree: { b: 2 }, removed: true });
  });

  test("removes an array element, closing the gap", () => {
    const tree = { agents: { list: [{ id: "a" }, { id: "b" }, { id: "c" }] } };
    assert.deepEqual(unsetAtPath(tree, ["agents", "list", 1]).tree, {
      agents: { list: [{ id: "a" }, { id: "c" }] },
    });
  });

  test("a missing key is reported and the tree is returned as it was", () => {
    const tree = { a: { b: 1 } };
    assert.deepEqual(unsetAtPath(tree, ["a", "c"]), { tree, removed: false });
    assert.deepEqual(unsetAtPath(tree, ["x", "y"]), { tree, removed: false });
  });
});
