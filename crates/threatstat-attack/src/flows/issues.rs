//! What extraction reports: [`IssueKind`] and [`FlowIssue`] (one problem
//! with an action, edge or flow, and where it is).
//!
//! # Why a file of its own
//!
//! The issues are an output format of their own (text and JSON, warning
//! or error), read by analysts and by `--strict`; they are produced by
//! extraction but do not depend on how it works.

use serde::{Deserialize, Serialize};
use threatstat_core::Location;

/// What kind of problem a [`FlowIssue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A MITRE ATLAS id (AI systems matrix), not ATT&CK Enterprise.
    AtlasId,
    /// An ATT&CK for ICS id.
    IcsId,
    /// Shaped like an ATT&CK id but not in the catalogue (other matrix or typo).
    UnknownId,
    /// Not an ATT&CK id at all.
    MalformedId,
    /// A revoked technique (used with its recorded tactics).
    RevokedTechnique,
    /// A deprecated technique (used with its recorded tactics).
    DeprecatedTechnique,
    /// The action's tactic is not one ATT&CK lists for its technique (the action's tactic is kept).
    TacticNotOfTechnique,
    /// The tactic was chosen among several of the technique's tactics.
    ResolvedTactic,
    /// No Enterprise tactic: the action was removed and its edges contracted.
    Unlabelled,
    /// An edge with an index out of range (removed).
    BadEdge,
    /// An edge given twice (the copy was removed).
    DuplicateEdge,
    /// An edge that closed a cycle (removed).
    Cycle,
    /// No action of the flow has an Enterprise tactic.
    EmptyFlow,
}

impl IssueKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::AtlasId => "atlas_id",
            IssueKind::IcsId => "ics_id",
            IssueKind::UnknownId => "unknown_id",
            IssueKind::MalformedId => "malformed_id",
            IssueKind::RevokedTechnique => "revoked_technique",
            IssueKind::DeprecatedTechnique => "deprecated_technique",
            IssueKind::TacticNotOfTechnique => "tactic_not_of_technique",
            IssueKind::ResolvedTactic => "resolved_tactic",
            IssueKind::Unlabelled => "unlabelled",
            IssueKind::BadEdge => "bad_edge",
            IssueKind::DuplicateEdge => "duplicate_edge",
            IssueKind::Cycle => "cycle",
            IssueKind::EmptyFlow => "empty_flow",
        }
    }

    /// Whether the data lost something (a warning) rather than a choice
    /// being recorded (information: resolved tactics, kept tactics,
    /// revoked ids still used, duplicate edges).
    pub fn is_warning(self) -> bool {
        !matches!(
            self,
            IssueKind::ResolvedTactic
                | IssueKind::TacticNotOfTechnique
                | IssueKind::RevokedTechnique
                | IssueKind::DeprecatedTechnique
                | IssueKind::DuplicateEdge
        )
    }
}

/// A problem with one action, edge or flow, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowIssue {
    /// File, line (of the flow) and field (e.g. `actions[16].technique_id`).
    pub location: Location,
    /// The flow's name.
    pub flow: String,
    /// The action's index, if the issue is about one action.
    pub action: Option<usize>,
    /// What kind of issue.
    pub kind: IssueKind,
    /// What was found and what was done.
    pub message: String,
}

impl std::fmt::Display for FlowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} [flow `{}`]",
            self.location, self.message, self.flow
        )
    }
}

impl Serialize for FlowIssue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            file: Option<String>,
            line: Option<u64>,
            field: Option<&'a str>,
            flow: &'a str,
            action: Option<usize>,
            kind: IssueKind,
            warning: bool,
            message: &'a str,
        }
        View {
            file: self.location.file.as_ref().map(|p| p.display().to_string()),
            line: self.location.line,
            field: self.location.field.as_deref(),
            flow: &self.flow,
            action: self.action,
            kind: self.kind,
            warning: self.kind.is_warning(),
            message: &self.message,
        }
        .serialize(s)
    }
}
