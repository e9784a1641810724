import { k8s } from 'cdk8s-plus-27';

/** A Pod Security Standard level, from the strictest to the least strict. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** The levels in order of strictness, strictest first. */
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = [
  'restricted',
  'baseline',
  'privileged',
];

/** The user and group every non-node component runs as unless its image needs another. */
export const DEFAULT_UID = 1000;

/**
 * A container security context that meets the `restricted` Pod Security Standard:
 * non-root, no privilege escalation, every capability dropped, seccomp RuntimeDefault
 * and, unless the process must write outside its volumes, a read-only root filesystem.
 */
export function restrictedContainerSecurityContext(
  options: { readOnlyRootFilesystem?: boolean; runAsUser?: number } = {},
): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    runAsUser: options.runAsUser ?? DEFAULT_UID,
    runAsGroup: options.runAsUser ?? DEFAULT_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The pod-level security context that goes with {@link restrictedContainerSecurityContext}. */
export function restrictedPodSecurityContext(uid: number = DEFAULT_UID): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
