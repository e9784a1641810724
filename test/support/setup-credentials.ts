/**
 * Where a setup script container gets its credentials: for the user name and the password,
 * the Secret key behind the file its `API_*_FILE` variable names (through the pod's projected
 * volume), or the literal `API_USERNAME`. Also whether any credential is in the environment.
 */
export function setupCredentials(pod: any, container: any): { username?: unknown; password?: unknown; inEnvironment: boolean } {
  const env = (name: string) => (container.env ?? []).find((e: any) => e.name === name);
  const fromFile = (variable: string) => {
    const path: string | undefined = env(variable)?.value;
    if (path === undefined) return undefined;
    const mount = (container.volumeMounts ?? []).find((m: any) => path.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: any) => v.name === mount?.name);
    const file = path.slice(mount.mountPath.length + 1);
    for (const source of volume.projected.sources) {
      const item = source.secret.items.find((i: any) => i.path === file);
      if (item) return { name: source.secret.name, key: item.key };
    }
    return undefined;
  };
  const inEnvironment = (container.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef !== undefined);
  return { username: env('API_USERNAME')?.value ?? fromFile('API_USERNAME_FILE'), password: fromFile('API_PASSWORD_FILE'), inEnvironment };
}
