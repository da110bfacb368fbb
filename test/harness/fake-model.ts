/** What differs between tests that point the default agent at a local fake LLM. */
export interface FakeModelOptions {
  /** The fake's wire format (`openai-completions` unless the test needs another). */
  api?: string;
  /** Model definitions of provider `fake`; the first is the default agent's model. */
  models?: Record<string, unknown>[];
  apiKey?: string;
  /** More `agents.defaults` keys (compaction, mediaMaxMb, userTimezone…). */
  defaults?: Record<string, unknown>;
}

/**
 * A config whose default agent talks to a fake LLM at `baseUrl` as the custom provider `fake`
 * (`models.providers.fake`), with `fake/<first model id>` as its model. Spread more top-level
 * keys next to it (`{ ...fakeModelConfig(url), tools: … }`).
 */
export function fakeModelConfig(baseUrl: string, opts: FakeModelOptions = {}) {
  const models = opts.models ?? [{ id: "m1" }];
  const first = String(models[0]?.["id"] ?? "m1");
  return {
    models: {
      providers: {
        fake: { baseUrl, api: opts.api ?? "openai-completions", apiKey: opts.apiKey ?? "sk-test", models },
      },
    },
    agents: { defaults: { model: { primary: `fake/${first}` }, ...opts.defaults } },
  };
}
