import { k8s } from 'cdk8s-plus-27';

/** Timing of a probe, in seconds. */
export interface ProbeTiming {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

const READINESS: ProbeTiming = {
  initialDelaySeconds: 5,
  periodSeconds: 10,
  timeoutSeconds: 5,
  failureThreshold: 3,
};
const LIVENESS: ProbeTiming = {
  initialDelaySeconds: 30,
  periodSeconds: 20,
  timeoutSeconds: 5,
  failureThreshold: 6,
};

function timing(kind: 'readiness' | 'liveness', overrides: ProbeTiming): ProbeTiming {
  return { ...(kind === 'readiness' ? READINESS : LIVENESS), ...overrides };
}

/** An HTTP GET probe on a named or numbered container port. */
export function httpProbe(
  kind: 'readiness' | 'liveness',
  path: string,
  port: number | string,
  overrides: ProbeTiming & { scheme?: 'HTTP' | 'HTTPS' } = {},
): k8s.Probe {
  const { scheme, ...rest } = overrides;
  return {
    httpGet: {
      path,
      port:
        typeof port === 'number'
          ? k8s.IntOrString.fromNumber(port)
          : k8s.IntOrString.fromString(port),
      scheme: scheme ?? 'HTTP',
    },
    ...timing(kind, rest),
  };
}

/** A TCP probe: the port accepts connections. */
export function tcpProbe(
  kind: 'readiness' | 'liveness',
  port: number | string,
  overrides: ProbeTiming = {},
): k8s.Probe {
  return {
    tcpSocket: {
      port:
        typeof port === 'number'
          ? k8s.IntOrString.fromNumber(port)
          : k8s.IntOrString.fromString(port),
    },
    ...timing(kind, overrides),
  };
}

/** A probe that runs a command in the container; exit code 0 is healthy. */
export function execProbe(
  kind: 'readiness' | 'liveness',
  command: string[],
  overrides: ProbeTiming = {},
): k8s.Probe {
  return { exec: { command }, ...timing(kind, overrides) };
}
