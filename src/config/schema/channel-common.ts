import { z } from "zod";
import {
  BlockStreamingCoalesceSchema,
  DmPolicy,
  GroupPolicy,
  HeartbeatVisibilitySchema,
  NativeToggle,
  NonNegativeInt,
  PeerIdList,
  PositiveInt,
  ToolPolicySchema,
} from "./common.ts";

// Keys every channel shares (reference-gateway §3 "channels.<name>", reference-agent §4–§5.1), declared
// once. A channel is `defineChannel({...its own keys})`: the same keys are valid at channel level and under
// `accounts.<accountId>`, where they override the channel's values. Nothing here has a default: the
// runtime resolves account → channel → `channels.defaults` → built-in, and a schema default at channel
// level would hide the later layers. Per-platform limits (textChunkLimit 4000, Discord 2000…) belong to
// the adapters.

/** Tool policy for a group; `toolsBySender` keys are `id:`, `e164:`, `username:`, `name:` or `*`. */
const GroupToolsShape = {
  tools: ToolPolicySchema.optional(),
  toolsBySender: z.record(z.string(), ToolPolicySchema).optional(),
};

/** `channels.<ch>.groups.<groupId>`: the keys are the group allowlist; `*` sets defaults for all groups. */
export const GroupEntryShape = {
  enabled: z.boolean().optional(),
  allow: z.boolean().optional(),
  requireMention: z.boolean().optional(),
  allowFrom: PeerIdList.optional(),
  groupPolicy: GroupPolicy.optional(),
  skills: z.array(z.string()).optional(),
  systemPrompt: z.string().optional(),
  historyLimit: NonNegativeInt.optional(),
  ...GroupToolsShape,
};
export const GroupEntrySchema = z.object(GroupEntryShape);

export const ReplyToMode = z.enum(["off", "first", "all"]);
export const ChunkMode = z.enum(["length", "newline"]);
/** Preview streaming; legacy booleans are still accepted. */
export const StreamingMode = z.union([z.enum(["off", "partial", "block", "progress"]), z.boolean()]);
export const ReactionNotifications = z.enum(["off", "own", "all", "allowlist"]);
export const InlineButtonsScope = z.enum(["off", "dm", "group", "all", "allowlist"]);

/** Legacy `dm` block (Discord, Slack, Google Chat), still read (reference-agent §4.1). */
const LegacyDmSchema = z.object({
  enabled: z.boolean().optional(),
  policy: DmPolicy.optional(),
  allowFrom: PeerIdList.optional(),
  groupEnabled: z.boolean().optional(),
  groupChannels: z.array(z.union([z.string(), z.number()])).optional(),
});

export const ChannelCommonShape = {
  enabled: z.boolean().optional(),
  name: z.string().optional(),
  dmPolicy: DmPolicy.optional(),
  allowFrom: PeerIdList.optional(),
  groupPolicy: GroupPolicy.optional(),
  groupAllowFrom: PeerIdList.optional(),
  groups: z.record(z.string(), GroupEntrySchema).optional(),
  dm: LegacyDmSchema.optional(),
  historyLimit: NonNegativeInt.optional(),
  dmHistoryLimit: NonNegativeInt.optional(),
  dms: z.record(z.string(), z.object({ historyLimit: NonNegativeInt.optional() })).optional(),
  defaultTo: z.string().optional(),
  heartbeat: HeartbeatVisibilitySchema.optional(),
  responsePrefix: z.string().optional(),
  textChunkLimit: PositiveInt.optional(),
  chunkMode: ChunkMode.optional(),
  markdown: z.object({ tables: z.enum(["off", "bullets", "code"]).optional() }).optional(),
  mediaMaxMb: z.number().positive().optional(),
  blockStreaming: z.boolean().optional(),
  blockStreamingCoalesce: BlockStreamingCoalesceSchema.optional(),
  streaming: StreamingMode.optional(),
  /** Legacy name of `streaming`, auto-mapped. */
  streamMode: z.string().optional(),
  replyToMode: ReplyToMode.optional(),
  ackReaction: z.string().optional(),
  reactionNotifications: ReactionNotifications.optional(),
  reactionAllowlist: PeerIdList.optional(),
  /** A list of capability tags, or Telegram's `{inlineButtons}`. */
  capabilities: z
    .union([z.array(z.string()), z.object({ inlineButtons: InlineButtonsScope.optional() })])
    .optional(),
  /** Action groups the `message` tool may use on this channel (`reactions`, `sendMessage`, …). */
  actions: z.record(z.string(), z.boolean()).optional(),
  commands: z.object({ native: NativeToggle.optional(), nativeSkills: NativeToggle.optional() }).optional(),
  configWrites: z.boolean().optional(),
  healthMonitor: z.object({ enabled: z.boolean().optional() }).optional(),
  dangerouslyAllowNameMatching: z.boolean().optional(),
};

interface DmAccessView {
  dmPolicy?: DmPolicy | undefined;
  allowFrom?: (string | number)[] | undefined;
  dm?: { policy?: DmPolicy | undefined; allowFrom?: (string | number)[] | undefined } | undefined;
}

const OPEN_NEEDS_WILDCARD = 'dmPolicy "open" requires "*" in allowFrom';

function hasWildcard(list: readonly (string | number)[] | undefined): boolean {
  return list?.some((entry) => String(entry).trim() === "*") ?? false;
}

type DmAccessTree = DmAccessView & { accounts?: Record<string, DmAccessView> | undefined };

/**
 * SEC-10: open DMs are a double opt-in, `dmPolicy: "open"` plus `"*"` in allowFrom. An account is
 * checked with what it inherits from the channel, and only when it sets one of the two keys itself.
 */
function checkOpenDms(channel: DmAccessTree, ctx: z.RefinementCtx): void {
  const policy = channel.dmPolicy ?? channel.dm?.policy;
  const allowFrom = channel.allowFrom ?? channel.dm?.allowFrom;
  if (policy === "open" && !hasWildcard(allowFrom)) {
    ctx.addIssue({ code: "custom", message: OPEN_NEEDS_WILDCARD, path: ["allowFrom"] });
  }
  for (const [id, account] of Object.entries(channel.accounts ?? {})) {
    const ownPolicy = account.dmPolicy ?? account.dm?.policy;
    const ownAllowFrom = account.allowFrom ?? account.dm?.allowFrom;
    if (ownPolicy === undefined && ownAllowFrom === undefined) continue;
    if ((ownPolicy ?? policy) === "open" && !hasWildcard(ownAllowFrom ?? allowFrom)) {
      ctx.addIssue({ code: "custom", message: OPEN_NEEDS_WILDCARD, path: ["accounts", id, "allowFrom"] });
    }
  }
}

/**
 * A channel schema: common keys plus `specific`, valid both at channel level and per account.
 * `specific` may redefine a common key (e.g. Telegram's `groups` with topics).
 */
export function defineChannel<S extends z.ZodRawShape>(specific: S) {
  const account = z.object(ChannelCommonShape).extend(specific);
  return (
    account
      .extend({
        accounts: z.record(z.string(), account).optional(),
        /** Account used when none is given; default `default`, else the first id. */
        defaultAccount: z.string().optional(),
      })
      // The generic output type is too deep for TypeScript to relate; the keys read are the common ones.
      .superRefine((channel, ctx) => checkOpenDms(channel as DmAccessTree, ctx))
  );
}
