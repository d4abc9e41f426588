//! The MITRE ATT&CK Enterprise catalogue: tactics in kill-chain order,
//! techniques and sub-techniques with their names and tactics, look-up by id
//! and by name, and the classification of ids that are *not* ATT&CK
//! Enterprise ids (ATLAS, ICS, typos) so that callers can report them.
//!
//! The bundled catalogue ([`Catalogue::bundled`]) is ATT&CK Enterprise v18.1,
//! compiled into the crate from `data/attack/tactics.csv` and
//! `data/attack/techniques.csv` (see `data/attack/README.md` for provenance
//! and the MITRE licence that travels with it).
//!
//! Revoked and deprecated techniques are kept, flagged
//! ([`Technique::revoked`], [`Technique::deprecated`]) with the tactics their
//! last STIX object recorded: old labelled data (flows drawn years ago, OTRF
//! captures of 2019–2022) use such ids, and dropping them would lose real
//! labels. Callers report them; [`Catalogue::probable_replacement`] names the
//! active technique with the same name when there is exactly one (the
//! `revoked-by` relationships are not part of the bundled data).
//!
//! # The files, one idea each
//!
//! * this file: the [`Catalogue`] (bundled or read from CSV), its
//!   [`Technique`]s and look-ups;
//! * `tactics`: [`Tactic`] and [`TacticSet`];
//! * `ids`: [`IdClass`], ids by shape (Enterprise, ATLAS, ICS, malformed);
//! * `labels`: [`UnknownLabel`] and the closest-id suggestions.

use crate::AttackError;
use ids::{tactic_shaped, technique_shaped};
use labels::closest;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use tactics::normalise_name;
use threatstat_core::{Error, Location};

mod ids;
mod labels;
mod tactics;

pub use ids::IdClass;
pub use labels::UnknownLabel;
pub use tactics::{Tactic, TacticSet};

/// The version of the bundled catalogue.
pub const BUNDLED_ATTACK_VERSION: &str = "ATT&CK Enterprise v18.1";

const TACTICS_CSV: &str = include_str!("../../../../data/attack/tactics.csv");
const TECHNIQUES_CSV: &str = include_str!("../../../../data/attack/techniques.csv");

/// One technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// ATT&CK id, e.g. `T1566.001`.
    pub id: String,
    /// Its own name, e.g. `Spearphishing Attachment`.
    pub name: String,
    /// `Parent: Name` for sub-techniques (e.g. `Phishing: Spearphishing
    /// Attachment`, the form Attack Flow and the ATT&CK site use), else the name.
    pub full_name: String,
    /// Tactics (kill-chain indices, ascending) the technique belongs to.
    pub tactics: Vec<usize>,
    /// Platforms (`Windows`, `Linux`, ...).
    pub platforms: Vec<String>,
    /// Revoked (replaced by another technique).
    pub revoked: bool,
    /// Deprecated (withdrawn without replacement).
    pub deprecated: bool,
}

impl Technique {
    /// Whether the id is a sub-technique id (`T1566.001`).
    pub fn is_subtechnique(&self) -> bool {
        self.id.contains('.')
    }

    /// The parent technique id of a sub-technique (`T1566` for `T1566.001`).
    pub fn parent_id(&self) -> Option<&str> {
        self.id.split_once('.').map(|(p, _)| p)
    }

    /// Neither revoked nor deprecated.
    pub fn is_active(&self) -> bool {
        !self.revoked && !self.deprecated
    }
}

/// The ATT&CK catalogue: tactics in kill-chain order and techniques.
///
/// ```
/// use threatstat_attack::{Catalogue, IdClass};
/// let c = Catalogue::bundled();
/// assert_eq!(c.version(), "ATT&CK Enterprise v18.1");
/// let t = c.technique("T1566.001").unwrap();
/// assert_eq!(t.full_name, "Phishing: Spearphishing Attachment");
/// assert_eq!(c.tactics().id(t.tactics[0]), "TA0001");
/// assert_eq!(c.techniques_by_name("phishing: spearphishing attachment")[0].id, "T1566.001");
/// assert_eq!(c.classify("AML.T0051.000"), IdClass::Atlas);
/// assert_eq!(c.classify("de"), IdClass::Malformed);
/// let e = c.resolve_label("T1566.01").unwrap_err().to_string();
/// assert!(e.contains("T1566.001"), "{e}");
/// ```
#[derive(Debug, Clone)]
pub struct Catalogue {
    version: String,
    tactics: TacticSet,
    techniques: Vec<Technique>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Catalogue {
    /// The bundled ATT&CK Enterprise v18.1 catalogue (parsed once, on first use).
    pub fn bundled() -> &'static Catalogue {
        static CAT: OnceLock<Catalogue> = OnceLock::new();
        CAT.get_or_init(|| {
            Catalogue::from_csv_text(
                TACTICS_CSV,
                TECHNIQUES_CSV,
                BUNDLED_ATTACK_VERSION,
                Path::new("data/attack"),
            )
            .expect("the bundled ATT&CK CSV files are valid")
        })
    }

