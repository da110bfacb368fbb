import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { configJsonSchema, type OpenClawConfigInput, OpenClawConfigSchema } from "../../src/config/schema.ts";
import { findUnknownKeys } from "../../src/config/unknown-keys.ts";

const FIXTURE = new URL("../../../shared/fixtures/openclaw-2026.2.26-state/openclaw.json", import.meta.url);

/** One realistic block per section and per channel, written from the references' examples. */
const broadConfig = {
  $schema: "https://openclaw.ai/config.schema.json",
  meta: { lastTouchedVersion: "2026.2.26", lastTouchedAt: "2026-11-25T09:11:00.000Z" },
  wizard: {
    lastRunAt: "2026-11-25T09:10:00.000Z",
    lastRunVersion: "2026.2.26",
    lastRunCommand: "onboard",
    lastRunMode: "local",
  },
  env: { vars: { GROQ_API_KEY: "gsk-1" }, shellEnv: { enabled: true, timeoutMs: 15000 } },
  logging: {
    level: "debug",
    file: "~/logs/openclaw.log",
    consoleLevel: "warn",
    consoleStyle: "json",
    redactPatterns: ["sk-[a-z0-9]+"],
  },
  update: { channel: "beta", checkOnStart: true },
  ui: { seamColor: "#FF4500", assistant: { name: "Claw", avatar: "🦞" } },
  secrets: {
    providers: {
      default: { source: "env" },
      vault: { source: "exec", command: "/usr/local/bin/vault-resolver", passEnv: ["PATH"] },
      filemain: { source: "file", path: "~/.openclaw/secrets.json", mode: "json" },
    },
    defaults: { env: "default", file: "filemain", exec: "vault" },
  },
  auth: {
    profiles: {
      "anthropic:me@example.com": { provider: "anthropic", mode: "oauth", email: "me@example.com" },
    },
    order: { anthropic: ["anthropic:me@example.com", "anthropic:work"] },
    cooldowns: { billingBackoffHours: 3, billingBackoffHoursByProvider: { openai: 2 }, billingMaxHours: 12 },
  },
  models: {
    mode: "merge",
    providers: {
      lmstudio: {
        baseUrl: "http://localhost:1234/v1",
        apiKey: "LMSTUDIO_KEY",
        api: "openai-responses",
        authHeader: true,
        headers: { "X-Tenant": "home" },
        models: [
          {
            id: "minimax-m2.1-gs32",
            name: "MiniMax M2.1",
            reasoning: true,
            input: ["text", "image"],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 200000,
            maxTokens: 8192,
            compat: { supportsDeveloperRole: false },
          },
        ],
      },
      bedrock: { api: "bedrock-converse-stream", auth: "aws-sdk", models: [{ id: "anthropic.claude-v2" }] },
    },
  },
  agents: {
    defaults: {
      workspace: "~/.openclaw/workspace",
      userTimezone: "Europe/Berlin",
      timeFormat: "24",
      model: { primary: "anthropic/claude-opus-4-6", fallbacks: ["openai/gpt-5.2"] },
      imageModel: "google/gemini-3-flash-preview",
      models: { "anthropic/claude-opus-4-6": { alias: "opus", params: { cacheRetention: "long" } } },
      thinkingDefault: "low",
      verboseDefault: "off",
      elevatedDefault: "ask",
      contextTokens: 180000,
      typingMode: "thinking",
      typingIntervalSeconds: 6,
      blockStreamingDefault: "on",
      blockStreamingBreak: "message_end",
      blockStreamingChunk: { minChars: 800, maxChars: 1200 },
      humanDelay: { mode: "custom", minMs: 500, maxMs: 1500 },
      heartbeat: {
        every: "45m",
        target: "last",
        activeHours: { start: "08:00", end: "24:00", timezone: "user" },
      },
      compaction: { mode: "safeguard", memoryFlush: { enabled: false } },
      contextPruning: { mode: "cache-ttl", ttl: "1h", tools: { deny: ["browser"] } },
      cliBackends: {
        "claude-cli": { command: "/usr/local/bin/claude", output: "json", sessionMode: "existing" },
      },
      sandbox: {
        mode: "non-main",
        scope: "agent",
        docker: {
          binds: ["/home/u/src:/src:ro"],
          ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 256 },
        },
      },
      subagents: { model: "openai/gpt-5-mini", maxConcurrent: 2, runTimeoutSeconds: 900 },
      memorySearch: {
        provider: "local",
        fallback: "none",
        local: { modelPath: "~/models/embed.gguf" },
        query: { hybrid: { vectorWeight: 0.6, textWeight: 0.4 } },
      },
    },
    list: [
      {
        id: "main",
        default: true,
        identity: { name: "Samantha", emoji: "🦥" },
        groupChat: { mentionPatterns: ["@sam"] },
      },
      {
        id: "family",
        workspace: "~/.openclaw/workspace-family",
        model: "anthropic/claude-sonnet-4-6",
        sandbox: { mode: "all", workspaceAccess: "ro" },
        tools: { profile: "messaging", deny: ["exec"], elevated: { enabled: false } },
        subagents: { allowAgents: ["*"] },
        heartbeat: { every: "0m" },
      },
    ],
  },
  bindings: [
    { agentId: "family", match: { channel: "whatsapp", accountId: "biz" } },
    { agentId: "main", match: { channel: "whatsapp", peer: { kind: "direct", id: "+15551234567" } } },
    { agentId: "main", match: { channel: "discord", guildId: "123456789012345678" } },
    { agentId: "main", match: { channel: "slack", teamId: "T123", accountId: "*" } },
  ],
  broadcast: { strategy: "sequential" },
  tools: {
    profile: "coding",
    allow: ["group:fs", "group:web", "browser"],
    deny: ["canvas"],
    byProvider: { "openai/gpt-5.2": { allow: ["group:fs"] }, "google-antigravity": { profile: "minimal" } },
    elevated: { enabled: true, allowFrom: { whatsapp: ["+15555550123"], discord: ["1234567890123"] } },
    exec: {
      host: "gateway",
      security: "allowlist",
      ask: "always",
      safeBins: ["jq"],
      applyPatch: { enabled: true, allowModels: ["gpt-5.2"] },
    },
    web: {
      search: { provider: "brave", apiKey: { source: "env", provider: "default", id: "BRAVE_API_KEY" } },
      fetch: { maxChars: 20000 },
    },
    media: {
      audio: {
        enabled: true,
        models: [
          { provider: "openai", model: "gpt-4o-mini-transcribe" },
          { type: "cli", command: "whisper", args: ["{{MediaPath}}"] },
        ],
      },
    },
    message: {
      crossContext: { allowAcrossProviders: true, marker: { enabled: true, prefix: "[from {channel}] " } },
    },
    agentToAgent: { enabled: true, allow: ["main", "family"] },
    sessions: { visibility: "agent" },
    subagents: { tools: { deny: ["gateway"] } },
    sandbox: { tools: { allow: ["exec", "read"], deny: ["browser"] } },
    loopDetection: { enabled: true, detectors: { pingPong: true } },
  },
  session: {
    scope: "per-sender",
    dmScope: "per-channel-peer",
    identityLinks: { alice: ["telegram:123456789", "discord:987654321012345678"] },
    reset: { mode: "daily", atHour: 5, idleMinutes: 120 },
    resetByType: { thread: { mode: "idle", idleMinutes: 60 }, direct: { mode: "daily" } },
    resetByChannel: { discord: { mode: "idle", idleMinutes: 10080 } },
    resetTriggers: ["/new", "/reset", "/fresh"],
    store: "~/.openclaw/agents/{agentId}/sessions/sessions.json",
    maintenance: {
      mode: "enforce",
      pruneAfter: "14d",
      rotateBytes: "5mb",
      resetArchiveRetention: false,
      maxDiskBytes: "500mb",
    },
    agentToAgent: { maxPingPongTurns: 2 },
    sendPolicy: {
      rules: [{ action: "deny", match: { channel: "discord", chatType: "group" } }],
      default: "allow",
    },
  },
  messages: {
    responsePrefix: "auto",
    ackReaction: "👀",
    ackReactionScope: "all",
    queue: {
      mode: "steer-backlog",
      debounceMs: 2000,
      cap: 25,
      drop: "old",
      byChannel: { whatsapp: "collect" },
    },
    inbound: { debounceMs: 2000, byChannel: { whatsapp: 5000, slack: 1500 } },
    groupChat: { historyLimit: 30, mentionPatterns: ["openclaw"] },
    tts: { auto: "tagged", provider: "elevenlabs", elevenlabs: { apiKey: "el-key", voiceId: "v1" } },
  },
  commands: {
    native: true,
    bash: true,
    config: true,
    allowFrom: { "*": ["user1"], discord: ["user:123"] },
    ownerAllowFrom: ["whatsapp:+15551234567"],
  },
  approvals: { exec: { enabled: true, mode: "targets", targets: [{ channel: "telegram", to: 123456789 }] } },
  channels: {
    defaults: { groupPolicy: "open", heartbeat: { showOk: true } },
    modelByChannel: { telegram: { "-1001234567890:topic:99": "anthropic/claude-sonnet-4-6" } },
    telegram: {
      enabled: true,
      botToken: "123:abc",
      dmPolicy: "allowlist",
      allowFrom: [123456789, "tg:987654321", "@alice"],
      groupPolicy: "allowlist",
      groupAllowFrom: ["123456789"],
      groups: {
        "*": { requireMention: true },
        "-1001234567890": {
          allowFrom: ["@admin"],
          systemPrompt: "Keep answers brief.",
          topics: { "99": { requireMention: false, skills: ["search"] } },
        },
      },
      customCommands: [{ command: "backup", description: "Git backup" }],
      replyToMode: "first",
      streaming: "partial",
      textChunkLimit: 4000,
      chunkMode: "newline",
      linkPreview: false,
      mediaMaxMb: 5,
      capabilities: { inlineButtons: "dm" },
      actions: { reactions: true, sticker: false },
      reactionNotifications: "own",
      reactionLevel: "minimal",
      retry: { attempts: 3, minDelayMs: 400, maxDelayMs: 30000, jitter: 0.1 },
      network: { autoSelectFamily: true, dnsResultOrder: "ipv4first" },
      proxy: "socks5://localhost:9050",
      webhookUrl: "https://example.com/telegram-webhook",
      webhookSecret: "secret",
      webhookPath: "/telegram-webhook",
      webhookHost: "127.0.0.1",
      dmHistoryLimit: 30,
      dms: { "123456789": { historyLimit: 50 } },
      heartbeat: { showAlerts: false },
      commands: { native: "auto" },
      accounts: { alerts: { name: "Alerts bot", botToken: "987:xyz", dmPolicy: "disabled" } },
      defaultAccount: "default",
    },
    discord: {
      token: { source: "env", provider: "default", id: "DISCORD_BOT_TOKEN" },
      dmPolicy: "pairing",
      allowFrom: ["user:123", "123456789012345678"],
      dm: { enabled: true, groupEnabled: false, groupChannels: ["openclaw-dm"] },
      groupPolicy: "allowlist",
      guilds: {
        "123456789012345678": {
          slug: "friends",
          requireMention: false,
          users: ["987654321098765432"],
          roles: ["555"],
          channels: {
            general: { allow: true },
            help: {
              allow: true,
              requireMention: true,
              skills: ["docs"],
              toolsBySender: { "id:1": { deny: ["exec"] } },
            },
          },
        },
      },
      allowBots: "mentions",
      historyLimit: 20,
      textChunkLimit: 2000,
      maxLinesPerMessage: 17,
      threadBindings: { enabled: true, ttlHours: 24, spawnSubagentSessions: false },
      voice: { enabled: true, autoJoin: [{ guildId: "1", channelId: "2" }] },
      actions: { reactions: true, moderation: false },
      retry: { attempts: 3, minDelayMs: 500, maxDelayMs: 30000, jitter: 0.1 },
      ui: { components: { accentColor: "#5865F2" } },
    },
    slack: {
      botToken: "xoxb-1",
      appToken: "xapp-1",
      dmPolicy: "pairing",
      allowFrom: ["U123", "*"],
      channels: {
        C123: { allow: true, requireMention: true, allowBots: false },
        "#general": { allow: true, users: ["U123"] },
      },
      thread: { historyScope: "thread", inheritParent: false, initialHistoryLimit: 20 },
      replyToModeByChatType: { direct: "all", channel: "first" },
      slashCommand: { enabled: true, name: "openclaw", ephemeral: true },
      typingReaction: "hourglass_flowing_sand",
      accounts: {
        work: { mode: "http", botToken: "xoxb-2", signingSecret: "s3cret", webhookPath: "/slack/work" },
      },
    },
    whatsapp: {
      dmPolicy: "pairing",
      allowFrom: ["+15555550123"],
      selfChatMode: true,
      sendReadReceipts: false,
      textChunkLimit: 4000,
      mediaMaxMb: 50,
      groups: { "*": { requireMention: true }, "1234567890-1234567890@g.us": { requireMention: false } },
      groupAllowFrom: ["+15551234567"],
      ackReaction: { emoji: "👀", direct: true, group: "mentions" },
      accounts: { biz: { authDir: "~/.openclaw/credentials/whatsapp/biz" } },
    },
    signal: {
      account: "+15555550123",
      cliPath: "signal-cli",
      httpHost: "127.0.0.1",
      httpPort: 8080,
      autoStart: true,
      allowFrom: ["+15551234567", "uuid:123e4567-e89b-12d3-a456-426614174000"],
      reactionNotifications: "allowlist",
      reactionAllowlist: ["+15551234567"],
    },
    imessage: {
      cliPath: "imsg",
      dbPath: "~/Library/Messages/chat.db",
      allowFrom: ["chat_id:123"],
      service: "auto",
      includeAttachments: true,
    },
    bluebubbles: {
      serverUrl: "http://mac.local:1234",
      password: "bb-pass",
      webhookPath: "/bluebubbles-webhook",
      dmPolicy: "pairing",
    },
    googlechat: {
      serviceAccountFile: "/etc/openclaw/sa.json",
      audienceType: "app-url",
      audience: "https://gateway.example.com/googlechat",
      webhookPath: "/googlechat",
      dm: { enabled: true, policy: "pairing", allowFrom: ["users/1234567890"] },
      groups: { "spaces/AAAA": { allow: true, requireMention: true } },
      typingIndicator: "message",
    },
    mattermost: {
      botToken: "mm-token",
      baseUrl: "https://chat.example.com",
      chatmode: "onchar",
      oncharPrefixes: [">", "!"],
      commands: { native: true, callbackPath: "/api/channels/mattermost/command" },
    },
    msteams: {
      appId: "app",
      appPassword: "pw",
      tenantId: "tenant",
      webhook: { port: 3978, path: "/api/messages" },
      teams: { t1: { requireMention: true, channels: { c1: { replyStyle: "thread" } } } },
    },
    irc: {
      host: "irc.libera.chat",
      port: 6697,
      tls: true,
      nick: "clawbot",
      channels: ["#openclaw"],
      nickserv: { enabled: true, password: "nickserv-pass" },
    },
    feishu: { appId: "cli_a", appSecret: "secret", dmPolicy: "pairing" },
  },
  web: {
    enabled: true,
    heartbeatSeconds: 60,
    reconnect: { initialMs: 2000, maxMs: 120000, factor: 1.4, jitter: 0.2, maxAttempts: 0 },
  },
  cron: {
    enabled: true,
    maxConcurrentRuns: 2,
    webhookToken: "hook-token",
    sessionRetention: false,
    runLog: { maxBytes: "2mb", keepLines: 1000 },
  },
  hooks: {
    enabled: true,
    token: "shared-secret",
    defaultSessionKey: "hook:ingress",
    allowedSessionKeyPrefixes: ["hook:"],
    allowedAgentIds: ["main"],
    presets: ["gmail"],
    mappings: [
      {
        match: { path: "gmail" },
        action: "agent",
        agentId: "main",
        wakeMode: "now",
        messageTemplate: "From: {{messages[0].from}}",
        deliver: true,
        channel: "last",
      },
    ],
    gmail: {
      account: "me@gmail.com",
      pushToken: "push",
      serve: { bind: "127.0.0.1", port: 8788, path: "/" },
      tailscale: { mode: "funnel", path: "/gmail-pubsub" },
    },
    internal: { enabled: true, entries: { "session-memory": { enabled: true } } },
  },
  skills: {
    allowBundled: ["gemini"],
    load: { extraDirs: ["~/skills"], watch: true },
    install: { preferBrew: false, nodeManager: "pnpm" },
    entries: { peekaboo: { enabled: true }, nano: { apiKey: "k", env: { GEMINI_API_KEY: "k" } } },
  },
  plugins: {
    enabled: true,
    allow: ["voice-call"],
    load: { paths: ["~/ext/voice-call"] },
    entries: { "voice-call": { enabled: true, config: { provider: "twilio" } } },
  },
  memory: { backend: "builtin", citations: "auto" },
  browser: {
    enabled: true,
    defaultProfile: "openclaw",
    headless: true,
    executablePath: "/usr/bin/chromium",
    profiles: { openclaw: { cdpPort: 18800, color: "#FF4500" }, remote: { cdpUrl: "http://10.0.0.42:9222" } },
    ssrfPolicy: { dangerouslyAllowPrivateNetwork: false },
  },
  discovery: { mdns: { mode: "off" }, wideArea: { enabled: true, domain: "openclaw.internal." } },
  canvasHost: { enabled: false, root: "~/.openclaw/workspace/canvas", liveReload: false },
  talk: {
    voiceId: "v1",
    voiceAliases: { Clawd: "EXAVITQu4vr4xnSDxMaL" },
    apiKey: "el",
    interruptOnSpeech: true,
  },
  audio: { transcription: { command: ["whisper", "{{MediaPath}}"], timeoutSeconds: 60 } },
  nodeHost: { browserProxy: { enabled: true, allowProfiles: ["openclaw"] } },
  acp: { enabled: true, backend: "acpx", defaultAgent: "codex", allowedAgents: ["codex"] },
  diagnostics: { enabled: true, otel: { enabled: false } },
  gateway: {
    mode: "local",
    port: 18789,
    bind: "custom",
    customBindHost: "192.168.1.10",
    auth: {
      mode: "trusted-proxy",
      trustedProxy: { userHeader: "x-forwarded-user", allowUsers: ["alice"] },
      rateLimit: { exemptLoopback: false },
    },
    trustedProxies: ["127.0.0.1"],
    controlUi: { basePath: "/openclaw", allowedOrigins: ["https://control.example.com"] },
    tailscale: { mode: "off" },
    remote: {
      url: "wss://gw.example.com",
      transport: "direct",
      token: "remote-token",
      tlsFingerprint: "AA:BB",
    },
    reload: { mode: "restart", debounceMs: 500 },
    tls: { enabled: true, autoGenerate: false, certPath: "/etc/tls/cert.pem", keyPath: "/etc/tls/key.pem" },
    http: {
      endpoints: {
        chatCompletions: { enabled: true },
        responses: { enabled: true, files: { allowUrl: true, urlAllowlist: ["*.example.com"] } },
      },
      securityHeaders: { strictTransportSecurity: false },
    },
    nodes: { browser: { mode: "auto" }, allowCommands: ["system.run"], denyCommands: ["camera.snap"] },
    tools: { deny: ["browser"], allow: ["gateway"] },
    channelHealthCheckMinutes: 0,
  },
} satisfies OpenClawConfigInput;

