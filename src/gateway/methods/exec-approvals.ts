import { createHash } from "node:crypto";
import { z } from "zod";
import { writeFileAtomic } from "../../infra/atomic-file.ts";
import { GatewayError } from "../../infra/errors.ts";
import { readTextIfExists } from "../../infra/json-file.ts";
import { withLockFile } from "../../infra/lock-file.ts";
import { APPROVAL_DECISIONS } from "../../tools/exec-approvals/approval-broker.ts";
import {
  ExecApprovalsFile,
  execApprovalsPath,
  readExecApprovals,
} from "../../tools/exec-approvals/approvals-file.ts";
import { defineMethod } from "../method-registry.ts";

// Exec approvals over the protocol (reference-gateway §2 "Approvals"; 2026.2.26 param shapes).

/** `exec.approval.resolve {id, decision}`: the same decision as `/approve` in chat. */
export const execApprovalResolve = defineMethod({
  name: "exec.approval.resolve",
  scope: "operator.approvals",
  params: z.object({ id: z.string().min(1), decision: z.enum(APPROVAL_DECISIONS) }),
  async handle(p, ctx) {
    const out = await ctx.services.exec.approvals.resolve(p.id, p.decision, {
      resolvedBy: `client:${ctx.caller.clientId}`,
    });
    if (!out.ok) throw new GatewayError("INVALID_REQUEST", `unknown or expired approval id: ${p.id}`);
    return {
      ok: true,
      id: p.id,
      decision: out.decision,
      ...(out.sessionId ? { sessionId: out.sessionId } : {}),
    };
  },
});

function snapshotHash(text: string | undefined): string {
  return createHash("sha256")
    .update(text ?? "")
    .digest("hex");
}

/** `exec.approvals.get` → `{path, exists, hash, file}` (admin: the `exec.approvals.` prefix). */
export const execApprovalsGet = defineMethod({
  name: "exec.approvals.get",
  scope: "operator.admin",
  params: z.object({}),
  async handle(_p, ctx) {
    const file = execApprovalsPath(ctx.services.paths.stateDir);
    const text = await readTextIfExists(file);
    return {
      path: file,
      exists: text !== undefined,
      hash: snapshotHash(text),
      file: await readExecApprovals(file),
    };
  },
});

/** `exec.approvals.set {file, baseHash?}`: replaces the file; a stale `baseHash` is refused. */
export const execApprovalsSet = defineMethod({
  name: "exec.approvals.set",
  scope: "operator.admin",
  params: z.object({ file: ExecApprovalsFile, baseHash: z.string().optional() }),
  async handle(p, ctx) {
    const file = execApprovalsPath(ctx.services.paths.stateDir);
    const text = `${JSON.stringify(p.file, null, 2)}\n`;
    // Compared and written under the file's lock, so a concurrent "allow always" is never lost.
    await withLockFile(file, async () => {
      if (p.baseHash !== undefined && p.baseHash !== snapshotHash(await readTextIfExists(file)))
        throw new GatewayError(
          "INVALID_REQUEST",
          "exec approvals changed since they were read; get them again",
        );
      await writeFileAtomic(file, text);
    });
    return { path: file, exists: true, hash: snapshotHash(text), file: p.file };
  },
});