    /// Reads `tactics.csv` (`order,tactic_id,shortname,name`) and
    /// `techniques.csv` (`technique_id,name,is_subtechnique,tactics,platforms,revoked,deprecated`,
    /// tactics as `;`-separated short names) from `dir`, the format of
    /// `data/attack/`; `version` is recorded (e.g. `ATT&CK Enterprise v18.1`).
    pub fn from_dir(dir: &Path, version: &str) -> Result<Catalogue, AttackError> {
        let tp = dir.join("tactics.csv");
        let qp = dir.join("techniques.csv");
        let t = threatstat_core::reader::read_to_string(&tp)?;
        let q = threatstat_core::reader::read_to_string(&qp)?;
        Catalogue::from_csv_text(&t, &q, version, dir)
    }

    fn from_csv_text(
        tactics_csv: &str,
        techniques_csv: &str,
        version: &str,
        dir: &Path,
    ) -> Result<Catalogue, AttackError> {
        let tp = dir.join("tactics.csv");
        let rows = read_csv(
            tactics_csv,
            &tp,
            &["order", "tactic_id", "shortname", "name"],
        )?;
        let mut ordered: Vec<(u64, Tactic)> = Vec::new();
        for (line, r) in rows {
            let order = r[0].trim().parse::<u64>().map_err(|_| {
                Error::parse(
                    Location::file(&tp).at_line(line).in_field("order"),
                    format!("expected a positive integer, found `{}`", r[0]),
                )
            })?;
            ordered.push((
                order,
                Tactic {
                    id: r[1].trim().to_string(),
                    shortname: r[2].trim().to_string(),
                    name: r[3].trim().to_string(),
                },
            ));
        }
        ordered.sort_by_key(|(o, _)| *o);
        let tactics = TacticSet::new(ordered.into_iter().map(|(_, t)| t).collect())?;
        let by_short: HashMap<&str, usize> = tactics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.shortname.as_str(), i))
            .collect();

        let qp = dir.join("techniques.csv");
        let cols = [
            "technique_id",
            "name",
            "is_subtechnique",
            "tactics",
            "platforms",
            "revoked",
            "deprecated",
        ];
        let rows = read_csv(techniques_csv, &qp, &cols)?;
        let mut techniques = Vec::with_capacity(rows.len());
        let mut by_id = HashMap::new();
        for (line, r) in rows {
            let loc = |f: &str| Location::file(&qp).at_line(line).in_field(f);
            let id = r[0].trim().to_ascii_uppercase();
            if !technique_shaped(&id) {
                return Err(Error::parse(
                    loc("technique_id"),
                    format!("expected an id like T1566 or T1566.001, found `{}`", r[0]),
                )
                .into());
            }
            let flag = |i: usize| -> Result<bool, Error> {
                match r[i].trim() {
                    "true" | "True" | "TRUE" => Ok(true),
                    "false" | "False" | "FALSE" | "" => Ok(false),
                    x => Err(Error::parse(
                        loc(cols[i]),
                        format!("expected true or false, found `{x}`"),
                    )),
                }
            };
            let mut tacs = Vec::new();
            for s in r[3].split(';').map(str::trim).filter(|s| !s.is_empty()) {
                match by_short.get(s) {
                    Some(&i) => tacs.push(i),
                    None => {
                        return Err(Error::parse(
                            loc("tactics"),
                            format!("unknown tactic short name `{s}`"),
                        )
                        .into());
                    }
                }
            }
            tacs.sort_unstable();
            tacs.dedup();
            let t = Technique {
                name: r[1].trim().to_string(),
                full_name: String::new(),
                tactics: tacs,
                platforms: r[4]
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                revoked: flag(5)?,
                deprecated: flag(6)?,
                id: id.clone(),
            };
            if by_id.insert(id.clone(), techniques.len()).is_some() {
                return Err(
                    Error::parse(loc("technique_id"), format!("duplicate id `{id}`")).into(),
                );
            }
            techniques.push(t);
        }
        // Full names: "Parent: Sub" for sub-techniques.
        for i in 0..techniques.len() {
            let full = match techniques[i].parent_id() {
                Some(p) => match by_id.get(p) {
                    Some(&pi) => format!("{}: {}", techniques[pi].name, techniques[i].name),
                    None => techniques[i].name.clone(),
                },
                None => techniques[i].name.clone(),
            };
            techniques[i].full_name = full;
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in techniques.iter().enumerate() {
            by_name.entry(normalise_name(&t.name)).or_default().push(i);
            if t.full_name != t.name {
                by_name
                    .entry(normalise_name(&t.full_name))
                    .or_default()
                    .push(i);
            }
        }
        Ok(Catalogue {
            version: version.to_string(),
            tactics,
            techniques,
            by_id,
            by_name,
        })
    }

    /// The data version, e.g. `ATT&CK Enterprise v18.1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The tactics in kill-chain order.
    pub fn tactics(&self) -> &TacticSet {
        &self.tactics
    }

    /// All techniques and sub-techniques (including revoked and deprecated ones), in file order.
    pub fn techniques(&self) -> &[Technique] {
        &self.techniques
    }

    /// The technique with this id (case-insensitive), including revoked and deprecated ones.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.technique_index(id).map(|i| &self.techniques[i])
    }

    fn technique_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(&id.trim().to_ascii_uppercase()).copied()
    }

    /// Techniques whose name or full name (`Parent: Sub`) matches `name`
    /// case-insensitively; active techniques first, then by id. Names are
    /// not unique (e.g. `Cloud Accounts` is a sub-technique of three techniques).
    pub fn techniques_by_name(&self, name: &str) -> Vec<&Technique> {
        let mut v: Vec<&Technique> = self
            .by_name
            .get(&normalise_name(name))
            .map(|ix| ix.iter().map(|&i| &self.techniques[i]).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| {
            b.is_active()
                .cmp(&a.is_active())
                .then_with(|| a.id.cmp(&b.id))
        });
        v.dedup_by(|a, b| a.id == b.id);
        v
    }

    /// For a revoked technique, the one active technique with the same name
    /// (the usual replacement, e.g. T1076 → T1021.001 "Remote Desktop
    /// Protocol"); None when there is none or more than one. A heuristic:
    /// the `revoked-by` relationships are not in the bundled data.
    pub fn probable_replacement(&self, id: &str) -> Option<&Technique> {
        let t = self.technique(id)?;
        if !t.revoked {
            return None;
        }
        let same: Vec<&Technique> = self
            .techniques_by_name(&t.name)
            .into_iter()
            .filter(|c| c.is_active())
            .collect();
        match same.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// What `raw` is: a tactic (id, short name or name), a technique id of
    /// this catalogue, or a foreign or malformed id.
    pub fn classify(&self, raw: &str) -> IdClass {
        let s = raw.trim();
        let u = s.to_ascii_uppercase();
        if u.contains("AML.") {
            return IdClass::Atlas;
        }
        if tactic_shaped(&u) {
            return match self.tactics.index_of(&u) {
                Some(i) => IdClass::Tactic(i),
                None if u[2..].starts_with("01") => IdClass::Ics,
                None => IdClass::UnknownTactic,
            };
        }
        if technique_shaped(&u) {
            return match self.technique_index(&u) {
                Some(i) => IdClass::Technique(i),
                None if u.starts_with("T08") => IdClass::Ics,
                None => IdClass::UnknownTechnique,
            };
        }
        match self.tactics.index_of(s) {
            Some(i) => IdClass::Tactic(i),
            None => IdClass::Malformed,
        }
    }

    /// Resolves a label that may be a tactic (id, short name, name) or a
    /// technique id; an unknown label is an error that names it and suggests
    /// the closest ids.
    pub fn resolve_label(&self, raw: &str) -> Result<IdClass, AttackError> {
        match self.classify(raw) {
            c @ (IdClass::Tactic(_) | IdClass::Technique(_)) => Ok(c),
            c => Err(AttackError::UnknownLabels(vec![self.unknown_label(raw, c)])),
        }
    }

    /// The error description of a label that is not in the catalogue.
    /// Foreign ids (ATLAS, ICS) get no suggestions: they are not typos.
    /// Whether a tactic or a technique was meant is guessed from the label.
    pub fn unknown_label(&self, raw: &str, class: IdClass) -> UnknownLabel {
        self.unknown_label_as(raw, class, None)
    }

    /// Like [`Catalogue::unknown_label`] for a field that holds tactics
    /// (`tactic = true`) or techniques (`false`): only those are suggested.
    pub fn unknown_label_as(
        &self,
        raw: &str,
        class: IdClass,
        tactic: Option<bool>,
    ) -> UnknownLabel {
        let up = raw.trim().to_ascii_uppercase();
        let u = up.rsplit("AML.").next().unwrap_or(&up);
        let guess_tactic = u.starts_with("TA") || class == IdClass::UnknownTactic;
        let guess_technique = !guess_tactic && u.starts_with('T');
        let (tactic_like, technique_like) = match tactic {
            Some(t) => (t, !t),
            None => (guess_tactic, guess_technique),
        };
        let mut candidates: Vec<(String, String)> = Vec::new();
        if !technique_like {
            candidates.extend(self.tactics.iter().map(|t| (t.id.clone(), t.name.clone())));
        }
        if !tactic_like {
            candidates.extend(
                self.techniques
                    .iter()
                    .filter(|t| t.is_active())
                    .map(|t| (t.id.clone(), t.full_name.clone())),
            );
        }
        UnknownLabel {
            label: raw.to_string(),
            expected: if tactic_like {
                "tactic"
            } else if technique_like {
                "technique"
            } else {
                "tactic or technique"
            },
            note: class.describe(&self.version),
            suggestions: if matches!(class, IdClass::Atlas | IdClass::Ics) {
                Vec::new()
            } else {
                closest(raw, &candidates, 3)
            },
        }
    }
}

