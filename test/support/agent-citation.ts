/** A citation as OCI's agent runtime sends it (OCI-WIRE §5.2): page 3 of a document in Object Storage. */
export const agentCitation = (sourceText: string, title: string, file: string) => ({
  sourceText,
  title,
  docId: "doc-1",
  pageNumbers: [3],
  sourceLocation: { sourceLocationType: "OCI_OBJECT_STORAGE", url: `https://objectstorage.example/${file}` },
});
