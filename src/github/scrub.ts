/**
 * Secret scrubbing for everything meshcc posts to GitHub (comments, check runs, issues, job summaries): token-like
 * strings are replaced with `***` before text leaves the process.
 */

const patterns: readonly RegExp[] = [
  // GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  // HTTP authorization headers.
  /\b(Authorization\s*:\s*)(?:Bearer|token|Basic)\s+[^\s"'`]+/gi,
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{12,}/g,
  // PEM private keys.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  // AWS access key ids.
  /\bAKIA[0-9A-Z]{16}\b/g,
];

/**
 * `key = value` / `"key": "value"` where the key names a secret (Consul ACL tokens, gossip keys, federation
 * secrets, passwords). The key is kept, the value replaced.
 */
const keyed =
  /((?:["']?)[A-Za-z0-9_.-]*(?:token|secret|password|passwd|gossip_?key|encrypt|SecretID|private_?key)[A-Za-z0-9_.-]*["']?\s*[:=]\s*["']?)([^\s"',}]{6,})/gi;

/** Replaces token-like substrings (and the given known secret values) with `***`. */
export function scrubSecrets(text: string, knownSecrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of knownSecrets) if (s && s.length >= 6) out = out.split(s).join('***');
  for (const p of patterns) {
    out = out.replace(p, (m, prefix?: unknown) =>
      typeof prefix === 'string' && m.startsWith(prefix) ? `${prefix}***` : '***',
    );
  }
  return out.replace(keyed, (_m, key: string, value: string) => (value === '***' ? `${key}${value}` : `${key}***`));
}

/**
 * The secret values found in the environment that must never be echoed: GitHub and Consul tokens, each peered
 * cluster's `CONSUL_HTTP_TOKEN_<NAME>`, and every value of `MESHCC_CLUSTER_SECRETS` (the per-cluster secrets as one JSON object).
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const named = ['GITHUB_TOKEN', 'GH_TOKEN', 'CONSUL_HTTP_TOKEN', 'CONSUL_TOKEN', 'ACTIONS_RUNTIME_TOKEN'].map(
    (k) => env[k],
  );
  const perCluster = Object.keys(env)
    .filter((k) => k.startsWith('CONSUL_HTTP_TOKEN_'))
    .map((k) => env[k]);
  let bundled: unknown[] = [];
  try {
    const o = JSON.parse(env.MESHCC_CLUSTER_SECRETS ?? '{}') as unknown;
    if (o && typeof o === 'object') bundled = Object.values(o);
  } catch {
    bundled = [];
  }
  return [...new Set([...named, ...perCluster, ...bundled])].filter((v): v is string => typeof v === 'string' && !!v);
}
