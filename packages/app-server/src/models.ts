import type { v2 } from '@codex/protocol';

const EFFORTS: v2.Model['supportedReasoningEfforts'] = [
  { reasoningEffort: 'low', description: 'Fast responses with lighter reasoning' },
  {
    reasoningEffort: 'medium',
    description: 'Balances speed and reasoning depth for everyday tasks',
  },
  { reasoningEffort: 'high', description: 'Greater reasoning depth for complex problems' },
];

function model(
  id: string,
  displayName: string,
  description: string,
  extra: Partial<v2.Model> = {},
): v2.Model {
  return {
    id,
    model: id,
    upgrade: null,
    upgradeInfo: null,
    availabilityNux: null,
    displayName,
    description,
    modelSpecialty: null,
    hidden: false,
    supportedReasoningEfforts: EFFORTS,
    defaultReasoningEffort: 'medium',
    inputModalities: ['text', 'image'],
    supportsPersonality: false,
    additionalSpeedTiers: [],
    serviceTiers: [],
    defaultServiceTier: null,
    availableAccessPrograms: null,
    isDefault: false,
    ...extra,
  };
}

/**
 * The built-in model catalogue `model/list` reports. As in the original, it does not depend on
 * the configured provider; hidden entries appear with `includeHidden`.
 */
export const MODEL_CATALOGUE: readonly v2.Model[] = [
  model('gpt-6.1-sol', 'GPT-6.1-Sol', 'Latest workhorse model for coding and everyday work.', {
    isDefault: true,
    defaultReasoningEffort: 'low',
  }),
  model('gpt-6-astra', 'GPT-6-Astra', 'Most capable model for the hardest problems.'),
  model('gpt-6-sol', 'GPT-6-Sol', 'Workhorse model for coding and everyday work.'),
  model('gpt-6-luna', 'GPT-6-Luna', 'Fast, efficient model for simple tasks.'),
  model('gpt-5.6-sol', 'GPT-5.6-Sol', 'Previous-generation workhorse model.'),
  model('gpt-6.1-terra', 'GPT-6.1-Terra', 'Balanced model for long-running agentic work.'),
  model('gpt-5.6-terra', 'GPT-5.6-Terra', 'Previous-generation balanced model.'),
  model('gpt-5.6-luna', 'GPT-5.6-Luna', 'Previous-generation fast model.'),
  model('gpt-5.5', 'GPT-5.5', 'Earlier frontier model for coding.'),
  model('gpt-5.1-codex', 'GPT-5.1-Codex', 'Earlier coding model.', { hidden: true }),
  model('gpt-5.1-codex-mini', 'GPT-5.1-Codex-Mini', 'Earlier small coding model.', {
    hidden: true,
  }),
  model('gpt-5', 'GPT-5', 'Earlier general model.', { hidden: true }),
];
