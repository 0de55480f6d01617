// A QR code of a short link, drawn on a canvas from qrcode-generator's module matrix, with a
// PNG download.
import qrcode from "qrcode-generator";
import { h } from "./dom.js";

export function qr(text, { scale = 6, name = "link" } = {}) {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const n = code.getModuleCount();
  const quiet = 4;
  const size = (n + quiet * 2) * scale;
  const canvas = h("canvas", { width: size, height: size, class: "qr", role: "img", "aria-label": `QR code of ${text}` });
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#000";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (code.isDark(r, c)) g.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
  const download = h("a", { class: "button secondary", download: `${name}-qr.png`, href: "#" }, "Download PNG");
  download.addEventListener("click", () => download.setAttribute("href", canvas.toDataURL("image/png")));
  return h("figure", { class: "qr-box" }, canvas, h("figcaption", null, download));
}
