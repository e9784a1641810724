import { ObservabilityStackProps } from '../lib';
import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';

/** The bundled environments, in the order they are synthesized. */
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

const PROFILES: Record<EnvironmentName, ObservabilityStackProps> = { dev, staging, prod };

/** The stack props of a bundled environment. */
export function environmentProfile(name: string): ObservabilityStackProps {
  if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
    throw new Error(
      `'environment' must be one of ${ENVIRONMENTS.join(', ')}, got '${name}' (add a profile under stacks/ for a new environment)`,
    );
  }
  return PROFILES[name as EnvironmentName];
}
