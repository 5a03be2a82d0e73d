import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** Reads a local image as a `data:` URL; throws an error naming the path when it cannot. */
export async function imageDataUrl(path: string): Promise<string> {
  const type = IMAGE_TYPES[extname(path).toLowerCase()];
  if (!type)
    throw new Error(
      `${path} is not an image this agent can send (expected ${Object.keys(IMAGE_TYPES).join(', ')})`,
    );
  const bytes = await readFile(path);
  return `data:${type};base64,${bytes.toString('base64')}`;
}
