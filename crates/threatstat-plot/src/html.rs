//! Self-contained interactive HTML output: an inline SVG scatter drawn here
//! (no plotters, no external resources) plus a few lines of inline JS for
//! hover tooltips and for zooming and panning the time axis
//! (`html_zoom.js`: wheel zoom, drag pan, double-click or a button to
//! reset).

use std::fmt::Write as _;
use std::path::Path;

use crate::layout::{Figure, POINT_ALPHA, X_LABEL};
use crate::scale::format_value;
use crate::time::format_unix_utc;
use crate::{PlotError, TimelinePoint};

/// Font stack of the HTML figure: DejaVu Sans (the font the layout was
/// measured with) where installed, else fonts of similar width.
const FONT_STACK: &str = "'DejaVu Sans', Verdana, Geneva, sans-serif";

/// CSS font size for a layout size in pixels (the same conversion plotters'
/// SVG backend uses, so SVG and HTML text look alike).
fn css_px(px: f64) -> String {
    num(px / 1.24)
}

/// Escapes text for HTML/XML text content and attribute values; control
/// characters other than tab, newline and carriage return become U+FFFD.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most two decimals.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Hover lines of a point: its own, or group/time/value when it has none.
fn hover_lines(p: &TimelinePoint) -> Vec<String> {
    if !p.hover.is_empty() {
        return p.hover.clone();
    }
    let mut lines = Vec::with_capacity(3);
    if !p.group.is_empty() {
        lines.push(format!("group: {}", p.group));
    }
    lines.push(format!("time: {} UTC", format_unix_utc(p.time_unix_s)));
    lines.push(format!("value: {}", format_value(p.value)));
    lines
}

/// Writes `fig` as a self-contained HTML page to `path`.
pub(crate) fn write_html(
    fig: &Figure,
    points: &[TimelinePoint],
    path: &Path,
) -> Result<(), PlotError> {
    crate::frame::write_text(path, &render(fig, points))
}

const STYLE: &str = "\
body{margin:16px;background:#fff;color:#222;font-family:'DejaVu Sans',Verdana,Geneva,sans-serif}
.fig{position:relative;display:inline-block;max-width:100%}
.fig svg{display:block;max-width:100%;height:auto;touch-action:none;user-select:none}
.fig .pt:hover{stroke:#000;stroke-width:1.5px}
.tip{position:absolute;display:none;pointer-events:none;z-index:10;max-width:520px;\
padding:6px 9px;font-size:13px;line-height:1.4;background:rgba(255,255,255,.97);\
border:1px solid #999;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.25)}
.tip div{white-space:pre-wrap;overflow-wrap:anywhere}
.note{font-size:13px;color:#555;margin:6px 0 0}
.note button{font:inherit;margin-left:6px}
";

/// The zoom and pan script (see the module documentation).
const ZOOM_SCRIPT: &str = include_str!("html_zoom.js");

/// The tooltip script. It moves each circle's `<title>` text into a property
/// (so the browser's own tooltip does not appear as well) and shows it line by
/// line in the tooltip div, using `textContent` only (no HTML injection).
const SCRIPT: &str = "\
(function(){
var fig=document.getElementById('ts-fig'),tip=document.getElementById('ts-tip');
if(!fig||!tip)return;
var pts=fig.querySelectorAll('.pt');
for(var i=0;i<pts.length;i++){var t=pts[i].querySelector('title');
if(t){pts[i].tsTip=t.textContent;pts[i].removeChild(t);}}
function place(e){var r=fig.getBoundingClientRect(),x=e.clientX-r.left+14,y=e.clientY-r.top+14;
if(x+tip.offsetWidth>r.width)x=Math.max(0,e.clientX-r.left-tip.offsetWidth-14);
if(y+tip.offsetHeight>r.height)y=Math.max(0,e.clientY-r.top-tip.offsetHeight-14);
tip.style.left=x+'px';tip.style.top=y+'px';}
function show(e){var c=e.target;if(!c||c.tsTip===undefined)return;
while(tip.firstChild)tip.removeChild(tip.firstChild);
var ls=c.tsTip.split('\\n');for(var i=0;i<ls.length;i++){var d=document.createElement('div');
d.textContent=ls[i];tip.appendChild(d);}
tip.style.display='block';place(e);}
fig.addEventListener('mouseover',show);
fig.addEventListener('click',show);
fig.addEventListener('mousemove',function(e){if(tip.style.display==='block')place(e);});
fig.addEventListener('mouseout',function(e){if(e.target&&e.target.tsTip!==undefined)tip.style.display='none';});
})();
";

/// The time axis's grid lines, tick marks and labels, in the group
/// `ts-xaxis` that the zoom script redraws.
fn x_axis(s: &mut String, fig: &Figure) {
    let p = fig.plot;
    let tick = (fig.frame.tick_px * 0.4).round();
    let _ = writeln!(
        s,
        "<g id=\"ts-xaxis\" font-size=\"{}\" fill=\"#282828\">",
        css_px(fig.frame.tick_px)
    );
    for &t in &fig.x_minor {
        let x = num(fig.px_x(t));
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" \
             stroke-opacity=\"0.05\" shape-rendering=\"crispEdges\"/>",
            num(p.top),
            num(p.bottom)
        );
    }
    for (t, label) in &fig.x_ticks {
        let x = num(fig.px_x(*t));
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" \
             stroke-opacity=\"0.13\" shape-rendering=\"crispEdges\"/>\
             <line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" stroke-opacity=\"0.75\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" dy=\"0.8em\">{}</text>",
            num(p.top),
            num(p.bottom),
            num(p.bottom),
            num(p.bottom + tick),
            num(p.bottom + tick + 4.0),
            escape(label),
        );
    }
    s.push_str("</g>\n");
}

