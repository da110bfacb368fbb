import type { ResolvedModel } from "./catalog.ts";

/**
 * Turns a provider failure into a message a user can act on, keeping the provider's own text
 * (users search for it). Pure: callers pass what they know.
 */
export function describeModelError(
  raw: string | undefined,
  model: Pick<ResolvedModel, "provider" | "id" | "baseUrl">,
  credentialSource?: string,
): string {
  const text = (raw ?? "unknown error").trim();
  const ref = `${model.provider}/${model.id}`;
  if (
    /\b401\b|invalid[_ ]api[_ ]key|incorrect api key|authentication|unauthori[sz]ed|UNAUTHENTICATED|\b403\b|PERMISSION_DENIED/i.test(
      text,
    )
  ) {
    const from = credentialSource ? ` (key from ${credentialSource})` : "";
    return `${ref}: the provider rejected the credentials${from}. Check or replace the API key for "${model.provider}". Provider said: ${text}`;
  }
  if (/\b429\b|rate.?limit|RESOURCE_EXHAUSTED|too many requests/i.test(text)) {
    return `LLM request rate limited. ${ref}: the provider is throttling this key; wait a moment or add another auth profile. Provider said: ${text}`;
  }
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|fetch failed|connection error|socket hang up|network/i.test(
      text,
    )
  ) {
    return `${ref}: could not reach the model API at ${model.baseUrl || "its default endpoint"} (connection failed). Check that the server is running and the base URL is right. Details: ${text}`;
  }
  if (/timed? ?out|timeout|ETIMEDOUT|deadline/i.test(text)) {
    return `${ref}: the model API did not answer in time. Try again; if it keeps happening, check the provider's status or raise the timeout. Details: ${text}`;
  }
  if (/\b(500|502|503|504|529)\b|overloaded|server error|INTERNAL|UNAVAILABLE/i.test(text)) {
    return `${ref}: the provider had a server-side error (it is not your configuration). Try again shortly. Provider said: ${text}`;
  }
  return `${ref}: LLM request failed: ${text}`;
}
