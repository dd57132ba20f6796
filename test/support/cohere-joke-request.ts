/** A COHERE chat request as OCI receives it: the current message after one exchange, and a preamble. */
export const COHERE_JOKE_REQUEST = {
  apiFormat: "COHERE",
  message: "Tell me a joke",
  chatHistory: [
    { role: "USER", message: "Hello" },
    { role: "CHATBOT", message: "Hi!" },
  ],
  preambleOverride: "Be terse.",
};
