// Splits a TCP/TLS byte stream into syslog frames (RFC 6587). Each frame decides its own framing: one that
// starts with a digit is octet-counted (`LEN SP MSG`), anything else (normally `<PRI>`) ends at LF, with an
// optional CR before it. A frame longer than the limit is cut at the limit and flagged, and the rest of it
// is skipped, so one runaway sender cannot exhaust memory or stall the connection. A whole frame's bytes are
// a view of the received data, not a copy: the collector copies them into its batch within milliseconds.

export interface Frame {
  bytes: Buffer;
  /** The frame was longer than the limit; `bytes` holds its first `maxFrameBytes` bytes. */
  truncated: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const MAX_LENGTH_DIGITS = 10;

type State =
  | { mode: 'start' }
  | { mode: 'line'; skipping: boolean }
  | { mode: 'counted'; remaining: number; skipping: boolean };

// States without counters are shared rather than made anew for every frame (they are never changed).
const START: State = { mode: 'start' };
const LINE: State = { mode: 'line', skipping: false };

export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private state: State = START;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Frame) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.step()) {
      /* each step consumes a frame or part of one */
    }
  }

  /** The connection closed: whatever is left is the last frame (a sender may omit the final LF). */
  end(): void {
    if (this.state.mode === 'counted' && this.state.skipping) return;
    if (this.state.mode === 'line' && this.state.skipping) return;
    const rest = stripCr(this.buffer);
    if (rest.length > 0) this.emit(rest);
    this.buffer = Buffer.alloc(0);
    this.state = START;
  }

  private step(): boolean {
    const buf = this.buffer;
    if (buf.length === 0) return false;
    switch (this.state.mode) {
      case 'start': {
        // Blank lines between frames are noise, not frames.
        if (buf[0] === LF || buf[0] === CR) {
          this.buffer = buf.subarray(1);
          return true;
        }
        const first = buf[0] ?? 0;
        if (first >= 0x30 && first <= 0x39) {
          const space = buf.indexOf(SP);
          if (space === -1) {
            if (buf.length <= MAX_LENGTH_DIGITS && isDigits(buf)) return false; // the length is still arriving
            this.state = LINE;
            return true;
          }
          const digits = buf.subarray(0, space);
          if (digits.length <= MAX_LENGTH_DIGITS && isDigits(digits)) {
            const length = Number(digits.toString('latin1'));
            this.buffer = buf.subarray(space + 1);
            this.state = { mode: 'counted', remaining: length, skipping: false };
            return true;
          }
        }
        this.state = LINE;
        return true;
      }
      case 'line': {
        const lf = buf.indexOf(LF);
        if (this.state.skipping) {
          if (lf === -1) {
            this.buffer = Buffer.alloc(0);
            return false;
          }
          this.buffer = buf.subarray(lf + 1);
          this.state = START;
          return true;
        }
        if (lf === -1) {
          if (buf.length > this.maxFrameBytes) {
            this.emit(Buffer.from(buf.subarray(0, this.maxFrameBytes)), true);
            this.buffer = Buffer.alloc(0);
            this.state = { mode: 'line', skipping: true };
          }
          return false;
        }
        const line = stripCr(buf.subarray(0, lf));
        if (line.length > this.maxFrameBytes)
          this.emit(Buffer.from(line.subarray(0, this.maxFrameBytes)), true);
        else this.emit(line);
        this.buffer = buf.subarray(lf + 1);
        this.state = START;
        return true;
      }
      case 'counted': {
        const { remaining, skipping } = this.state;
        if (skipping) {
          const take = Math.min(remaining, buf.length);
          this.buffer = buf.subarray(take);
          this.state =
            remaining === take ? START : { mode: 'counted', remaining: remaining - take, skipping };
          return this.state.mode === 'start';
        }
        if (remaining > this.maxFrameBytes) {
          if (buf.length < this.maxFrameBytes) return false;
          this.emit(Buffer.from(buf.subarray(0, this.maxFrameBytes)), true);
          this.buffer = buf.subarray(this.maxFrameBytes);
          this.state = { mode: 'counted', remaining: remaining - this.maxFrameBytes, skipping: true };
          return true;
        }
        if (buf.length < remaining) return false;
        this.emit(stripTrailingLf(buf.subarray(0, remaining)));
        this.buffer = buf.subarray(remaining);
        this.state = START;
        return true;
      }
    }
  }

  private emit(bytes: Buffer, truncated = false): void {
    this.onFrame({ bytes, truncated });
  }
}

function isDigits(b: Uint8Array): boolean {
  for (const c of b) if (c < 0x30 || c > 0x39) return false;
  return b.length > 0;
}

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b;
}

/** Some senders end an octet-counted message with LF too; the record is the message without it. */
function stripTrailingLf(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === LF || b[end - 1] === CR)) end--;
  return b.subarray(0, end);
}
