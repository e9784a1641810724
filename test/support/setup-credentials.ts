/**
 * Where a setup script container gets its credentials: for the user name and the password,
 * the Secret key behind the file its `API_*_FILE` variable names (through the pod's projected
 * volume), or the literal `API_USERNAME`. Also whether any credential is in the environment.
 */
export function setupCredentials(
  pod: any,
  container: any,
): { username?: unknown; password?: unknown; inEnvironment: boolean } {
  const env = (name: string) => (container.env ?? []).find((e: any) => e.name === name);
  const fromFile = (variable: string) => {
    const path: string | undefined = env(variable)?.value;
    return path === undefined ? undefined : secretKeyAt(pod, container, path);
  };
  const inEnvironment = (container.env ?? []).some(
    (e: any) => e.valueFrom?.secretKeyRef !== undefined,
  );
  return {
    username: env('API_USERNAME')?.value ?? fromFile('API_USERNAME_FILE'),
    password: fromFile('API_PASSWORD_FILE'),
    inEnvironment,
  };
}

/**
 * The Secret key a container sees at `path`, through a read-only mount of a projected or
 * secret volume of its pod; undefined when no such mount holds the path.
 */
export function secretKeyAt(
  pod: any,
  container: any,
  path: string,
): { name: string; key: string } | undefined {
  // The innermost mount holding the path (a Secret may be mounted inside a ConfigMap's directory).
  const mount = (container.volumeMounts ?? [])
    .filter((m: any) => path.startsWith(`${m.mountPath}/`))
    .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount || mount.readOnly !== true) return undefined;
  const volume = (pod.volumes ?? []).find((v: any) => v.name === mount.name);
  const file = path.slice(mount.mountPath.length + 1);
  if (volume?.secret) {
    const item = (volume.secret.items ?? []).find((i: any) => i.path === file);
    if (item) return { name: volume.secret.secretName, key: item.key };
    return volume.secret.items ? undefined : { name: volume.secret.secretName, key: file };
  }
  for (const source of volume?.projected?.sources ?? []) {
    const item = (source.secret?.items ?? []).find((i: any) => i.path === file);
    if (item) return { name: source.secret.name, key: item.key };
  }
  return undefined;
}
