/**
 * Uploaded files and inline media before translation (src/chat/materialize-images.ts): a file part
 * becomes inline data by its stored type (images stay image parts), audio and documents count
 * against the same budget as images, and what OCI cannot read is refused by its place.
 */
import { describe, expect, test } from "bun:test";
import { type ImageSources, materializeImages } from "../../src/chat/materialize-images";
import type { ChatRequest } from "../../src/chat/types";
import { ApiError } from "../../src/errors/api-error";
import type { FilesService } from "../../src/files/files-service";

const STORED: Record<string, { bytes: Uint8Array; contentType: string }> = {
  "file-pdf": { bytes: new TextEncoder().encode("%PDF-1.7"), contentType: "application/pdf" },
  "file-txt": { bytes: new TextEncoder().encode("hello"), contentType: "text/plain; charset=utf-8" },
  "file-png": { bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), contentType: "image/png" },
  "file-zip": { bytes: new Uint8Array([0x50, 0x4b, 3, 4]), contentType: "application/zip" },
};

function sources(over: Partial<ImageSources> = {}): ImageSources & { reads: string[] } {
  const reads: string[] = [];
  const files = {
    bytes: async (_scope: unknown, id: string) => {
      reads.push(id);
      const stored = STORED[id];
      // As the files service answers an id it does not have: naming its own field.
      if (!stored)
        throw new ApiError(404, `No such file: '${id}'`, {
          type: "invalid_request_error",
          param: "file_id",
          code: "file_not_found",
        });
      return stored;
    },
  } as unknown as FilesService;
  return {
    files,
    region: "us-chicago-1",
    owner: "local",
    allowPrivateImageHosts: new Set(),
    maxImages: 20,
    maxImageBytes: 1024 * 1024,
    reads,
    ...over,
  };
}
const opts = () => ({ signal: new AbortController().signal, requestId: "r" });
const user = (...content: unknown[]): ChatRequest => ({ messages: [{ role: "user", content }] }) as ChatRequest;
const b64 = (s: string) => Buffer.from(s).toString("base64");

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

/** The error materializing a user message of these parts answers, with the usual sources. */
const refused = (...content: unknown[]) => failure(materializeImages(user(...content), sources(), opts()));

describe("uploaded files by their stored type", () => {
  test("a PDF and a text file become inline file data (parameters dropped); an image stays an image part", async () => {
    const src = sources();
    const out = await materializeImages(
      user(
        { type: "file", file: { file_id: "file-pdf", filename: "r.pdf" } },
        { type: "file", file: { file_id: "file-txt" } },
        { type: "file", file: { file_id: "file-png" } },
        { type: "image_url", image_url: { url: "file-png", detail: "low" } },
      ),
      src,
      opts(),
    );
    expect(out.messages[0]!.content).toEqual([
      { type: "file", file: { file_data: `data:application/pdf;base64,${b64("%PDF-1.7")}`, filename: "r.pdf" } },
      { type: "file", file: { file_data: `data:text/plain;base64,${b64("hello")}` } },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw==" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw==", detail: "low" } },
    ]);
    expect(src.reads.sort()).toEqual(["file-pdf", "file-png", "file-txt"]);
  });

  test("a file OCI cannot read → 400 naming the part; a PDF named as an image_url → 400 naming the url", async () => {
    const zip = await refused({ type: "text", text: "x" }, { type: "file", file: { file_id: "file-zip" } });
    expect(zip.param).toBe("messages[0].content[1]");
    expect(zip.code).toBe("unsupported_file_type");
    const asImage = await refused({ type: "image_url", image_url: { url: "file-pdf" } });
    expect(asImage.param).toBe("messages[0].content[0].image_url.url");
    expect(asImage.message).toContain("application/pdf");
  });

  test("an unknown file id → 404 file_not_found naming where the id stands, not the files service's field", async () => {
    const image = await refused({ type: "image_url", image_url: { url: "file-nope" } });
    expect([image.status, image.code, image.param]).toEqual([
      404,
      "file_not_found",
      "messages[0].content[0].image_url.url",
    ]);
    const file = await refused({ type: "text", text: "x" }, { type: "file", file: { file_id: "file-nope" } });
    expect(file.param).toBe("messages[0].content[1].file.file_id");
  });
});

describe("inline media", () => {
  test("inline file data and input_audio pass untouched, without any read", async () => {
    const src = sources();
    const req = user(
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
    );
    expect(await materializeImages(req, src, opts())).toBe(req);
    expect(src.reads).toEqual([]);
  });

  test("file data that is not a base64 data URL → 400 naming file_data", async () => {
    const e = await failure(
      materializeImages(user({ type: "file", file: { file_data: "JVBERi0=" } }), sources(), opts()),
    );
    expect(e.param).toBe("messages[0].content[0].file.file_data");
  });

  test("audio and documents count against the media budget: parts and decoded bytes", async () => {
    const three = user(
      { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
      { type: "file", file: { file_data: "data:application/pdf;base64,AAAA" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    );
    expect((await failure(materializeImages(three, sources({ maxImages: 2 }), opts()))).code).toBe("too_many_images");
    const big = user({ type: "input_audio", input_audio: { data: "A".repeat(4000), format: "mp3" } });
    const e = await failure(materializeImages(big, sources({ maxImageBytes: 2000 }), opts()));
    expect(e.status).toBe(413);
    expect(e.code).toBe("images_too_large");
  });
});
