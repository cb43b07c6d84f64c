package dev.udadiffusion.experiments.demo;

/** The demo report's Markdown as a self-contained HTML page (headings, tables, images, lists, code, paragraphs). */
public final class ReportHtml {

    private ReportHtml() {
    }

    /**
     * After load, every image that did not load gets a visible "missing image" note (a report copied without its
     * PNGs says so), and {@code <body data-images="N loaded, M missing">} records the count (the browser test reads it).
     */
    static final String IMAGE_CHECK = "<script>window.addEventListener('load',()=>{const all=[...document.images];"
            + "const bad=all.filter(i=>!i.complete||i.naturalWidth===0);bad.forEach(i=>{const p=document.createElement('p');"
            + "p.className='missing';p.style.color='#b00';p.textContent='missing image: '+i.getAttribute('src');i.after(p);});"
            + "document.body.dataset.images=(all.length-bad.length)+' loaded, '+bad.length+' missing';});</script>\n";

    /** A minimal Markdown-to-HTML rendering of the report (headings, tables, images, lists, code, paragraphs). */
    public static String render(String md) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>uda-diffusion demo report</title><style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;"
                + "padding:0 1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
                + "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee}"
                + "code{background:#f4f4f4}</style></head><body>\n");
        boolean inTable = false;
        boolean inList = false;
        StringBuilder para = new StringBuilder();
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                if (line.startsWith("|---")) {
                    continue;
                }
                if (!inTable) {
                    h.append("<table>\n");
                    inTable = true;
                }
                String[] cells = line.substring(1, line.length() - 1).split("\\|");
                h.append("<tr>");
                for (String c : cells) {
                    h.append("<td>").append(inline(c.strip())).append("</td>");
                }
                h.append("</tr>\n");
                continue;
            } else if (inTable) {
                h.append("</table>\n");
                inTable = false;
            }
            if (line.strip().startsWith("- ")) {
                if (!inList) {
                    h.append("<ul>\n");
                    inList = true;
                }
                h.append("<li>").append(inline(line.strip().substring(2))).append("</li>\n");
                continue;
            } else if (inList) {
                h.append("</ul>\n");
                inList = false;
            }
            if (line.startsWith("#")) {
                int level = (int) line.chars().takeWhile(ch -> ch == '#').count();
                h.append("<h").append(level).append('>').append(inline(line.substring(level).strip())).append("</h")
                        .append(level).append(">\n");
            } else if (line.isBlank()) {
                if (para.length() > 0) {
                    h.append("<p>").append(inline(para.toString().strip())).append("</p>\n");
                    para.setLength(0);
                }
            } else {
                para.append(line).append(' ');
            }
        }
        if (para.length() > 0) {
            h.append("<p>").append(inline(para.toString().strip())).append("</p>\n");
        }
        return h.append(IMAGE_CHECK).append("</body></html>\n").toString();
    }

    private static String inline(String s) {
        String e = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        e = e.replaceAll("!\\[([^\\]]*)\\]\\(([^)]*)\\)", "<img alt=\"$1\" src=\"$2\">");
        e = e.replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>");
        return e.replaceAll("`([^`]*)`", "<code>$1</code>");
    }
}
