import { z } from "zod";
import { writeFileAtomic } from "../../infra/atomic-file.ts";
import { readJsonIfExists } from "../../infra/json-file.ts";
import { withLockFile } from "../../infra/lock-file.ts";
import { allowFromFile, DEFAULT_ACCOUNT_ID, legacyAllowFromFile } from "./credential-files.ts";

/** `{ "version": 1, "allowFrom": ["123"] }` (reference-agent §4.3). */
const AllowFromFileSchema = z.object({
  version: z.literal(1),
  allowFrom: z.array(z.union([z.string(), z.number()]).transform(String)),
});

async function readList(file: string): Promise<string[]> {
  const raw = await readJsonIfExists(file);
  if (raw === undefined) return [];
  const parsed = AllowFromFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not an allowFrom store: ${parsed.error.issues[0]?.message}`);
  return parsed.data.allowFrom;
}

/**
 * The approved senders of one account: its scoped file, and for the default account the legacy
 * unscoped file merged after it (scoped entries first, deduplicated). A corrupt file throws.
 */
export async function readAllowStore(
  stateDir: string,
  channel: string,
  accountId: string,
): Promise<string[]> {
  const scoped = await readList(allowFromFile(stateDir, channel, accountId));
  if (accountId !== DEFAULT_ACCOUNT_ID) return scoped;
  const legacy = await readList(legacyAllowFromFile(stateDir, channel));
  return [...new Set([...scoped, ...legacy])];
}

/** Adds `id` to the account's scoped store (atomic, 0600, under the file lock). */
export async function addToAllowStore(
  stateDir: string,
  channel: string,
  accountId: string,
  id: string,
): Promise<void> {
  const file = allowFromFile(stateDir, channel, accountId);
  await withLockFile(file, async () => {
    const list = await readList(file);
    if (list.includes(id)) return;
    await writeFileAtomic(file, `${JSON.stringify({ version: 1, allowFrom: [...list, id] }, null, 2)}\n`);
  });
}
