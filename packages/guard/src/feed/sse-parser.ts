/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** `message` when the stream gave no `event:` field. */
  readonly event: string;
  readonly data: string;
  /** The last event id seen on the stream so far (spec: it persists across events). */
  readonly id: string;
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML §9.2.6). Feed it decoded text in
 * chunks of any size; it handles CRLF/CR/LF line ends split across chunks, comments, multi-line
 * data and the `id`/`event` fields. `retry` is reported through `onRetry` and otherwise ignored.
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #onRetry: ((ms: number) => void) | undefined;
  #buffer = '';
  #skipLeadingLf = false;
  #started = false;
  #event = '';
  #data: string[] = [];
  #lastEventId = '';

  constructor(onEvent: (event: SseEvent) => void, onRetry?: (ms: number) => void) {
    this.#onEvent = onEvent;
    this.#onRetry = onRetry;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  push(chunk: string): void {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLeadingLf && text.length > 0) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(0) === 0x0a) text = text.slice(1);
    }
    this.#buffer += text;
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.#line(this.#buffer.slice(start, i));
      if (c === 0x0d) {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          // A CR at the very end may be the first half of a CRLF split across chunks.
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  /** Drops a partial event, as the spec requires when the connection ends. */
  reset(): void {
    this.#buffer = '';
    this.#skipLeadingLf = false;
    this.#started = false;
    this.#event = '';
    this.#data = [];
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // `:` comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    const event = this.#event;
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return;
    this.#onEvent({ event: event === '' ? 'message' : event, data: data.join('\n'), id: this.#lastEventId });
  }
}
