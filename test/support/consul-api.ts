/** One JSON request to a Consul (or gateway admin) HTTP API, shared by the real-Consul suites. */

/** The JSON answer (undefined for an empty body); throws with the method, path, status and body on a non-2xx status. */
export async function consulApi<T = unknown>(addr: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${addr}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
