// The runtime handshake (SPEC.md section 16.5): the fingerprints of a front end's schema, computed
// from the generated descriptors and event tables, and what the front end concludes from the
// backend's answer.
//
// A fingerprint is the SHA-256 of a canonical text form of an event (or notification, or module)
// and every message and enum its types reach. This is an implementation of its own, from the
// SPEC's text: the conformance suite checks that it announces the same bytes as the Rust runtime.

import { create, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import type { EventDesc, NotificationDesc } from "./descriptors.js";
import {
  type EventFingerprint,
  type ModuleFingerprint,
  type StreamHandshake,
  StreamHandshakeSchema,
} from "./gen/eventwire/v1/stream_pb.js";

/** The protocol version this runtime speaks. */
export const PROTOCOL_VERSION = 1;

const MAGIC = "eventwire-fingerprint-v1\n";

/** One module of a schema, as generated code lists it. */
export interface HandshakeModule {
  readonly name: string;
  readonly events: readonly EventDesc[];
  readonly notifications: readonly NotificationDesc[];
}

/** Lower-case hex, as canonical forms and diagnostics write fingerprints. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
}

function labelOf(field: DescField): number {
  if (field.fieldKind === "list" || field.fieldKind === "map") return 3;
  return field.proto.label === 2 ? 2 : 1;
}

function fieldLine(
  number: number,
  name: string,
  jsonName: string,
  label: number,
  type: number,
  typeName: string,
  oneof: string,
  proto3Optional: boolean,
): string {
  return `field ${number} ${name} ${jsonName} ${label} ${type} ${typeName === "" ? "-" : typeName} ${oneof} ${proto3Optional ? 1 : 0}\n`;
}

/** The type section of SPEC.md section 16.5: every message and enum reachable from `roots`. */
function typeSection(roots: readonly DescMessage[]): string {
  const lines = new Map<string, string>();
  const visitEnum = (e: DescEnum): void => {
    if (lines.has(e.typeName)) return;
    const values = [...e.values].sort(
      (a, b) => a.number - b.number || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    lines.set(
      e.typeName,
      `enum ${e.typeName}\n` + values.map((v) => `value ${v.number} ${v.name}\n`).join(""),
    );
  };
  const visit = (m: DescMessage): void => {
    if (lines.has(m.typeName)) return;
    lines.set(m.typeName, "");
    let text = `message ${m.typeName} 0\n`;
    for (const f of [...m.fields].sort((a, b) => a.number - b.number)) {
      const typeName = f.proto.typeName.replace(/^\./, "");
      text += fieldLine(
        f.number,
        f.name,
        f.jsonName,
        labelOf(f),
        f.proto.type,
        typeName,
        f.oneof?.name ?? "-",
        f.proto.proto3Optional,
      );
      if (f.fieldKind === "map") {
        // The map entry message: `key = 1`, `value = 2`, from the parent's nested declarations.
        const entryName = typeName.slice(typeName.lastIndexOf(".") + 1);
        const entry = m.proto.nestedType.find((n) => n.name === entryName);
        let entryText = `message ${typeName} 1\n`;
        for (const ef of [...(entry?.field ?? [])].sort((a, b) => a.number - b.number)) {
          entryText += fieldLine(
            ef.number,
            ef.name,
            ef.name,
            1,
            ef.type,
            ef.typeName.replace(/^\./, ""),
            "-",
            false,
          );
        }
        lines.set(typeName, entryText);
        if (f.mapKind === "message") visit(f.message);
        if (f.mapKind === "enum") visitEnum(f.enum);
      } else if (f.message !== undefined) {
        visit(f.message);
      } else if (f.enum !== undefined) {
        visitEnum(f.enum);
      }
    }
    lines.set(m.typeName, text);
  };
  roots.forEach(visit);
  return [...lines.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => lines.get(k))
    .join("");
}

/** The canonical form of one event (SPEC.md section 16.5). */
export function canonicalEvent(event: EventDesc): string {
  const errors =
    event.errors === "any"
      ? " any"
      : [...new Set(event.errors)]
          .sort((a, b) => a - b)
          .map((c) => ` ${c}`)
          .join("");
  const roots = [event.input, event.output].filter((d): d is DescMessage => d !== undefined);
  return (
    MAGIC +
    `event ${event.module} ${event.name} ${event.id}\n` +
    `input ${event.input?.typeName ?? "-"}\n` +
    `output ${event.output?.typeName ?? "-"}\n` +
    `errors${errors}\n` +
    typeSection(roots)
  );
}

/** The canonical form of one notification kind of `module`. */
export function canonicalNotification(module: string, n: NotificationDesc): string {
  return (
    MAGIC +
    `notification ${module} ${n.name} ${n.source} ${n.ty}\n` +
    `payload ${n.payload.typeName}\n` +
    typeSection([n.payload])
  );
}

/** The fingerprints of one module. */
export async function moduleFingerprint(module: HandshakeModule): Promise<ModuleFingerprint> {
  const events = [...module.events].sort((a, b) => a.id - b.id);
  const eventFps = await Promise.all(
    events.map(async (e) => ({
      name: e.name,
      id: e.id,
      fingerprint: await sha256(canonicalEvent(e)),
    })),
  );
  const notifications = [...module.notifications].sort((a, b) =>
    a.source < b.source ? -1 : a.source > b.source ? 1 : a.ty - b.ty,
  );
  let text = MAGIC + `module ${module.name}\n`;
  for (const e of eventFps) text += `event ${e.id} ${e.name} ${hex(e.fingerprint)}\n`;
  for (const n of notifications)
    text += `notification ${n.source} ${n.ty} ${n.name} ${hex(await sha256(canonicalNotification(module.name, n)))}\n`;
  return {
    $typeName: "eventwire.v1.ModuleFingerprint",
    name: module.name,
    fingerprint: await sha256(text),
    events: eventFps.map((e) => ({ $typeName: "eventwire.v1.EventFingerprint", ...e })),
  };
}

/** The handshake a front end built from `modules` announces: version 1, modules by name. */
export async function schemaHandshake(
  modules: readonly HandshakeModule[],
): Promise<StreamHandshake> {
  const fps = await Promise.all(modules.map(moduleFingerprint));
  fps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return create(StreamHandshakeSchema, { protocolVersion: PROTOCOL_VERSION, modules: fps });
}

/** The first difference found (SPEC.md REQ-VER-15). */
export interface Incompatibility {
  readonly frontEndVersion: number;
  readonly backendVersion: number;
  /** The first differing event; undefined when the versions differ. */
  readonly event?: string;
  readonly module?: string;
  readonly frontEndModuleFingerprint?: Uint8Array;
  /** Empty when the backend has no module of that name. */
  readonly backendModuleFingerprint?: Uint8Array;
  readonly frontEndEventFingerprint?: Uint8Array;
  readonly backendEventFingerprint?: Uint8Array;
  /** The diagnostic to show (REQ-VER-18). */
  readonly message: string;
}

/** What the front end concludes from the backend's answer (SPEC.md section 16.5). */
export type HandshakeOutcome =
  | { readonly kind: "identical" }
  | { readonly kind: "compatible"; readonly missing: readonly string[] }
  | ({ readonly kind: "incompatible" } & Incompatibility)
  | { readonly kind: "no-handshake" };

const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Compares the front end's handshake with the backend's answer. */
export function compareHandshakes(
  frontEnd: StreamHandshake,
  backend: StreamHandshake,
): HandshakeOutcome {
  if (frontEnd.protocolVersion !== backend.protocolVersion) {
    return {
      kind: "incompatible",
      frontEndVersion: frontEnd.protocolVersion,
      backendVersion: backend.protocolVersion,
      message: `the backend speaks protocol version ${backend.protocolVersion}, this front end version ${frontEnd.protocolVersion}`,
    };
  }
  const theirs = new Map<string, EventFingerprint>();
  for (const m of backend.modules)
    for (const e of m.events) if (!theirs.has(e.name)) theirs.set(e.name, e);
  const missing: string[] = [];
  const modules = [...frontEnd.modules].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const m of modules) {
    for (const e of [...m.events].sort((a, b) => a.id - b.id)) {
      const t = theirs.get(e.name);
      if (t === undefined) {
        missing.push(e.name);
        continue;
      }
      if (t.id !== e.id || !equal(t.fingerprint, e.fingerprint)) {
        const backendModule =
          backend.modules.find((b) => b.name === m.name)?.fingerprint ?? new Uint8Array();
        return {
          kind: "incompatible",
          frontEndVersion: frontEnd.protocolVersion,
          backendVersion: backend.protocolVersion,
          event: e.name,
          module: m.name,
          frontEndModuleFingerprint: m.fingerprint,
          backendModuleFingerprint: backendModule,
          frontEndEventFingerprint: e.fingerprint,
          backendEventFingerprint: t.fingerprint,
          message:
            `event \`${e.name}\` differs between the front end and the backend: front end module \`${m.name}\` ${hex(m.fingerprint)}, event id ${e.id} ${hex(e.fingerprint)}; ` +
            `backend module \`${m.name}\` ${backendModule.length === 0 ? "absent" : hex(backendModule)}, event id ${t.id} ${hex(t.fingerprint)}`,
        };
      }
    }
  }
  const same =
    frontEnd.modules.length === backend.modules.length &&
    frontEnd.modules.every((f) =>
      backend.modules.some((b) => b.name === f.name && equal(b.fingerprint, f.fingerprint)),
    );
  return missing.length === 0 && same ? { kind: "identical" } : { kind: "compatible", missing };
}
