import type { MethodDef } from "../method-registry.ts";
import { agent, agentWait } from "./agent.ts";
import { channelsStatus } from "./channels.ts";
import { chatAbort, chatHistory, chatSend } from "./chat.ts";
import { configApply, configGet, configPatch, configSchema, configSet } from "./config.ts";
import {
  devicePairApprove,
  devicePairList,
  devicePairReject,
  devicePairRemove,
  deviceTokenRevoke,
  deviceTokenRotate,
} from "./devices.ts";
import { execApprovalResolve, execApprovalsGet, execApprovalsSet } from "./exec-approvals.ts";
import { health, status } from "./health.ts";
import { logsTail } from "./logs.ts";
import { modelsList } from "./models.ts";
import {
  nodeDescribe,
  nodeEvent,
  nodeInvoke,
  nodeInvokeResult,
  nodeList,
  nodePairApprove,
  nodePairList,
  nodePairReject,
  nodeRename,
} from "./nodes.ts";
import { createSendMethod } from "./send.ts";
import {
  sessionsCompact,
  sessionsDelete,
  sessionsList,
  sessionsPatch,
  sessionsPreview,
  sessionsReset,
} from "./sessions.ts";

/** Every method this gateway serves; hello-ok advertises exactly these. */
export function allMethods(): MethodDef[] {
  return [
    health,
    status,
    configGet,
    configSet,
    configPatch,
    configApply,
    configSchema,
    chatSend,
    chatHistory,
    chatAbort,
    agent,
    agentWait,
    sessionsList,
    sessionsReset,
    sessionsDelete,
    sessionsPreview,
    sessionsPatch,
    sessionsCompact,
    modelsList,
    logsTail,
    execApprovalResolve,
    execApprovalsGet,
    execApprovalsSet,
    channelsStatus,
    createSendMethod(),
    devicePairList,
    devicePairApprove,
    devicePairReject,
    devicePairRemove,
    deviceTokenRotate,
    deviceTokenRevoke,
    nodeList,
    nodeDescribe,
    nodeInvoke,
    nodeInvokeResult,
    nodeEvent,
    nodePairList,
    nodePairApprove,
    nodePairReject,
    nodeRename,
  ] as MethodDef[];
}
