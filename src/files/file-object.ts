/** OpenAI's file object, plus `url` (a read-only pre-authenticated URL) on upload. */
export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: "processed";
  status_details: null;
  expires_at: null;
  url?: string;
}

export function fileObject(id: string, bytes: number, created: number, filename: string, purpose: string): FileObject {
  return {
    id,
    object: "file",
    bytes,
    created_at: created,
    filename,
    purpose,
    status: "processed",
    status_details: null,
    expires_at: null,
  };
}
