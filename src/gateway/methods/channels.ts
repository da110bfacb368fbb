import { z } from "zod";
import { defineMethod } from "../method-registry.ts";

/** `channels.status` (reference-gateway §2): per-channel account snapshots. */
export const channelsStatus = defineMethod({
  name: "channels.status",
  scope: "operator.read",
  params: z.object({ probe: z.boolean().optional(), timeoutMs: z.number().int().positive().optional() }),
  async handle(params, { services }) {
    // `probe`: each account asks its platform now, instead of reporting what it last saw.
    const manager = params.probe ? services.channels() : undefined;
    const snap = manager ? await manager.probe(params.timeoutMs ?? 8000) : services.channelsStatus();
    return snap ?? { ts: Date.now(), channelOrder: [], channelAccounts: {}, channelDefaultAccountId: {} };
  },
});
