/** The harness reaps test clusters whose run was killed before its teardown, and only those. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { alive, killClusterNow, reapOrphanedClusters } from './harness.ts';

const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** A stand-in "agent": a sleeping process whose command line names the directory's config, as a real agent's does. */
function fakeCluster(owner: number): { root: string; pid: number } {
  const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-'));
  mkdirSync(join(root, 'dc1'));
  const config = join(root, 'dc1', 'config.json');
  const p = spawn('sh', ['-c', 'sleep 60', config], { stdio: 'ignore', detached: true });
  p.unref();
  started.push(p.pid as number);
  writeFileSync(join(root, 'dc1', 'pid'), String(p.pid));
  writeFileSync(join(root, 'owner'), String(owner));
  return { root, pid: p.pid as number };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

it('kills the servers of a cluster whose owner is dead and removes it; leaves a live owner alone', async () => {
  const dead = spawnSync('true').pid as number;
  const orphan = fakeCluster(dead);
  const owned = fakeCluster(process.pid);
  try {
    expect(reapOrphanedClusters()).toContain(orphan.root);
    expect(await gone(orphan.pid)).toBe(true);
    expect(existsSync(orphan.root)).toBe(false);
    expect(alive(owned.pid)).toBe(true);
    expect(existsSync(owned.root)).toBe(true);
  } finally {
    killClusterNow(owned.root);
  }
  expect(await gone(owned.pid)).toBe(true);
});

it('does not kill a process that reused a recorded pid', async () => {
  const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-'));
  mkdirSync(join(root, 'dc1'));
  const other = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  other.unref();
  started.push(other.pid as number);
  writeFileSync(join(root, 'dc1', 'pid'), String(other.pid));
  writeFileSync(join(root, 'owner'), String(spawnSync('true').pid));
  expect(reapOrphanedClusters()).toContain(root);
  expect(alive(other.pid as number)).toBe(true);
  expect(existsSync(root)).toBe(false);
});
