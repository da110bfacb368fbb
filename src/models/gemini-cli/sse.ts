/**
 * The `data` of each event in a `text/event-stream` body (WHATWG HTML §9.2.6): `data:` lines
 * accumulate, joined by "\n", and a blank line dispatches them; comments (`:`) and other fields
 * are skipped; lines end in CRLF, LF or CR. An event cut off by the end of the body is dispatched
 * too, as Gemini CLI's reader does. Ends when the body ends; throws what the body throws
 * (an abort, a reset connection).
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  // A CR at the end of a chunk may be the first half of a CRLF split across chunks.
  let pendingCr = false;
  const line = (text: string): string | undefined => {
    if (text === "") {
      const event = data.length > 0 ? data.join("\n") : undefined;
      data = [];
      return event;
    }
    if (text.startsWith("data:")) data.push(text.slice(text[5] === " " ? 6 : 5));
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (pendingCr && buffer.startsWith("\n")) buffer = buffer.slice(1);
    pendingCr = false;
    for (let end = buffer.search(/\r\n|\r|\n/); end !== -1; end = buffer.search(/\r\n|\r|\n/)) {
      const text = buffer.slice(0, end);
      const crlf = buffer.startsWith("\r\n", end);
      if (buffer[end] === "\r" && end === buffer.length - 1) pendingCr = true;
      buffer = buffer.slice(end + (crlf ? 2 : 1));
      const event = line(text);
      if (event !== undefined) yield event;
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") line(buffer);
  const last = line("");
  if (last !== undefined) yield last;
}
