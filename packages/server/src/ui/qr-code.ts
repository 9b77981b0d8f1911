/**
 * A real QR code (ISO/IEC 18004, built by `qrcode-generator`) as inline SVG: one `<path>`
 * of unit squares, one per dark module, inside a 4-module quiet zone. Inline SVG needs
 * neither script nor a `style` attribute, so the pages' CSP allows it as is.
 */
import qrcode from 'qrcode-generator';
import { html, type SafeHtml } from './layout.js';

/** Error correction of the codes idgate draws (M: 15 %, readable from a screen). */
export const QR_ERROR_CORRECTION = 'M' as const;

/** Modules of white border around the code (the quiet zone the standard asks for). */
export const QR_QUIET_ZONE = 4;

/** The module grid of `data`: `true` for a dark module, row by row. */
export function qrModules(data: string): boolean[][] {
  // Type number 0: the smallest version that holds the data.
  const code = qrcode(0, QR_ERROR_CORRECTION);
  code.addData(data, 'Byte');
  code.make();
  const size = code.getModuleCount();
  return Array.from({ length: size }, (_row, row) =>
    Array.from({ length: size }, (_col, col) => code.isDark(row, col)),
  );
}

/** The SVG of a QR code of `data`, labelled for assistive technology by `label`. */
export function renderQrSvg(data: string, label: string): SafeHtml {
  const modules = qrModules(data);
  const size = modules.length + 2 * QR_QUIET_ZONE;
  let path = '';
  modules.forEach(function row(cells, y) {
    cells.forEach(function cell(dark, x) {
      if (dark) path += `M${x + QR_QUIET_ZONE} ${y + QR_QUIET_ZONE}h1v1h-1z`;
    });
  });
  return html`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges" data-modules="${modules.length}">
<title id="qr-title">${label}</title>
<rect width="${size}" height="${size}" fill="#ffffff"/>
<path fill="#000000" d="${path}"/>
</svg>`;
}
