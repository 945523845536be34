import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PALETTE } from '../../public/src/usage-chart';

const css = readFileSync(path.resolve(__dirname, '../../public/style.css'), 'utf8');

function variable(name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(css);
  if (!m) throw new Error(`--${name} is not a 6-digit colour in style.css`);
  return m[1];
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('portal colours', () => {
  it.each([
    ['fg', 'bg'],
    ['muted', 'bg'],
    ['muted', 'panel'],
    ['link', 'bg'],
    ['link', 'panel'],
    ['accent-fg', 'accent'],
    ['accent', 'bg'],
    ['ok', 'bg'],
    ['warn', 'bg'],
    ['bad', 'bg'],
  ])('text in --%s on --%s meets WCAG AA (4.5:1)', (fg, bg) => {
    expect(contrast(variable(fg), variable(bg))).toBeGreaterThanOrEqual(4.5);
  });

  it('plot colours stand out from the white background (3:1 for graphics)', () => {
    for (const colour of PALETTE) expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(3);
  });
});
