import {
  AIMessagePromptTemplate,
  ChatMessagePromptTemplate,
  ChatPromptTemplate,
  HumanMessagePromptTemplate,
  MessagesPlaceholder,
  PromptTemplate,
  SystemMessagePromptTemplate,
} from "@langchain/core/prompts";
import { ValidationError } from "../errors.ts";

type TemplateFormat = "f-string" | "mustache";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text of a blueprint's content blocks (PromptLayer templates hold text; other blocks are skipped). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content as unknown[]) {
    if (isRecord(block) && block.type === "text" && typeof block.text === "string") text += block.text;
  }
  return text;
}

/** PromptLayer's `jinja2` covers `{{ variable }}`, which LangChain.js reads as mustache. */
function formatOf(value: unknown): TemplateFormat {
  return value === "jinja2" || value === "mustache" ? "mustache" : "f-string";
}

function messageTemplate(message: Record<string, unknown>, templateFormat: TemplateFormat) {
  const role = message.role;
  if (role === "placeholder") {
    const name = typeof message.name === "string" ? message.name : textOf(message.content).replace(/[{}\s]/g, "");
    return new MessagesPlaceholder({ variableName: name, optional: true });
  }
  const text = textOf(message.content);
  const options = { templateFormat };
  switch (role) {
    case "system":
      return SystemMessagePromptTemplate.fromTemplate(text, options);
    case "user":
      return HumanMessagePromptTemplate.fromTemplate(text, options);
    case "assistant":
      return AIMessagePromptTemplate.fromTemplate(text, options);
    default:
      return ChatMessagePromptTemplate.fromTemplate(text, typeof role === "string" ? role : "user", options);
  }
}

/**
 * A PromptLayer prompt blueprint as a LangChain prompt template carrying `metadata` on every run:
 * `{ type: "chat" }` → `ChatPromptTemplate` (placeholder messages become optional
 * `MessagesPlaceholder`s), `{ type: "completion" }` → `PromptTemplate`. `jinja2` templates are read
 * as mustache (the same `{{ variable }}` syntax for plain variables).
 */
export function toLangChainPrompt(blueprint: unknown, metadata: Record<string, unknown>): ChatPromptTemplate | PromptTemplate {
  if (!isRecord(blueprint)) throw new ValidationError("prompt_template", "the registry answered without a prompt blueprint");
  if (blueprint.type === "completion") {
    const prompt = PromptTemplate.fromTemplate(textOf(blueprint.content), { templateFormat: formatOf(blueprint.template_format) });
    prompt.metadata = metadata;
    return prompt;
  }
  if (blueprint.type !== "chat" || !Array.isArray(blueprint.messages)) {
    throw new ValidationError("prompt_template", `unsupported blueprint type ${String(blueprint.type)}`);
  }
  const messages = (blueprint.messages as unknown[]).filter(isRecord);
  const templateFormat = messages.some((m) => formatOf(m.template_format) === "mustache") ? "mustache" : "f-string";
  const prompt = ChatPromptTemplate.fromMessages(
    messages.map((message) => messageTemplate(message, templateFormat)),
    { templateFormat },
  );
  // BasePromptTemplate merges its own `metadata` into every run's config (prompts/base.js, invoke).
  prompt.metadata = metadata;
  return prompt;
}
