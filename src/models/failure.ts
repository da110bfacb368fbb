/** Why a model request failed, in OpenClaw's vocabulary (auth-profiles.json `failureCounts` keys). */
export type FailureReason =
  | "auth"
  | "auth_permanent"
  | "format"
  | "rate_limit"
  | "billing"
  | "timeout"
  | "model_not_found"
  | "unknown";

/** The HTTP status a provider error message starts with or carries (`429: {…}`, `"code":429`). */
function statusOf(text: string): number | undefined {
  const m =
    /^\s*(\d{3})\b/.exec(text) ??
    /\((\d{3})\)/.exec(text) ??
    /"code"\s*:\s*(\d{3})/.exec(text) ??
    /\b([45]\d\d)\b/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Classifies a failed request from the error text pi-ai hands back (each SDK words it differently;
 * the status code and the provider's error type are what they share). Pure.
 */
export function classifyFailure(errorMessage: string | undefined): FailureReason {
  const text = errorMessage ?? "";
  const status = statusOf(text);
  // Credit problems come as 402, or as a 429/400 whose type says so (OpenAI's insufficient_quota).
  if (
    status === 402 ||
    /insufficient[_ ](quota|credit|balance|funds)|credit balance|billing|payment required/i.test(text)
  )
    return "billing";
  if (
    status === 429 ||
    /rate[_ ]?limit|RESOURCE_EXHAUSTED|too many requests|overloaded|throttl/i.test(text) ||
    status === 529
  )
    return "rate_limit";
  if (
    status === 401 ||
    status === 403 ||
    /invalid[_ ]api[_ ]key|incorrect api key|authentication_error|unauthori[sz]ed|UNAUTHENTICATED|PERMISSION_DENIED/i.test(
      text,
    ) ||
    // AWS names the exception instead of the status (Bedrock: 403 for all of these).
    /AccessDenied|UnrecognizedClient|InvalidSignature|IncompleteSignature|ExpiredToken|MissingAuthenticationToken|security token included in the request is (invalid|expired)/.test(
      text,
    )
  )
    return "auth";
  if (
    status === 404 ||
    /model[_ ]not[_ ]found|does not exist|not_found_error|ResourceNotFound|model identifier is invalid/i.test(
      text,
    )
  )
    return "model_not_found";
  if (
    status === 400 ||
    status === 413 ||
    status === 422 ||
    /invalid_request|prompt is too long|context length|too many tokens|^Validation error|ValidationException/i.test(
      text,
    )
  )
    return "format";
  if (
    /timed? ?out|timeout|ETIMEDOUT|deadline|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|fetch failed|connection error|socket hang up/i.test(
      text,
    )
  )
    return "timeout";
  // Bedrock's 5xx exceptions as pi-ai words them (its messages carry no status).
  if (/^(Internal server error|Service unavailable|Model stream error|ModelNotReady)/.test(text))
    return "timeout";
  if (status !== undefined && status >= 500) return "timeout"; // transient server trouble: worth the next candidate
  return "unknown";
}

/**
 * Whether the next credential or model should be tried (reference-agent §6.6). A request the
 * provider rejects for its content (`format`) would fail the same way everywhere, so it never
 * rotates nor cools a profile down.
 */
export function rotates(reason: FailureReason): boolean {
  return (
    reason === "auth" ||
    reason === "auth_permanent" ||
    reason === "rate_limit" ||
    reason === "billing" ||
    reason === "timeout" ||
    reason === "model_not_found"
  );
}

/** Whether the failure counts against the credential that was used (cooldown or disable). */
export function blamesCredential(reason: FailureReason): boolean {
  return (
    reason === "auth" ||
    reason === "auth_permanent" ||
    reason === "rate_limit" ||
    reason === "billing" ||
    reason === "timeout"
  );
}
