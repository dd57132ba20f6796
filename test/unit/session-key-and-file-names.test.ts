/** Names built from what clients send: conversation store keys and uploaded files' names. */
import { describe, expect, test } from "bun:test";
import { storeKey } from "../../src/agents/session-key";
import { cleanFilename, objectNameFor } from "../../src/files/object-name";

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

  test("a lone surrogate sent as such becomes U+FFFD; paths, dots and control characters go", () => {
    expect(cleanFilename("bad\ud800name.txt")).toBe("bad\ufffdname.txt");
    expect(cleanFilename("../../etc/pass\u0000wd")).toBe("passwd");
    expect(cleanFilename("...")).toBe("file");
  });
});
