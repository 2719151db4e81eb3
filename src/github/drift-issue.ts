/**
 * The drift issue: one open issue per environment while Consul differs from Git, updated on every scheduled check
 * (what drifted, who owns it, how to heal), closed with a comment once the environment is clean again.
 *
 * Only out-of-band changes, deletions and unmanaged new entries are drift. A datacenter that could not be reached is
 * "unknown", never "clean": it keeps an open issue open (and says so) but does not open one; replication still
 * pending is reported but is not drift either. In a peered environment each row names its cluster, and a peering not
 * active on both sides (deleted or failing out of band) is drift, listed with its states and the fix.
 */
import type { GitHubClient, RepoRef } from './client.ts';
import { fence, sideState } from './comment-body.ts';
import { scrubSecrets } from './scrub.ts';
import type { DriftClass, DriftDocument, DriftItem, PeeringStatus } from './types.ts';

/** Label every drift issue carries (how they are found again). */
export const DRIFT_LABEL = 'meshcc-drift';

/** The hidden marker of an environment's drift issue. */
export function driftMarker(environment: string): string {
  return `<!-- meshcc:drift env=${environment} -->`;
}

const drifting: readonly DriftClass[] = ['changed-out-of-band', 'deleted', 'unmanaged-new'];

/** Items that are drift proper (not unreachable, not replication pending). */
export function driftedItems(doc: DriftDocument): DriftItem[] {
  return doc.items.filter((i) => drifting.includes(i.class));
}

/** Peerings of a peered environment that are not active on both sides: drift too. */
export function brokenPeerings(doc: DriftDocument): PeeringStatus[] {
  return (doc.peerings ?? []).filter((p) => !p.active);
}

const heal: Record<DriftClass, string> = {
  'changed-out-of-band':
    'Changed in Consul outside Git. Heal: run the drift workflow with `heal: true` (re-applies Git), or move the change into the environment and merge it.',
  deleted: 'Deleted from Consul outside Git. Heal: run the drift workflow with `heal: true` to write it again.',
  'unmanaged-new':
    'Exists in Consul but not in Git and carries no meshcc ownership marker, so meshcc never deletes it. Adopt it (add it under `entries/`) or delete it by hand after checking with its owner.',
  'replication-pending':
    'The primary has the entry but this secondary has not replicated it yet. Usually converges in seconds; if it persists, check replication (`consul info`, `replication` section).',
  'dc-unreachable':
    'This datacenter could not be reached, so its state is unknown. Check WAN federation and the mesh gateways; nothing was concluded about it.',
};