/// Reads an in-memory CSV with the required columns (by name); returns the
/// 1-based line and the fields in the order of `cols` (lines as an editor
/// numbers them, CRLF included: the shared `CsvTable`).
fn read_csv(text: &str, path: &Path, cols: &[&str]) -> Result<Vec<(u64, Vec<String>)>, Error> {
    let bytes = std::io::Cursor::new(text.as_bytes().to_vec());
    let mut t = threatstat_core::reader::CsvTable::from_reader(path, Box::new(bytes))?;
    let idx = cols
        .iter()
        .map(|c| t.column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rec = csv::ByteRecord::new();
    let mut out = Vec::new();
    while let Some(line) = t.next_record(&mut rec)? {
        let fields = idx
            .iter()
            .map(|&i| t.field(&rec, i, line).map(str::to_string))
            .collect::<Result<_, _>>()?;
        out.push((line, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_csv_lines_are_exact_after_crlf() {
        let text = "\u{feff}id,name\r\nTA1,a\r\nTA2\r\n";
        let e = read_csv(text, Path::new("t.csv"), &["id", "name"])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:3: expected 2 fields"), "{e}");
        let rows = read_csv("id\r\n\r\nTA1\r\n", Path::new("t.csv"), &["id"]).unwrap();
        assert_eq!(rows, [(3, vec!["TA1".to_string()])]);
    }

    #[test]
    fn bundled_counts_match_the_readme() {
        let c = Catalogue::bundled();
        assert_eq!(c.tactics().len(), 14);
        assert_eq!(c.techniques().len(), 835);
        let active: Vec<&Technique> = c.techniques().iter().filter(|t| t.is_active()).collect();
        assert_eq!(active.len(), 691);
        assert_eq!(active.iter().filter(|t| !t.is_subtechnique()).count(), 216);
        assert_eq!(active.iter().filter(|t| t.tactics.len() > 1).count(), 154);
        let ids: Vec<&str> = c.tactics().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0006",
                "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"
            ]
        );
        // Defense evasion has 215 active techniques (README).
        let de = c.tactics().index_of("defense-evasion").unwrap();
        assert_eq!(
            active.iter().filter(|t| t.tactics.contains(&de)).count(),
            215
        );
    }

    #[test]
    fn classification_of_real_corpus_oddities() {
        let c = Catalogue::bundled();
        assert_eq!(c.classify("AML.TA0003"), IdClass::Atlas);
        assert_eq!(
            c.classify("[ATL] AML.T0095.000 Code Repositories"),
            IdClass::Atlas
        );
        assert_eq!(c.classify("TA0104"), IdClass::Ics);
        assert_eq!(c.classify("T0834"), IdClass::Ics);
        assert_eq!(c.classify("T1533"), IdClass::UnknownTechnique);
        assert_eq!(c.classify("T0000"), IdClass::UnknownTechnique);
        assert_eq!(c.classify("TA0099"), IdClass::UnknownTactic);
        assert_eq!(c.classify("de"), IdClass::Malformed);
        assert!(matches!(c.classify(" t1076 "), IdClass::Technique(_)));
        assert!(c.technique("T1076").unwrap().revoked);
        assert_eq!(c.probable_replacement("T1076").unwrap().id, "T1021.001");
        assert!(matches!(c.classify("Lateral Movement"), IdClass::Tactic(9)));
    }
}
