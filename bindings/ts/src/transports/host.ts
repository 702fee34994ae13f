// A backend in a child process: `eventwire-host --stdio`, spoken to with the stream transport.

import { type ChildProcess, spawn } from "node:child_process";
import { StreamTransport, type StreamTransportOptions } from "./stream.js";

export interface HostOptions extends Pick<StreamTransportOptions, "maxFrameBytes"> {
  /** The host executable. Default `"eventwire-host"`, looked up on `PATH`. */
  readonly command?: string;
  /** Default `["--stdio"]`. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the host's stderr goes. Default `"inherit"`. */
  readonly stderr?: "inherit" | "ignore";
  /** How long `close()` waits for the host to exit before killing it. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
}

/** A stream transport to a host process it started. */
export class HostTransport extends StreamTransport {
  readonly process: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #closeTimeoutMs: number;

  constructor(child: ChildProcess, options: HostOptions = {}) {
    if (child.stdout === null || child.stdin === null) {
      throw new TypeError("the host process needs piped stdin and stdout");
    }
    super(child.stdout, child.stdin, { maxFrameBytes: options.maxFrameBytes, failOnEnd: false });
    this.process = child;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#exited = new Promise((resolve) => {
      child.once("error", (e) => {
        this.fail(`the host could not be started or signalled: ${e.message}`, e);
        resolve();
      });
      // "close" comes after stdout has been read to its end, so every answer sent is delivered.
      child.once("close", (code, signal) => {
        this.fail(`the host exited (${signal === null ? `code ${code}` : `signal ${signal}`})`);
        resolve();
      });
    });
  }

  /** Ends the host's stdin (it answers what is in flight, then exits); kills it if it lingers. */
  override async close(): Promise<void> {
    await super.close();
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.#exited;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.process.kill("SIGKILL");
        resolve();
      }, this.#closeTimeoutMs);
    });
    await Promise.race([this.#exited, deadline]);
    clearTimeout(timer);
    await this.#exited;
  }
}

/** Starts `eventwire-host --stdio` (or `options.command`) and connects to it. */
export function spawnHost(options: HostOptions = {}): HostTransport {
  const child = spawn(options.command ?? "eventwire-host", options.args ?? ["--stdio"], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", options.stderr ?? "inherit"],
  });
  return new HostTransport(child, options);
}
