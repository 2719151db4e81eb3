/** JSON and GitHub renderings of diagnostics: stable, escaped, suppressed findings visible. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts';
import { escapeData, escapeProperty, renderGithub } from '../../src/diagnostics/render-github.ts';
import { renderJson } from '../../src/diagnostics/render-json.ts';

const a: Diagnostic = {
  code: 'MC3012',
  severity: 'error',
  message: 'upstream web → api: 100% direct, a,b: c\nnext',
  path: 'fixture/web@dc1/upstreams/api',
  span: { file: '/repo/environments/x, y/mesh.ts', line: 12, column: 5 },
  hint: 'use local',
};
const b: Diagnostic = {
  code: 'MC3021',
  severity: 'warning',
  message: 'self',
  path: 'fixture/web@dc1',
  suppressed: { reason: 'on purpose' },
};

describe('render-github', () => {
  test('escapes %, CR and LF in messages and additionally : and , in properties', () => {
    expect(escapeData('100%\r\n')).toBe('100%25%0D%0A');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  test('escaped properties never contain a raw separator and unescape back to the input', () => {
    const decode = (s: string) =>
      s.replace(/%(25|0D|0A|3A|2C)/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    fc.assert(
      fc.property(fc.string(), (s) => {
        const e = escapeProperty(s);
        expect(e).not.toMatch(/[:,\r\n]/);
        expect(decode(e)).toBe(s);
      }),
    );
  });

  test('prints one workflow command per diagnostic with file, line, col and the code as title', () => {
    const out = renderGithub([b, a], { cwd: '/repo' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      '::error file=environments/x%2C y/mesh.ts,line=12,col=5,title=MC3012::upstream web → api: 100%25 direct, a,b: c%0Anext%0Aat fixture/web@dc1/upstreams/api%0Ahint: use local',
    );
    expect(lines[1]).toBe('::notice title=MC3021 (suppressed)::self%0Aat fixture/web@dc1%0Asuppressed: on purpose');
  });
});

describe('render-json', () => {
  test('is deterministic whatever the input order and counts suppressed findings apart', () => {
    const one = renderJson([a, b], { cwd: '/repo' });
    expect(renderJson([b, a], { cwd: '/repo' })).toBe(one);
    const doc = JSON.parse(one);
    expect(doc.version).toBe(1);
    expect(doc.summary).toEqual({ error: 1, info: 0, suppressed: 1, warning: 0 });
    expect(doc.diagnostics[0].code).toBe('MC3012');
    expect(doc.diagnostics[0].span.file).toBe('environments/x, y/mesh.ts');
    expect(doc.diagnostics[1].suppressed).toEqual({ reason: 'on purpose' });
  });
});
