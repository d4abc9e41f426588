//! `attack lookup`: tactics and techniques of the bundled catalogue.

use super::*;

#[derive(Args)]
pub struct LookupArgs {
    /// Tactic ids, names or technique ids.
    labels: Vec<String>,
    /// Look techniques up by name instead of id.
    #[arg(long)]
    by_name: bool,
}

pub(super) fn lookup(a: &LookupArgs) -> Res {
    let cat = Catalogue::bundled();
    let mut out = Vec::new();
    for l in &a.labels {
        if a.by_name {
            let found = cat.techniques_by_name(l);
            if found.is_empty() {
                if let Some(t) = cat.tactics().index_of(l) {
                    out.push(tactic_json(cat, t));
                    continue;
                }
                return Err(format!("no technique or tactic named `{l}`").into());
            }
            out.extend(found.into_iter().map(|t| technique_json(cat, t)));
            continue;
        }
        match cat.resolve_label(l)? {
            IdClass::Tactic(t) => out.push(tactic_json(cat, t)),
            IdClass::Technique(i) => out.push(technique_json(cat, &cat.techniques()[i])),
            _ => unreachable!("resolve_label returns tactics and techniques"),
        }
    }
    print_json(&json!({"attack_version": cat.version(), "results": out}))
}

fn tactic_json(cat: &Catalogue, t: usize) -> Value {
    let x = cat.tactics().get(t).expect("index from the catalogue");
    json!({"kind": "tactic", "id": x.id, "shortname": x.shortname, "name": x.name, "kill_chain_order": t + 1})
}

fn technique_json(cat: &Catalogue, t: &threatstat_attack::Technique) -> Value {
    let tactics: Vec<Value> = t
        .tactics
        .iter()
        .map(|&i| json!({"id": cat.tactics().id(i), "name": cat.tactics().name(i)}))
        .collect();
    json!({
        "kind": if t.is_subtechnique() { "sub-technique" } else { "technique" },
        "id": t.id,
        "name": t.name,
        "full_name": t.full_name,
        "tactics": tactics,
        "platforms": t.platforms,
        "revoked": t.revoked,
        "deprecated": t.deprecated,
        "probable_replacement": cat.probable_replacement(&t.id).map(|r| r.id.clone()),
    })
}
