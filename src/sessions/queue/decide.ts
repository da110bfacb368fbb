import { assertNever } from "../../infra/errors.ts";
import type { QueueMode } from "./settings.ts";

/** What to do with a message for a session (reference-agent §3.7). */
export type ArrivalDecision =
  | { type: "run" } // the session is idle: start now
  | { type: "steer"; backlog: boolean } // hand it to the active run; with backlog, also queue it
  | { type: "enqueue" } // wait for a followup turn
  | { type: "interrupt" }; // abort the active run, then run this one

export interface SessionView {
  /** A turn is running or waiting in the session's lane, or followups are waiting. */
  busy: boolean;
  /** The active turn is in its model ⇄ tools loop and can take a steering message. */
  steerable: boolean;
}

/** Pure. Steering falls back to a followup when the active run cannot take it. */
export function decideArrival(mode: QueueMode, session: SessionView): ArrivalDecision {
  if (!session.busy) return { type: "run" };
  switch (mode) {
    case "steer":
    case "steer-backlog":
      return session.steerable ? { type: "steer", backlog: mode === "steer-backlog" } : { type: "enqueue" };
    case "followup":
    case "collect":
      return { type: "enqueue" };
    case "interrupt":
      return { type: "interrupt" };
    default:
      return assertNever(mode);
  }
}
