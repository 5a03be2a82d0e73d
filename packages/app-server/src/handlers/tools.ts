import type { HandlerTable } from './types.js';

export const toolHandlers: HandlerTable = {};
