import { PLAN_UPDATED, parsePlanArgs, UPDATE_PLAN_SPEC } from '../../tools/plan.js';
import { VIEW_IMAGE_SPEC, viewImage } from '../../tools/view-image.js';
import type { ModelFamily } from '../model-family.js';
import type { ToolHandler } from '../tool-call.js';
import { argumentsOf, failureOutput } from './shared.js';

/** `update_plan`: emits `plan_update` and tells the model `Plan updated`. */
export function updatePlanTool(): ToolHandler {
  return {
    spec: UPDATE_PLAN_SPEC,
    parallel: true,
    async handle({ call, turn, emit }) {
      try {
        const { explanation, plan } = parsePlanArgs(argumentsOf(call));
        emit({
          type: 'plan_update',
          explanation,
          plan,
          turn_id: turn.turnId,
          call_id: call.callId,
        });
        return { output: PLAN_UPDATED };
      } catch (error) {
        return failureOutput(error);
      }
    },
  };
}

/** `view_image`: the image goes back as the call's output, as an `input_image`. */
export function viewImageTool(family: ModelFamily): ToolHandler {
  return {
    spec: VIEW_IMAGE_SPEC,
    parallel: true,
    async handle({ call, turn, emit }) {
      try {
        const { path, imageUrl } = await viewImage(argumentsOf(call), turn.cwd);
        emit({ type: 'view_image_tool_call', call_id: call.callId, path, turn_id: turn.turnId });
        return {
          output: [
            {
              type: 'input_image',
              image_url: imageUrl,
              detail: family.known ? 'original' : 'high',
            },
          ],
        };
      } catch (error) {
        return failureOutput(error);
      }
    },
  };
}
