//! `results/index.html`: one section per analysis, readable offline.

use crate::{Error, Summary};
use std::fmt::Write;
use std::path::Path;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An analysis that failed, for the report.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Directory name of the analysis.
    pub name: String,
    /// What stopped it.
    pub error: String,
}

/// Writes `out/index.html` for `summaries`, with a section for each
/// failed analysis.
pub fn write_index(out: &Path, summaries: &[Summary], failures: &[Failure]) -> Result<(), Error> {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>threatstat results</title>\n\
         <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}\
         img{max-width:100%;border:1px solid #ddd}table{border-collapse:collapse;margin:1em 0}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.no{color:#b00}.yes{color:#070}</style>\n\
         </head><body>\n<h1>threatstat: reproduced analyses</h1>\n",
    );
    h.push_str("<ul>\n");
    for s in summaries {
        let _ = writeln!(
            h,
            "<li><a href=\"#{0}\">{1}</a></li>",
            esc(&s.name),
            esc(&s.title)
        );
    }
    for f in failures {
        let _ = writeln!(
            h,
            "<li class=\"no\"><a href=\"#{0}\">{0}: failed</a></li>",
            esc(&f.name)
        );
    }
    h.push_str("</ul>\n");
    for f in failures {
        let _ = writeln!(
            h,
            "<section id=\"{0}\"><h2 class=\"no\">{0}: failed</h2>\n<pre>{1}</pre></section>",
            esc(&f.name),
            esc(&f.error)
        );
    }
    for s in summaries {
        let _ = write!(
            h,
            "<section id=\"{0}\"><h2>{1}</h2>\n<p>{2}</p>\n",
            esc(&s.name),
            esc(&s.title),
            esc(&s.finding)
        );
        h.push_str("<table><tr><th>quantity</th><th>value</th></tr>\n");
        for (k, v) in &s.key_numbers {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v));
        }
        h.push_str("</table>\n");
        if !s.comparisons.is_empty() {
            h.push_str("<table><tr><th>compared with the publication</th><th>published</th><th>threatstat</th><th></th></tr>\n");
            for c in &s.comparisons {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                    esc(&c.quantity),
                    esc(&c.published),
                    esc(&c.ours),
                    if c.agrees { "yes" } else { "no" },
                    if c.agrees { "agrees" } else { "differs" }
                );
            }
            h.push_str("</table>\n");
        }
        for f in &s.figures {
            let _ = writeln!(h, "<p><img src=\"{0}\" alt=\"{0}\"></p>", esc(f));
        }
        for f in &s.interactive {
            let _ = writeln!(
                h,
                "<p><a href=\"{0}\">interactive version: {0}</a></p>",
                esc(f)
            );
        }
        let _ = writeln!(
            h,
            "<p><small>{:.2} s; files in <code>{}/</code></small></p></section>",
            s.seconds,
            esc(&s.name)
        );
    }
    h.push_str("</body></html>\n");
    std::fs::create_dir_all(out)?;
    crate::write_file(out.join("index.html"), h)?;
    Ok(())
}