const title: Record<DriftClass, string> = {
  'changed-out-of-band': 'changed out of band',
  deleted: 'deleted',
  'unmanaged-new': 'unmanaged, new',
  'replication-pending': 'replication pending',
  'dc-unreachable': 'datacenter unreachable',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The issue body: marker, counts, one table row per item, then details and how to heal each class. */
export function renderDriftIssue(
  doc: DriftDocument,
  opts: { runUrl?: string; secrets?: readonly (string | undefined)[] } = {},
): string {
  const out = [driftMarker(doc.environment), `Scheduled drift check of \`${doc.environment}\` found:`, ''];
  const classes = [...new Set(doc.items.map((i) => i.class))].sort();
  for (const c of classes) out.push(`- **${doc.items.filter((i) => i.class === c).length}** ${title[c]}`);
  const broken = brokenPeerings(doc);
  if (broken.length > 0) out.push(`- **${broken.length}** peering${broken.length === 1 ? '' : 's'} not active`);
  if (classes.length === 0 && broken.length === 0) out.push('- no drift');
  const peered = doc.items.some((i) => i.cluster !== undefined) || doc.peerings !== undefined;
  const where = (i: DriftItem) => (i.cluster ? `${i.cluster}/${i.datacenter}` : i.datacenter);
  const items = [...doc.items].sort((a, b) =>
    `${where(a)}/${a.kind ?? ''}/${a.name ?? ''}/${a.class}` < `${where(b)}/${b.kind ?? ''}/${b.name ?? ''}/${b.class}`
      ? -1
      : 1,
  );
  if (items.length > 0) {
    out.push(
      '',
      peered ? '| Cluster | Datacenter | Entry | Drift | Owner |' : '| Datacenter | Entry | Drift | Owner |',
    );
    out.push(peered ? '|---|---|---|---|---|' : '|---|---|---|---|');
    for (const i of items) {
      const entry = i.kind ? `\`${i.kind}/${i.name ?? ''}\`` : '—';
      const owner = i.owner ?? (i.class === 'unmanaged-new' ? 'not managed by meshcc' : '—');
      const cluster = peered ? `\`${cell(i.cluster ?? '')}\` | ` : '';
      out.push(`| ${cluster}\`${cell(i.datacenter)}\` | ${cell(entry)} | ${title[i.class]} | ${cell(owner)} |`);
    }
  }
  if (doc.peerings && doc.peerings.length > 0) {
    out.push('', '#### Peerings', '', '| Peering | Acceptor | Dialer | State |', '|---|---|---|---|');
    for (const p of doc.peerings) {
      const side = (x: PeeringStatus['acceptor']) => `\`${x.cluster}\` (as \`${x.peerName}\`): ${sideState(x)}`;
      out.push(
        `| \`${p.key}\` | ${side(p.acceptor)} | ${side(p.dialer)} | ${p.active ? '✅ active' : '🛑 not active'} |`,
      );
    }
  }
  out.push('', '#### How to heal', '');
  for (const c of classes) out.push(`- **${title[c]}**: ${heal[c]}`);
  for (const p of broken)
    out.push(
      `- **peering \`${p.key}\`** (MC5015): ${cell(p.problem ?? 'not active on both sides')}. Heal: ${cell(p.fix ?? 'run `meshcc apply`: it re-establishes the peering')} — or run the drift workflow with \`heal: true\`.`,
    );
  const details = items.filter((i) => i.detail);
  if (details.length > 0) {
    out.push('', '<details><summary>Differences</summary>', '');
    for (const i of details)
      out.push(`\`${where(i)}\` ${i.kind ? `${i.kind}/${i.name ?? ''}` : ''}`, '', fence(i.detail!, 'diff'), '');
    out.push('</details>');
  }
  if (opts.runUrl) out.push('', `<sub>[drift check run](${opts.runUrl})</sub>`);
  let body = scrubSecrets(`${out.join('\n')}\n`, opts.secrets);
  if (body.length > 65_536) body = `${body.slice(0, 65_000)}\n\n… (truncated; see the drift workflow's job summary)\n`;
  return body;
}

export type DriftIssueResult =
  | { readonly action: 'opened' | 'updated' | 'closed' | 'unchanged'; readonly number: number; readonly url: string }
  | { readonly action: 'none'; readonly reason: string };

/** Finds the open drift issue of an environment (labelled, body starts with the marker). */
export async function findDriftIssue(
  gh: GitHubClient,
  r: RepoRef,
  environment: string,
): Promise<{ number: number; body: string; url: string } | undefined> {
  const marker = driftMarker(environment);
  for await (const page of gh.paginate.iterator(gh.rest.issues.listForRepo, {
    owner: r.owner,
    repo: r.repo,
    state: 'open',
    labels: DRIFT_LABEL,
    per_page: 100,
  })) {
    for (const i of page.data) {
      if (!i.pull_request && i.body?.startsWith(marker)) return { number: i.number, body: i.body, url: i.html_url };
    }
  }
  return undefined;
}

/** Opens, updates or closes the environment's drift issue to match the drift document. */
export async function syncDriftIssue(
  gh: GitHubClient,
  r: RepoRef,
  doc: DriftDocument,
  opts: { runUrl?: string; secrets?: readonly (string | undefined)[] } = {},
): Promise<DriftIssueResult> {
  const existing = await findDriftIssue(gh, r, doc.environment);
  const drifted = [...driftedItems(doc), ...brokenPeerings(doc)];
  const unknown = doc.items.filter((i) => i.class === 'dc-unreachable');
  if (drifted.length === 0 && unknown.length === 0) {
    if (!existing) return { action: 'none', reason: `${doc.environment} is clean and has no open drift issue` };
    await gh.rest.issues.createComment({
      owner: r.owner,
      repo: r.repo,
      issue_number: existing.number,
      body: scrubSecrets(
        `No drift left in \`${doc.environment}\`: closing.${opts.runUrl ? ` ([run](${opts.runUrl}))` : ''}`,
      ),
    });
    await gh.rest.issues.update({
      owner: r.owner,
      repo: r.repo,
      issue_number: existing.number,
      state: 'closed',
      state_reason: 'completed',
    });
    return { action: 'closed', number: existing.number, url: existing.url };
  }
  if (drifted.length === 0 && !existing) {
    return {
      action: 'none',
      reason: `${doc.environment}: no drift found, but ${unknown.map((u) => u.datacenter).join(', ')} could not be checked`,
    };
  }
  const body = renderDriftIssue(doc, opts);
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', number: existing.number, url: existing.url };
    await gh.rest.issues.update({ owner: r.owner, repo: r.repo, issue_number: existing.number, body });
    return { action: 'updated', number: existing.number, url: existing.url };
  }
  const created = await gh.rest.issues.create({
    owner: r.owner,
    repo: r.repo,
    title: `Drift in ${doc.environment}: Consul differs from Git`,
    body,
    labels: [DRIFT_LABEL],
  });
  return { action: 'opened', number: created.data.number, url: created.data.html_url };
}
