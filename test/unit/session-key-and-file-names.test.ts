/** Names built from what clients send: conversation store keys and uploaded files' names. */
import { describe, expect, test } from "bun:test";
import { storeKey } from "../../src/agents/session-key";
import { cleanFilename, objectNameFor } from "../../src/files/object-name";
import { sniffType } from "../../src/files/sniff-type";

describe("storeKey", () => {
  test("a ':' in the channel cannot make two conversations one", () => {
    expect(storeKey("o", "e", "a:b", "c")).not.toBe(storeKey("o", "e", "a", "b:c"));
    expect(storeKey("o", "e", "a%3Ab", "c")).not.toBe(storeKey("o", "e", "a:b", "c"));
  });

  test("a channel without ':' or '%' is written as before, so existing conversations keep their sessions", () => {
    expect(storeKey("owner", "ocid1.genaiagentendpoint.oc1..e", "web", "user:42")).toBe(
      "owner|ocid1.genaiagentendpoint.oc1..e|web:user:42",
    );
  });
});

describe("cleanFilename", () => {
  test("200 characters counted whole: an emoji at the cut is kept or dropped, never halved", () => {
    const name = cleanFilename(`${"a".repeat(199)}😀.txt`);
    expect(name).toBe(`${"a".repeat(199)}😀`);
    expect(() => encodeURIComponent(name)).not.toThrow();
    expect(() => encodeURIComponent(objectNameFor("p/", "owner", "assistants", `${"b".repeat(199)}😀x`))).not.toThrow();
  });

  test("at most 255 UTF-8 bytes, between whole characters: the object name stays within OCI's bound", () => {
    const name = cleanFilename("é".repeat(199));
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toBe("é".repeat(127));
    expect(Buffer.byteLength(cleanFilename("😀".repeat(100)))).toBe(252);
  });

  test("a lone surrogate sent as such becomes U+FFFD; paths, dots and control characters go", () => {
    expect(cleanFilename("bad\ud800name.txt")).toBe("bad\ufffdname.txt");
    expect(cleanFilename("../../etc/pass\u0000wd")).toBe("passwd");
    expect(cleanFilename("...")).toBe("file");
  });
});

describe("sniffType", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
  test.each([
    ["a PDF", bytes("%PDF-1.7\n"), { type: "application/pdf", strong: true }],
    ["a PNG", bytes([0x89], "PNG\r\n\x1a\n", [0, 0]), { type: "image/png", strong: true }],
    ["a JPEG", bytes([0xff, 0xd8, 0xff, 0xe0]), { type: "image/jpeg", strong: true }],
    ["a WebP", bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), { type: "image/webp", strong: true }],
    ["a HEIC photo (not a video)", bytes([0, 0, 0, 24], "ftypheic"), { type: "image/heic", strong: true }],
    ["an AVIF image", bytes([0, 0, 0, 24], "ftypavif"), { type: "image/avif", strong: true }],
    ["an MP4 video", bytes([0, 0, 0, 24], "ftypisom"), { type: "video/mp4", strong: true }],
    ["an MP3 with an ID3 tag (weak)", bytes("ID3", [4, 0, 0]), { type: "audio/mpeg", strong: false }],
  ])("%s", (_what, b, expected) => {
    expect(sniffType(b)).toEqual(expected);
  });

  test("text is not media: a UTF-16 byte-order mark, a CSV that starts 'ID3,', an unknown ISO brand", () => {
    expect(sniffType(bytes([0xff, 0xfe], "h\0i\0"))).toBeUndefined();
    expect(sniffType(bytes("ID3,name,value\n"))).toBeUndefined();
    expect(sniffType(bytes([0, 0, 0, 24], "ftypxxxx"))).toBeUndefined();
    expect(sniffType(bytes("hello"))).toBeUndefined();
  });
});
