import assert from "node:assert/strict";
import { test } from "node:test";
import { GatewayRequestError } from "../../src/client/gateway-client.ts";
import { ReconnectingGatewayClient } from "../../src/client/reconnecting-client.ts";
import type { EventFrame } from "../../src/protocol/frames.ts";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";

test("a lost gateway is reconnected with backoff; listeners carry over; a refusal is final", async (t) => {
  const first = await spawnGateway({ config: { gateway: { auth: { token: "tok-1" } } } });
  const port = first.port;
  const home = first.home;
  let token = "tok-1";
  const lost: string[] = [];
  let restored = 0;
  const client = await ReconnectingGatewayClient.start({
    connect: () => first.connect({ token }),
    initialDelayMs: 50,
    maxDelayMs: 200,
    onLost: (err) => lost.push(err.message),
    onRestored: () => restored++,
  });
  t.after(() => client.close());
  const chatEvents: EventFrame[] = [];
  client.onEvent((ev) => {
    if (ev.event === "chat") chatEvents.push(ev);
  });
  await client.request("health");

  await first.stop();
  assert.match(lost[0] ?? "", /gateway closed the connection/);
  // Nothing listens for a while: the client keeps trying, doubling its wait up to the cap.
  await new Promise((r) => setTimeout(r, 400));
  const second = await spawnGateway({ home, port });
  t.after(() => disposeGateway(second));
  await client.request("health"); // waits for the connection to come back
  assert.equal(restored, 1);

  // The listener registered before the loss still gets events of the new connection.
  await client.request("chat.send", { sessionKey: "agent:main:main", message: "hi", idempotencyKey: "r1" });
  const deadline = Date.now() + 10_000;
  while (chatEvents.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(chatEvents.length > 0, "chat events after the reconnect");

  // The token this client holds is no longer accepted: reconnecting cannot fix that, so it stops.
  token = "stale";
  await second.stop();
  const third = await spawnGateway({ home, port });
  t.after(() => disposeGateway(third));
  await assert.rejects(client.request("health"), (err: unknown) => err instanceof GatewayRequestError);
});