function issuePaths(input: unknown): string[] {
  const result = OpenClawConfigSchema.safeParse(input);
  assert.equal(result.success, false, "expected the config to be rejected");
  return result.error!.issues.map((i) => i.path.join("."));
}

describe("config schema", () => {
  test("the OpenClaw 2026.2.26 fixture config parses unchanged", () => {
    const raw: unknown = JSON.parse(readFileSync(FIXTURE, "utf8"));
    const config = OpenClawConfigSchema.parse(raw);
    assert.equal(config.gateway.port, 41891);
    assert.equal(config.gateway.mode, "local");
    assert.equal(config.gateway.auth.mode, "token");
    assert.equal(config.gateway.auth.token, "fixture-a-gateway-token");
    assert.equal(config.models.mode, "merge");
    assert.equal(config.models.providers?.fixture?.api, "openai-completions");
    assert.equal(config.models.providers?.fixture?.models?.[0]?.contextWindow, 128000);
    assert.deepEqual(config.auth.order?.fixture, ["fixture:a", "fixture:b"]);
    assert.equal(config.auth.profiles?.["fixture:a"]?.mode, "api_key");
    assert.deepEqual(config.agents.defaults.model, { primary: "fixture/m1" });
    assert.deepEqual(
      config.agents.list?.map((a) => a.id),
      ["main", "work"],
    );
    assert.equal(config.agents.list?.[1]?.name, "Work");
    assert.deepEqual(findUnknownKeys(OpenClawConfigSchema, raw), []);
  });

  test("an empty config yields the documented defaults", () => {
    const c = OpenClawConfigSchema.parse({});
    assert.equal(c.gateway.port, 18789);
    assert.equal(c.gateway.bind, "loopback");
    assert.equal(c.gateway.mode, undefined, "gateway.mode has no default (GW-13)");
    assert.equal(c.gateway.auth.mode, undefined, "auth mode is derived from token/password");
    assert.equal(c.gateway.reload.mode, "hybrid");
    assert.equal(c.gateway.reload.debounceMs, 300);
    assert.deepEqual(c.gateway.auth.rateLimit, {
      maxAttempts: 10,
      windowMs: 60_000,
      lockoutMs: 300_000,
      exemptLoopback: true,
    });
    assert.equal(c.gateway.controlUi.enabled, true);
    assert.equal(c.gateway.tailscale.mode, "off");
    assert.equal(c.gateway.http.endpoints.chatCompletions.enabled, false);
    assert.equal(c.gateway.http.endpoints.responses.maxBodyBytes, 20 * 1024 * 1024);
    assert.equal(c.agents.defaults.bootstrapMaxChars, 20_000);
    assert.equal(c.agents.defaults.bootstrapTotalMaxChars, 150_000);
    assert.equal(c.agents.defaults.timeoutSeconds, 600);
    assert.equal(c.agents.defaults.maxConcurrent, 4);
    assert.equal(c.agents.defaults.imageMaxDimensionPx, 1200);
    assert.equal(c.agents.defaults.heartbeat.every, undefined, "heartbeat interval depends on auth");
    assert.equal(c.agents.defaults.heartbeat.ackMaxChars, 300);
    assert.equal(c.agents.defaults.compaction.reserveTokensFloor, 20_000);
    assert.equal(c.agents.defaults.compaction.memoryFlush.softThresholdTokens, 4000);
    assert.equal(c.agents.defaults.sandbox.mode, "off");
    assert.equal(c.agents.defaults.sandbox.docker.image, "openclaw-sandbox:bookworm-slim");
    assert.equal(c.agents.defaults.subagents.maxConcurrent, 8);
    assert.equal(c.session.dmScope, "main");
    assert.equal(c.session.reset, undefined, "reset stays absent so legacy idleMinutes keeps its meaning");
    assert.equal(c.session.maintenance.pruneAfter, "30d");
    assert.equal(c.session.maintenance.maxEntries, 500);
    assert.equal(c.messages.queue.mode, "collect");
    assert.equal(c.messages.queue.debounceMs, 1000);
    assert.equal(c.messages.queue.cap, 20);
    assert.equal(c.messages.queue.drop, "summarize");
    assert.equal(c.messages.groupChat.historyLimit, 50);
    assert.equal(c.logging.level, "info");
    assert.equal(c.logging.redactSensitive, "tools");
    assert.equal(c.models.mode, "merge");
    assert.equal(c.tools.fs.workspaceOnly, true);
    assert.equal(c.tools.exec.backgroundMs, 10_000);
    assert.equal(c.tools.exec.timeoutSec, 1800);
    assert.equal(c.tools.web.search.maxResults, 5);
    assert.equal(c.tools.web.fetch.enabled, true);
    assert.equal(c.tools.sessions.visibility, "tree");
    assert.equal(c.commands.text, true);
    assert.equal(c.commands.native, "auto");
    assert.equal(c.cron.enabled, true);
    assert.equal(c.cron.runLog.keepLines, 2000);
    assert.equal(c.hooks.path, "/hooks");
    assert.equal(c.hooks.maxBodyBytes, 262_144);
    assert.equal(c.channels.defaults.groupPolicy, "allowlist");
    assert.equal(c.channels.telegram, undefined, "no channel starts unless configured");
    assert.equal(c.discovery.mdns.mode, "minimal");
    assert.equal(c.canvasHost.enabled, true);
    assert.equal(c.auth.cooldowns.billingBackoffHours, 5);
  });

  test("defaults fill in beside the keys a user sets", () => {
    const c = OpenClawConfigSchema.parse({ gateway: { port: 19001, reload: { mode: "hot" } } });
    assert.equal(c.gateway.port, 19001);
    assert.equal(c.gateway.reload.mode, "hot");
    assert.equal(c.gateway.reload.debounceMs, 300);
    assert.equal(c.gateway.bind, "loopback");
    const r = OpenClawConfigSchema.parse({ session: { reset: { mode: "daily" } } });
    assert.equal(r.session.reset?.atHour, 4);
  });

  test("override layers get no defaults, so they inherit from the layer above", () => {
    const c = OpenClawConfigSchema.parse({
      agents: { list: [{ id: "a", sandbox: {}, heartbeat: { every: "1h" }, subagents: {} }] },
      channels: { telegram: { botToken: "t", accounts: { alerts: { botToken: "u" } } } },
      session: { resetByType: { group: {} } },
    });
    const agent = c.agents.list?.[0];
    assert.deepEqual(agent?.sandbox, {});
    assert.deepEqual(agent?.heartbeat, { every: "1h" });
    assert.deepEqual(agent?.subagents, {});
    assert.deepEqual(c.channels.telegram?.accounts?.alerts, { botToken: "u" });
    assert.equal(c.channels.telegram?.dmPolicy, undefined);
    assert.deepEqual(c.session.resetByType?.group, {});
  });

  test("wrong types are rejected with the path of the bad value", () => {
    assert.deepEqual(issuePaths({ gateway: { port: "abc" } }), ["gateway.port"]);
    assert.deepEqual(issuePaths({ gateway: { port: 70000 } }), ["gateway.port"]);
    assert.deepEqual(issuePaths({ gateway: { port: 18789.5 } }), ["gateway.port"]);
    assert.deepEqual(issuePaths({ gateway: { bind: "0.0.0.0" } }), ["gateway.bind"]);
    assert.deepEqual(issuePaths({ gateway: { reload: { mode: "sometimes" } } }), ["gateway.reload.mode"]);
    assert.deepEqual(issuePaths({ channels: { telegram: { dmPolicy: "sometimes" } } }), [
      "channels.telegram.dmPolicy",
    ]);
    assert.deepEqual(issuePaths({ channels: { slack: { accounts: { work: { groupPolicy: "maybe" } } } } }), [
      "channels.slack.accounts.work.groupPolicy",
    ]);
    assert.deepEqual(issuePaths({ agents: { list: [{ name: "no id" }] } }), ["agents.list.0.id"]);
    assert.deepEqual(issuePaths({ bindings: [{ agentId: "main", match: {} }] }), [
      "bindings.0.match.channel",
    ]);
    assert.deepEqual(issuePaths({ bindings: [{ match: { channel: "telegram" } }] }), ["bindings.0.agentId"]);
    assert.deepEqual(issuePaths({ session: { dmScope: "per-user" } }), ["session.dmScope"]);
    assert.deepEqual(issuePaths({ agents: { defaults: { heartbeat: { every: "soon" } } } }), [
      "agents.defaults.heartbeat.every",
    ]);
    assert.deepEqual(issuePaths({ models: { providers: { x: { api: "openai-chat", models: [] } } } }), [
      "models.providers.x.api",
    ]);
    assert.deepEqual(issuePaths({ gateway: { auth: { token: { source: "vault", id: "X" } } } }), [
      "gateway.auth.token",
    ]);
  });

  test('dmPolicy "open" needs "*" in the effective allowFrom (SEC-10)', () => {
    assert.deepEqual(issuePaths({ channels: { telegram: { dmPolicy: "open" } } }), [
      "channels.telegram.allowFrom",
    ]);
    assert.deepEqual(
      issuePaths({
        channels: { slack: { allowFrom: ["*"], accounts: { a: { dmPolicy: "open", allowFrom: ["U1"] } } } },
      }),
      ["channels.slack.accounts.a.allowFrom"],
    );
    const ok: OpenClawConfigInput[] = [
      { channels: { telegram: { dmPolicy: "open", allowFrom: ["*"] } } },
      { channels: { whatsapp: { allowFrom: ["*"], accounts: { biz: { dmPolicy: "open" } } } } },
      { channels: { discord: { dm: { policy: "open", allowFrom: ["*"] } } } },
    ];
    for (const config of ok)
      assert.ok(OpenClawConfigSchema.safeParse(config).success, JSON.stringify(config));
  });

  test("unknown keys are not errors: parsing strips them and the walker reports them", () => {
    const input = { gateway: { prot: 1, port: 1234 }, agents: { defaults: { workspce: "~/w" } } };
    const c = OpenClawConfigSchema.parse(input);
    assert.equal(c.gateway.port, 1234);
    assert.deepEqual(
      findUnknownKeys(OpenClawConfigSchema, input).map((i) => i.path),
      ["gateway.prot", "agents.defaults.workspce"],
    );
  });

  test("secrets take a string or a SecretRef", () => {
    const ref = { source: "env", provider: "default", id: "OPENCLAW_GATEWAY_TOKEN" } as const;
    const c = OpenClawConfigSchema.parse({
      gateway: { auth: { token: ref } },
      models: { providers: { openai: { apiKey: { source: "file", provider: "vault", id: "/openai" } } } },
      channels: { telegram: { botToken: { source: "exec", provider: "pass", id: "telegram/bot" } } },
    });
    assert.deepEqual(c.gateway.auth.token, ref);
    assert.equal(typeof c.channels.telegram?.botToken, "object");
  });

  test("the FAQ's config snippets parse", () => {
    const snippets: OpenClawConfigInput[] = [
      {
        agents: { defaults: { workspace: "~/.openclaw/workspace" } },
        channels: { whatsapp: { allowFrom: ["+15555550123"] } },
      },
      { gateway: { bind: "lan", auth: { mode: "token", token: "replace-me" } } },
      {
        tools: {
          web: {
            search: { enabled: true, apiKey: "BRAVE_API_KEY_HERE", maxResults: 5 },
            fetch: { enabled: true },
          },
        },
      },
      { browser: { headless: true }, agents: { defaults: { sandbox: { browser: { headless: true } } } } },
      { env: { shellEnv: { enabled: true, timeoutMs: 15000 } } },
      { session: { idleMinutes: 240 } },
      { agents: { defaults: { heartbeat: { every: "2h" } } } },
      { channels: { whatsapp: { groupPolicy: "allowlist", groupAllowFrom: ["+15551234567"] } } },
      {
        agents: {
          defaults: {
            model: { primary: "anthropic/claude-opus-4-6" },
            models: {
              "anthropic/claude-opus-4-6": { alias: "opus" },
              "anthropic/claude-sonnet-4-5": { alias: "sonnet" },
            },
          },
        },
      },
      {
        gateway: { mode: "remote", remote: { url: "ws://gateway.tailnet:18789", token: "t", password: "p" } },
      },
      {
        agents: {
          defaults: {
            tools: {
              message: {
                crossContext: {
                  allowAcrossProviders: true,
                  marker: { enabled: true, prefix: "[from {channel}] " },
                },
              },
            },
          },
        },
      },
    ];
    for (const snippet of snippets) {
      const result = OpenClawConfigSchema.safeParse(snippet);
      assert.ok(result.success, `${JSON.stringify(snippet)}: ${JSON.stringify(result.error?.issues)}`);
      assert.deepEqual(findUnknownKeys(OpenClawConfigSchema, snippet), [], JSON.stringify(snippet));
    }
    const legacy = OpenClawConfigSchema.parse({ session: { idleMinutes: 240 } });
    assert.equal(legacy.session.reset, undefined);
    assert.equal(legacy.session.idleMinutes, 240);
  });

  test("env shorthand keys and broadcast peers are kept", () => {
    const c = OpenClawConfigSchema.parse({
      env: { OPENROUTER_API_KEY: "sk-or-1", vars: { GROQ_API_KEY: "gsk-1" } },
      broadcast: { strategy: "parallel", "120363403215116621@g.us": ["alfred", "baerbel"] },
    });
    assert.equal(c.env?.OPENROUTER_API_KEY, "sk-or-1");
    assert.equal(c.env?.vars?.GROQ_API_KEY, "gsk-1");
    assert.deepEqual(c.broadcast?.["120363403215116621@g.us"], ["alfred", "baerbel"]);
    assert.deepEqual(issuePaths({ env: { FOO: 1 } }), ["env.FOO"]);
  });

  test("a broad config using keys from every section parses without unknown keys", () => {
    const result = OpenClawConfigSchema.safeParse(broadConfig);
    assert.ok(result.success, JSON.stringify(result.error?.issues, null, 2));
    const c = result.data;
    assert.deepEqual(findUnknownKeys(OpenClawConfigSchema, broadConfig), []);
    assert.equal(c.channels.telegram?.groups?.["-1001234567890"]?.topics?.["99"]?.requireMention, false);
    assert.equal(c.channels.discord?.guilds?.["123456789012345678"]?.channels?.help?.requireMention, true);
    assert.equal(c.channels.slack?.accounts?.work?.mode, "http");
    assert.equal(c.channels.whatsapp?.selfChatMode, true);
    assert.equal(c.channels.signal?.httpPort, 8080);
    assert.equal(c.channels.mattermost?.chatmode, "onchar");
    assert.equal(c.agents.list?.[1]?.tools?.profile, "messaging");
    assert.equal(c.bindings?.[1]?.match.peer?.kind, "direct");
    assert.equal(c.session.reset?.atHour, 5);
    assert.equal(c.gateway.auth.trustedProxy?.userHeader, "x-forwarded-user");
  });

  test("configJsonSchema describes the input side and marks secrets", () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { description?: string; properties?: Record<string, unknown> }>;
    };
    assert.ok(schema.properties.gateway);
    assert.ok(schema.properties.$schema);
    assert.match(schema.properties.gateway.description ?? "", /gateway/i);
    const gateway = schema.properties.gateway.properties as Record<
      string,
      { properties?: Record<string, unknown> }
    >;
    const token = gateway.auth?.properties?.token as { sensitive?: boolean };
    assert.equal(token.sensitive, true);
    assert.equal((gateway.port as { default?: number }).default, 18789);
  });
});
