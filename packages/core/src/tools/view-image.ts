import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { ToolSpec } from '../client/types.js';
import { parseFunctionArguments, ToolArgumentsError } from './arguments.js';
import { imageDataUrl } from './image-data.js';

/** `view_image`: attach a local image to the conversation. */
export const VIEW_IMAGE_SPEC: ToolSpec = {
  type: 'function',
  name: 'view_image',
  description:
    'View a local image file from the filesystem when visual inspection is needed. Use this for images already available on disk.',
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'Local filesystem path to an image file.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
};

const refused = (detail: string) => new ToolArgumentsError('invalid_arguments', detail, { detail });

/** Largest image sent to the model. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

const ViewImageArgsSchema = z.object({ path: z.string().min(1) });

/** Reads the image a `view_image` call names (relative to `cwd`) as a data URL. */
export async function viewImage(
  argumentsJson: string,
  cwd: string,
): Promise<{ path: string; imageUrl: string }> {
  const { path: given } = parseFunctionArguments(ViewImageArgsSchema, argumentsJson);
  const path = isAbsolute(given) ? given : resolve(cwd, given);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw refused(`image path \`${path}\` is not a file`);
    size = info.size;
  } catch (error) {
    if (ToolArgumentsError.isInstance(error)) throw error;
    throw refused(`unable to locate image at \`${path}\`: ${(error as Error).message}`);
  }
  if (size > MAX_IMAGE_BYTES)
    throw refused(`image \`${path}\` is ${size} bytes; the limit is ${MAX_IMAGE_BYTES}`);
  try {
    return { path, imageUrl: await imageDataUrl(path) };
  } catch (error) {
    throw refused((error as Error).message);
  }
}