fn render(fig: &Figure, points: &[TimelinePoint]) -> String {
    let (w, h) = (fig.frame.width, fig.frame.height);
    let p = fig.plot;
    let mut s = String::with_capacity(4096 + fig.points.len() * 200);
    let page_title = if fig.frame.title.is_empty() {
        "timeline"
    } else {
        fig.frame.title.as_str()
    };

    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(page_title)
    );
    let _ = writeln!(
        s,
        "<div class=\"fig\" id=\"ts-fig\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_STACK}\" \
         role=\"img\" aria-label=\"{}\" data-t0=\"{}\" data-t1=\"{}\" data-left=\"{}\" \
         data-right=\"{}\" data-top=\"{}\" data-bottom=\"{}\" data-tick=\"{}\" data-font=\"{}\">",
        escape(page_title),
        fig.x0,
        fig.x1,
        num(p.left),
        num(p.right),
        num(p.top),
        num(p.bottom),
        (fig.frame.tick_px * 0.4).round(),
        css_px(fig.frame.tick_px),
    );
    let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");

    // Title.
    if !fig.frame.title.is_empty() {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dy=\"0.35em\" \
             font-size=\"{}\" fill=\"#000\">{}</text>",
            num(f64::from(w) / 2.0),
            num(fig.frame.title_h * 0.55),
            css_px(fig.frame.title_px),
            escape(&fig.frame.title)
        );
    }

    // Grid.
    s.push_str("<g stroke=\"#000\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n");
    for &v in &fig.y.minor {
        let y = fig.px_y(v);
        let _ = writeln!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke-opacity=\"0.05\"/>",
            num(p.left),
            num(p.right),
            y = num(y)
        );
    }
    for (v, _) in &fig.y.ticks {
        let y = num(fig.px_y(*v));
        let _ = writeln!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke-opacity=\"0.13\"/>",
            num(p.left),
            num(p.right)
        );
    }
    s.push_str("</g>\n");
    x_axis(&mut s, fig);

    // Frame and tick marks.
    let tick = (fig.frame.tick_px * 0.4).round();
    let _ = writeln!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000\" \
         stroke-opacity=\"0.75\" shape-rendering=\"crispEdges\"/>",
        num(p.left),
        num(p.top),
        num(p.right - p.left),
        num(p.bottom - p.top)
    );
    let _ = writeln!(
        s,
        "<g font-size=\"{}\" fill=\"#282828\" stroke-opacity=\"0.75\">",
        css_px(fig.frame.tick_px)
    );
    for (v, label) in &fig.y.ticks {
        let y = fig.px_y(*v);
        let _ = writeln!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#000\"/>\
             <text x=\"{}\" y=\"{y}\" text-anchor=\"end\" dy=\"0.35em\">{}</text>",
            num(p.left - tick),
            num(p.left),
            num(p.left - tick - 4.0),
            escape(label),
            y = num(y)
        );
    }
    s.push_str("</g>\n");

    // Axis titles.
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"#000\">{}</text>",
        num((p.left + p.right) / 2.0),
        num(f64::from(h) - fig.frame.margin - fig.frame.desc_px * 0.35),
        css_px(fig.frame.desc_px),
        escape(X_LABEL)
    );
    let (yx, yy) = (
        fig.frame.margin + fig.frame.desc_px * 0.8,
        (p.top + p.bottom) / 2.0,
    );
    let _ = writeln!(
        s,
        "<text x=\"{x}\" y=\"{y}\" transform=\"rotate(-90 {x} {y})\" text-anchor=\"middle\" \
         dy=\"0.35em\" font-size=\"{}\" fill=\"#000\">{}</text>",
        css_px(fig.frame.desc_px),
        escape(&fig.y_label),
        x = num(yx),
        y = num(yy)
    );

    // Points (the only <circle> elements of the page).
    let _ = writeln!(
        s,
        "<defs><clipPath id=\"ts-clip\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
         </clipPath></defs>\n<g fill-opacity=\"{POINT_ALPHA}\" clip-path=\"url(#ts-clip)\">",
        num(p.left),
        num(p.top),
        num(p.right - p.left),
        num(p.bottom - p.top)
    );
    let r = num(fig.point_r);
    for pt in &fig.points {
        let lines = hover_lines(&points[pt.index]);
        let _ = writeln!(
            s,
            "<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"{r}\" fill=\"{}\" data-t=\"{}\">\
             <title>{}</title></circle>",
            num(fig.px_x(pt.t)),
            num(fig.px_y(pt.v)),
            hex(fig.series[pt.series].color),
            pt.t,
            escape(&lines.join("\n"))
        );
    }
    s.push_str("</g>\n");

    // Legend (swatches are rounded rects, so that every <circle> is a point).
    if fig.legend {
        let px = fig.frame.legend_px;
        let row = (px * 1.7).round();
        let pad = (px * 0.6).round();
        let x0 = f64::from(w) - fig.legend_w + (fig.frame.margin * 0.5).round();
        let height = row * fig.series.len() as f64 + 2.0 * pad;
        let _ = writeln!(
            s,
            "<g font-size=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" \
             stroke=\"#000\" stroke-opacity=\"0.25\"/>",
            css_px(px),
            num(x0),
            num(p.top),
            num(fig.legend_w - fig.frame.margin),
            num(height)
        );
        let sw = (px * 0.4).round();
        for (k, series) in fig.series.iter().enumerate() {
            let cy = p.top + pad + row * (k as f64 + 0.5);
            let cx = x0 + pad + sw;
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{d}\" height=\"{d}\" rx=\"{sw}\" fill=\"{}\" \
                 fill-opacity=\"{POINT_ALPHA}\"/><text x=\"{}\" y=\"{}\" \
                 dy=\"0.35em\" fill=\"#000\">{}</text>",
                num(cx - sw),
                num(cy - sw),
                hex(series.color),
                num(cx + sw + (px * 0.6).round()),
                num(cy),
                escape(&series.label),
                d = num(2.0 * sw),
                sw = num(sw)
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n<div class=\"tip\" id=\"ts-tip\"></div>\n</div>\n");

    let _ = write!(
        s,
        "<p class=\"note\">{} point{} drawn",
        fig.points.len(),
        if fig.points.len() == 1 { "" } else { "s" }
    );
    if fig.skipped > 0 {
        let _ = write!(
            s,
            "; {} not drawn (non-finite time or value{})",
            fig.skipped,
            if fig.y.log {
                ", or value ≤ 0 on the log axis"
            } else {
                ""
            }
        );
    }
    s.push_str(
        ". Hover over a point for details; wheel over the plot to zoom the time axis, \
         drag to pan, double-click to reset.\
         <button type=\"button\" id=\"ts-reset\">Reset zoom</button></p>\n",
    );
    let _ = write!(
        s,
        "<script>\n{SCRIPT}{ZOOM_SCRIPT}</script>\n</body>\n</html>\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{0}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
        assert_eq!(escape("a\nb"), "a\nb");
    }

    #[test]
    fn numbers() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.5), "12.5");
    }

    #[test]
    fn default_hover() {
        let p = TimelinePoint {
            time_unix_s: 0.0,
            value: 2e-6,
            group: "g".into(),
            hover: vec![],
        };
        assert_eq!(
            hover_lines(&p),
            ["group: g", "time: 1970-01-01 00:00:00 UTC", "value: 2e-6"]
        );
    }
}
