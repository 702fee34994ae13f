#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the golden vectors (and, when built, the conformance
suite), so that each fuzzer starts from real protocol bytes instead of from nothing.

Writes fuzz/corpus/<target>/<name> files (ignored by git; run again after the vectors change):

  envelope_decode, dispatch, notification_decode
      every hex value of vectors/**/*.yaml (keys `hex`, `canonical_hex`, `response_hex`,
      `payload_hex`, ...), decoded to bytes.
  stream_serve
      each vector as one frame body, and as the request of a request frame plus a cancel.
  testee_decode
      the framed handshake + case the conformance runner sends for each non-dispatch case
      (`eventwire-conformance --dump`) when that binary exists in target/debug, and the
      vector bytes, each wrapped in one frame.

Needs only Python 3: the vectors write every hex value as one plain line of byte pairs, which
this script checks, failing loudly on anything else rather than seeding garbage.
"""

import hashlib
import pathlib
import re
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
HEX_KEY = re.compile(r"^\s*(?:-\s+)?([a-z_]*hex):\s*(.*?)\s*$")
HEX_VALUE = re.compile(r"^(?:[0-9a-f]{2}(?: [0-9a-f]{2})*)?$")


def vector_bytes():
    seen = {}
    for path in sorted((ROOT / "vectors").rglob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = HEX_KEY.match(line)
            if not m:
                continue
            value = m.group(2)
            if value in ("''", '""'):
                value = ""
            if not HEX_VALUE.match(value):
                sys.exit(f"{path}:{number}: {m.group(1)} is not a line of hex byte pairs: {value!r}")
            data = bytes.fromhex(value)
            seen.setdefault(data, f"{path.stem}-{number}")
    return seen


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:12]
    (directory / f"{name}-{digest}").write_bytes(data)


def frame(body):
    return struct.pack("<I", len(body)) + body


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, body):
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(body)) + body


def request_frame(request_id, request):
    """StreamFrame{request: StreamRequest{id, request}}, framed."""
    inner = varint(1 << 3 | 0) + varint(request_id) + field(2, request)
    return frame(field(1, inner))


def conformance_dumps():
    exe = ROOT / "target" / "debug" / "eventwire-conformance"
    if not exe.exists():
        return None
    listed = subprocess.run([str(exe), "--list"], capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    dumps = {}
    for line in listed.stdout.splitlines():
        # "[binding] required/interpret-response/ok-with-output: test"
        m = re.match(r"^\[(\w+)\] (\S+): test$", line)
        if not m or m.group(1) != "binding":
            continue
        name = m.group(2)
        out = subprocess.run(
            [str(exe), "--dump", name, "--exact", "--output", "/dev/stdout"], capture_output=True
        )
        if out.returncode == 0 and out.stdout:
            dumps[name] = out.stdout
    return dumps


def main():
    vectors = vector_bytes()
    for data, name in vectors.items():
        for target in ("envelope_decode", "dispatch", "notification_decode"):
            write(target, name, data)
    dumps = conformance_dumps()
    for name, data in (dumps or {}).items():
        write("testee_decode", name.replace("/", "-"), data)
    for data, name in vectors.items():
        write("testee_decode", name, frame(data))
        # As the stream host's input: the bytes as one frame body, and as the request of a
        # request frame followed by a cancel of it.
        write("stream_serve", name, frame(data))
        cancel = frame(field(4, varint(1 << 3 | 0) + varint(1)))
        write("stream_serve", name + "-request", request_frame(1, data) + cancel)
    print(f"{len(vectors)} distinct vector byte strings; testee_decode: "
          f"{len(dumps or {})} conformance cases + {len(vectors)} framed vectors -> {CORPUS}")


if __name__ == "__main__":
    main()
