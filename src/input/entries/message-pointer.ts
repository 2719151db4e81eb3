/**
 * Maps a Consul validation message back to the field it is about (as a JSON pointer), so MC1107 can point at the
 * line of that field: `Bad Failover["*"]: ...` → `/Failover/*`, `Sources[1] defines ...` → `/Sources/1/Name`.
 */

const RULES: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Bad Failover\["(.*?)"\]\.Targets\[(\d+)\]/, (m) => `/Failover/${m[1]}/Targets/${m[2]}`],
  [/^Bad Failover\["(.*?)"\]\.Datacenters/, (m) => `/Failover/${m[1]}/Datacenters`],
  [/^Bad Failover\["(.*?)"\]: (Targets|ServiceSubset)/, (m) => `/Failover/${m[1]}/${m[2]}`],
  [/^Bad Failover\["(.*?)"\]/, (m) => `/Failover/${m[1]}`],
  [/^Redirect(?:\.(\w+))?/, (m) => (m[1] ? `/Redirect/${m[1]}` : '/Redirect')],
  [/^DefaultSubset/, () => '/DefaultSubset'],
  [/^Subset "(.*?)"/, (m) => `/Subsets/${m[1]}`],
  [/^Bad (ConnectTimeout|RequestTimeout)/, (m) => `/${m[1]}`],
  [/^Sources\[(\d+)\]\.Permissions\[(\d+)\]/, (m) => `/Sources/${m[1]}/Permissions/${m[2]}`],
  [/^Sources\[(\d+)\]\.(\w+)/, (m) => `/Sources/${m[1]}/${m[2]}`],
  [/^Sources\[(\d+)\]/, (m) => `/Sources/${m[1]}/Name`],
  [/^At least one source/, () => '/Sources'],
  [/^invalid name/, () => '/Name'],
  [/^invalid value for protocol/, () => '/Protocol'],
  [/^error in upstream override/, () => '/UpstreamConfig/Overrides'],
  [/^error in upstream defaults/, () => '/UpstreamConfig/Defaults'],
  [/^Meta/, () => '/Meta'],
  [/^Config:/, () => '/Config'],
];

/** Candidate pointers for a validation message, most specific first (each ancestor follows). */
export function pointersForMessage(message: string): string[] {
  for (const [re, f] of RULES) {
    const m = re.exec(message);
    if (!m) continue;
    const ptr = f(m);
    const out: string[] = [];
    let p = ptr;
    while (p !== '') {
      out.push(p);
      p = p.slice(0, p.lastIndexOf('/'));
    }
    return out;
  }
  return [];
}
