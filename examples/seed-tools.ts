/**
 * The two tools of the seed agent (LangChain's tool-use quickstart, as Portkey's page runs it), and
 * its question.
 */
import { tool } from "langchain";
import { z } from "zod";

export const SEED_QUESTION = "Take 3 to the fifth power and multiply that by thirty six, then square the result";

export const multiply = tool(({ first_int, second_int }) => first_int * second_int, {
  name: "multiply",
  description: "Multiply two integers together.",
  schema: z.object({ first_int: z.number().int(), second_int: z.number().int() }),
});

export const exponentiate = tool(({ base, exponent }) => base ** exponent, {
  name: "exponentiate",
  description: "Exponentiate the base to the exponent power.",
  schema: z.object({ base: z.number().int(), exponent: z.number().int() }),
});
