import { z } from "zod";
import { defineMethod } from "../method-registry.ts";

/** `channels.status` (reference-gateway §2): per-channel account snapshots. */
export const channelsStatus = defineMethod({
  name: "channels.status",
  scope: "operator.read",
  params: z.object({ probe: z.boolean().optional(), timeoutMs: z.number().int().positive().optional() }),
  async handle(_params, { services }) {
    const snap = services.channelsStatus();
    return snap ?? { ts: Date.now(), channelOrder: [], channelAccounts: {}, channelDefaultAccountId: {} };
  },
});
