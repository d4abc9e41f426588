//! Old flag spellings: they keep working for one release, with a note.
//!
//! The CLI vocabulary (README, "One CLI vocabulary") renamed flags that
//! meant different things in different commands (`--alpha` was a prior
//! rate, a smoothing constant and a significance level; `--model` a file
//! and a model kind). Scripts written against the old names must not break
//! at once: each old spelling is a hidden clap `alias` of its new flag, and
//! listed in [`RENAMED`] so that using it prints one note on stderr saying
//! what to write instead. The table is the single record of what was
//! renamed; a test checks every entry is a real alias of its command.

/// One renamed flag of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renamed {
    /// The command as typed, e.g. `"changepoint logons"` or `"mwu"`.
    pub command: &'static str,
    /// The old spelling, without dashes.
    pub old: &'static str,
    /// The new spelling, without dashes.
    pub new: &'static str,
}

/// Every renamed flag (kept for one release after the rename).
pub const RENAMED: &[Renamed] = &[
    Renamed {
        command: "markov fit",
        old: "sessions",
        new: "input",
    },
    Renamed {
        command: "markov fit",
        old: "model-out",
        new: "out",
    },
    Renamed {
        command: "markov score",
        old: "sessions",
        new: "input",
    },
    Renamed {
        command: "markov likelihood",
        old: "sessions",
        new: "input",
    },
    Renamed {
        command: "markov explain",
        old: "sessions",
        new: "input",
    },
    Renamed {
        command: "markov plot",
        old: "scores",
        new: "input",
    },
    Renamed {
        command: "kde",
        old: "data",
        new: "input",
    },
    Renamed {
        command: "acf",
        old: "series",
        new: "input",
    },
    Renamed {
        command: "cloudtrail automation",
        old: "window",
        new: "dates",
    },
    Renamed {
        command: "attack train",
        old: "flows",
        new: "input",
    },
    Renamed {
        command: "attack train",
        old: "alpha",
        new: "smoothing",
    },
    Renamed {
        command: "attack loo",
        old: "flows",
        new: "input",
    },
    Renamed {
        command: "attack loo",
        old: "alphas",
        new: "smoothings",
    },
    Renamed {
        command: "changepoint fit",
        old: "counts",
        new: "input",
    },
    Renamed {
        command: "changepoint fit",
        old: "model",
        new: "kind",
    },
    Renamed {
        command: "changepoint fit",
        old: "alpha",
        new: "prior-rate",
    },
    Renamed {
        command: "changepoint logons",
        old: "logon",
        new: "input",
    },
    Renamed {
        command: "changepoint logons",
        old: "model",
        new: "kind",
    },
    Renamed {
        command: "changepoint logons",
        old: "alpha",
        new: "prior-rate",
    },
    Renamed {
        command: "features run",
        old: "auth",
        new: "input",
    },
    Renamed {
        command: "features run",
        old: "window",
        new: "label-window",
    },
    Renamed {
        command: "lanl uploads",
        old: "alpha",
        new: "level",
    },
];

/// The subcommand words of `args` (program name excluded): the leading
/// arguments that are not flags.
fn command_words(args: &[String]) -> Vec<&str> {
    args.iter()
        .take_while(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect()
}

/// The notes to print for `args` (without the program name): one per old
/// spelling used.
pub fn notes(args: &[String], table: &[Renamed]) -> Vec<String> {
    let words = command_words(args).join(" ");
    let mut out = Vec::new();
    for r in table.iter().filter(|r| r.command == words) {
        let used = args.iter().any(|a| {
            a.strip_prefix("--").is_some_and(|f| {
                f == r.old || f.strip_prefix(r.old).is_some_and(|t| t.starts_with('='))
            })
        });
        if used {
            out.push(format!(
                "note: `{} --{}` is deprecated and will be removed in the next release; use `--{}`",
                r.command, r.old, r.new
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    const T: &[Renamed] = &[Renamed {
        command: "changepoint logons",
        old: "logon",
        new: "input",
    }];

    #[test]
    fn an_old_spelling_gets_one_note_in_its_command_only() {
        let n = notes(&args("changepoint logons --logon a.csv --out d"), T);
        assert_eq!(n.len(), 1);
        assert!(n[0].contains("use `--input`"), "{}", n[0]);
        assert_eq!(notes(&args("changepoint logons --logon=a.csv"), T).len(), 1);
        assert!(notes(&args("changepoint logons --input a.csv"), T).is_empty());
        assert!(notes(&args("changepoint fit --logon a.csv"), T).is_empty());
        assert!(notes(&args("changepoint logons --logons a.csv"), T).is_empty());
    }

    /// Every entry is an alias its command accepts, so the note never
    /// names a flag that does not parse.
    #[test]
    fn every_renamed_flag_is_an_alias_of_its_new_flag() {
        use clap::CommandFactory;
        let root = crate::Cli::command();
        for r in RENAMED {
            let mut cmd = &root;
            for w in r.command.split(' ') {
                cmd = cmd
                    .find_subcommand(w)
                    .unwrap_or_else(|| panic!("no command `{}`", r.command));
            }
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(r.new))
                .unwrap_or_else(|| panic!("`{}` has no --{}", r.command, r.new));
            let aliases = arg.get_all_aliases().unwrap_or_default();
            assert!(
                aliases.contains(&r.old),
                "`{} --{}` is not an alias of --{}",
                r.command,
                r.old,
                r.new
            );
        }
    }
}
