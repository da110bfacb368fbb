/**
 * The time prefix OpenClaw puts on inbound user text, e.g. `[Wed 2026-11-25 09:11 UTC] `,
 * in the user's time zone (agents.defaults.userTimezone, else the host's).
 */
export function envelopeText(text: string, at: Date, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  return `[${get("weekday")} ${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("timeZoneName")}] ${text}`;
}

/** Building an Intl formatter costs ~0.3 ms; a process sees one or two zones, so keep them. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

let hostZone: string | undefined;

export function hostTimeZone(): string {
  hostZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return hostZone;
}
