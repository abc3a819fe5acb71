/** Registry templates (PromptLayer prompt blueprints) for the tests. */
export const CHAT_TEMPLATE = {
  type: "chat",
  messages: [
    { role: "system", content: [{ type: "text", text: "You sell kitchen appliances." }], input_variables: [], template_format: "f-string" },
    { role: "user", content: [{ type: "text", text: "Tell me a joke about {product}" }], input_variables: ["product"], template_format: "f-string" },
  ],
  input_variables: ["product"],
};
