import type { core } from '@codex/protocol';
import { z } from 'zod';
import type { ToolSpec } from '../client/types.js';
import { parseFunctionArguments, ToolArgumentsError } from './arguments.js';

/** `update_plan`: the agent's step list, shown to the user. */
export const UPDATE_PLAN_SPEC: ToolSpec = {
  type: 'function',
  name: 'update_plan',
  description:
    'Updates the task plan.\nProvide an optional explanation and a list of plan items, each with a step and status.\nAt most one step can be in_progress at a time.\n',
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      explanation: { type: 'string' },
      plan: {
        type: 'array',
        description: 'The list of steps',
        items: {
          type: 'object',
          properties: {
            step: { type: 'string' },
            status: { type: 'string', description: 'One of: pending, in_progress, completed' },
          },
          required: ['step', 'status'],
          additionalProperties: false,
        },
      },
    },
    required: ['plan'],
    additionalProperties: false,
  },
};

const UpdatePlanArgsSchema = z.object({
  explanation: z.string().nullable().optional(),
  plan: z.array(
    z.object({ step: z.string(), status: z.enum(['pending', 'in_progress', 'completed']) }),
  ),
});

/** What the model gets back after a plan update. */
export const PLAN_UPDATED = 'Plan updated';

/** Parses `update_plan` arguments; at most one step may be `in_progress`. */
export function parsePlanArgs(json: string): {
  explanation: string | null;
  plan: core.PlanItem[];
} {
  const args = parseFunctionArguments(UpdatePlanArgsSchema, json);
  const active = args.plan.filter((item) => item.status === 'in_progress').length;
  if (active > 1)
    throw new ToolArgumentsError(
      'invalid_arguments',
      `failed to parse function arguments: at most one step can be in_progress (found ${active})`,
      { detail: `at most one step can be in_progress (found ${active})` },
    );
  return { explanation: args.explanation ?? null, plan: args.plan };
}
