import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";

/** Cloud Code Assist refused to name or provision a project for the account. */
export class GeminiProjectError extends Error {
  override name = "GeminiProjectError";
}

const REQUEST_TIMEOUT_MS = 15_000;
const FREE_TIER = "free-tier";
const LEGACY_TIER = "legacy-tier";
/** Onboarding is a long-running operation; Gemini CLI polls it every 5 s for up to 2 minutes. */
const POLL_INTERVAL_MS = 5_000;
const POLL_ATTEMPTS = 24;

const ProjectRef = z.union([z.string(), z.looseObject({ id: z.string().optional() })]);
const LoadResponse = z.looseObject({
  currentTier: z.looseObject({ id: z.string().optional() }).nullish(),
  cloudaicompanionProject: ProjectRef.nullish(),
  allowedTiers: z
    .array(z.looseObject({ id: z.string().optional(), isDefault: z.boolean().optional() }))
    .nullish(),
});
const Operation = z.looseObject({
  name: z.string().optional(),
  done: z.boolean().optional(),
  response: z.looseObject({ cloudaicompanionProject: ProjectRef.nullish() }).optional(),
});

const METADATA = { ideType: "IDE_UNSPECIFIED", platform: "PLATFORM_UNSPECIFIED", pluginType: "GEMINI" };

function projectIdOf(ref: z.infer<typeof ProjectRef> | null | undefined): string | undefined {
  if (typeof ref === "string") return ref || undefined;
  return ref?.id || undefined;
}

async function callCodeAssist(
  url: string,
  access: string,
  body: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${access}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new GeminiProjectError(`${new URL(url).pathname} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  return JSON.parse(text) as unknown;
}

/**
 * The Google Cloud project Gemini requests are billed to, found the way Gemini CLI finds it:
 * `loadCodeAssist` names it for an onboarded account; otherwise `onboardUser` on the default tier
 * provisions one (the free tier needs no project of the user's). `GOOGLE_CLOUD_PROJECT` (or
 * `GOOGLE_CLOUD_PROJECT_ID`) is sent along and used when the service names none.
 */
export async function discoverGeminiProject(
  codeAssistUrl: string,
  access: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<string> {
  const base = codeAssistUrl.replace(/\/+$/, "");
  const envProject = env.GOOGLE_CLOUD_PROJECT?.trim() || env.GOOGLE_CLOUD_PROJECT_ID?.trim() || undefined;
  const needsProject = new GeminiProjectError(
    "This account requires GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID to be set.",
  );
  const loaded = LoadResponse.parse(
    await callCodeAssist(
      `${base}/v1internal:loadCodeAssist`,
      access,
      {
        ...(envProject ? { cloudaicompanionProject: envProject } : {}),
        metadata: { ...METADATA, ...(envProject ? { duetProject: envProject } : {}) },
      },
      signal,
    ),
  );
  if (loaded.currentTier) {
    const id = projectIdOf(loaded.cloudaicompanionProject) ?? envProject;
    if (!id) throw needsProject;
    return id;
  }
  const tierId = loaded.allowedTiers?.find((t) => t.isDefault)?.id ?? LEGACY_TIER;
  if (tierId !== FREE_TIER && !envProject) throw needsProject;
  let op = Operation.parse(
    await callCodeAssist(
      `${base}/v1internal:onboardUser`,
      access,
      {
        tierId,
        metadata: { ...METADATA, ...(tierId !== FREE_TIER && envProject ? { duetProject: envProject } : {}) },
        ...(tierId !== FREE_TIER && envProject ? { cloudaicompanionProject: envProject } : {}),
      },
      signal,
    ),
  );
  for (let i = 0; !op.done && op.name && i < POLL_ATTEMPTS; i++) {
    await sleep(POLL_INTERVAL_MS, undefined, { signal });
    op = Operation.parse(await callCodeAssist(`${base}/v1internal/${op.name}`, access, undefined, signal));
  }
  const id = projectIdOf(op.response?.cloudaicompanionProject) ?? envProject;
  if (!id) {
    throw new GeminiProjectError(
      "Could not discover or provision a Google Cloud project. Set GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID.",
    );
  }
  return id;
}

/** The signed-in account's email from Google's userinfo endpoint; undefined when it will not say. */
export async function fetchGoogleEmail(
  userinfoUrl: string,
  access: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const res = await fetch(userinfoUrl, {
    headers: { authorization: `Bearer ${access}` },
    signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  if (!res.ok) return undefined; // the profile id falls back to `:default`; the tokens still work
  const body = z.looseObject({ email: z.string().optional() }).safeParse(await res.json());
  return body.success ? body.data.email || undefined : undefined;
}
