//! The vocabulary every method crate shares: checked params → `fit` →
//! fitted model, one `merge`, one model file.
//!
//! Each method crate used to copy linfa's `::params()` builder without
//! sharing anything with the others: validation was `check` in one crate,
//! private in another, `validate` in a third; fitted models merged through
//! eight different signatures and were saved in four styles. These four
//! traits are the whole contract (taken from linfa's `ParamGuard`/`Fit` and
//! argmin's habit of explicit state, no more than fits this toolkit):
//!
//! * [`ParamGuard`]: a params builder turns into *checked* params or an
//!   error naming the parameter, its value and the constraint
//!   ([`crate::Error::Param`]). Checked params cannot be built unchecked.
//! * [`Fit`]: checked params fit data into a fitted model. A blanket
//!   implementation lets unchecked params fit too (they are checked first),
//!   so `Model::params().alpha(0.5).fit(&data)?` reads as in linfa.
//! * [`Merge`]: statistics computed on parts of a log combine into the
//!   statistics of the whole, exactly. One signature for every type:
//!   `a.merge(&b)?` adds `b` into `a`. [`check_merge_law`] is the generic
//!   property test each mergeable type runs.
//! * [`ModelFile`]: a fitted model saved as JSON inside a versioned envelope
//!   (`{"format": …, "version": …, …fields}`), written whole or not at all,
//!   read back with the format name and version checked.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use threatstat_core::model::{Fit, Merge, ModelFile, ParamGuard};
//! use threatstat_core::Error;
//!
//! /// Params of a toy model: the rate of events per day, smoothed.
//! #[derive(Debug, Clone)]
//! struct RateParams { smoothing: f64 }
//! /// The checked version: only `ParamGuard::check` makes one.
//! #[derive(Debug, Clone)]
//! struct CheckedRateParams(RateParams);
//!
//! impl ParamGuard for RateParams {
//!     type Checked = CheckedRateParams;
//!     type Error = Error;
//!     fn check(&self) -> Result<CheckedRateParams, Error> {
//!         if !(self.smoothing >= 0.0 && self.smoothing.is_finite()) {
//!             return Err(Error::param("smoothing", self.smoothing, "a finite number >= 0"));
//!         }
//!         Ok(CheckedRateParams(self.clone()))
//!     }
//! }
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! struct Rate { events: u64, days: u64, smoothing: f64 }
//!
//! impl Fit<[u64]> for CheckedRateParams {
//!     type Fitted = Rate;
//!     type Error = Error;
//!     fn fit(&self, counts: &[u64]) -> Result<Rate, Error> {
//!         Ok(Rate { events: counts.iter().sum(), days: counts.len() as u64, smoothing: self.0.smoothing })
//!     }
//! }
//!
//! impl Merge for Rate {
//!     type Error = Error;
//!     fn merge(&mut self, other: &Rate) -> Result<(), Error> {
//!         if self.smoothing != other.smoothing {
//!             return Err(Error::incompatible("rates", "fitted with different smoothing"));
//!         }
//!         self.events += other.events;
//!         self.days += other.days;
//!         Ok(())
//!     }
//! }
//!
//! impl ModelFile for Rate {
//!     const FORMAT: &'static str = "example-rate";
//!     const VERSION: u32 = 1;
//!     type Error = Error;
//!     type File = Rate; // the file's body is the model's own serde form
//!     fn to_file(&self) -> Result<Rate, Error> { Ok(self.clone()) }
//!     fn from_file(f: Rate) -> Result<Rate, Error> { Ok(f) }
//! }
//!
//! let params = RateParams { smoothing: 0.5 };
//! let whole = params.fit(&[1, 0, 3, 2][..]).unwrap();        // checked, then fitted
//! let mut part = params.fit(&[1, 0][..]).unwrap();
//! part.merge(&params.fit(&[3, 2][..]).unwrap()).unwrap();
//! assert_eq!(part, whole);
//!
//! let json = whole.to_json().unwrap();
//! assert!(json.starts_with(r#"{"format":"example-rate","version":1,"#));
//! assert_eq!(Rate::from_json(&json).unwrap(), whole);
//!
//! let bad = RateParams { smoothing: -1.0 }.fit(&[1][..]).unwrap_err();
//! assert_eq!(bad.to_string(), "invalid parameter `smoothing`: expected a finite number >= 0, found -1");
//! ```

use crate::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A params builder that can be checked (linfa's `ParamGuard`).
///
/// `check` validates every parameter and returns the *checked* params,
/// a distinct type whose only constructor is this method, so a fit never
/// sees an unchecked value. Errors name the parameter
/// ([`Error::Param`](crate::Error::Param) or a crate error wrapping it).
/// See the [module example](self).
pub trait ParamGuard {
    /// The checked params.
    type Checked;
    /// The error a bad parameter gives.
    type Error;
    /// Validates every parameter.
    fn check(&self) -> Result<Self::Checked, Self::Error>;
}

/// Fitting data into a model (linfa's `Fit`).
///
/// Implemented by checked params; unchecked params fit through the blanket
/// implementation, which checks them first. `D` is the data the method
/// takes (sessions, a count series, points as an `ArrayView2`, …); it may
/// be unsized (`[u64]`, `str`). See the [module example](self).
pub trait Fit<D: ?Sized> {
    /// The fitted model.
    type Fitted;
    /// The error a fit gives.
    type Error;
    /// Fits `data`.
    fn fit(&self, data: &D) -> Result<Self::Fitted, Self::Error>;
}

impl<P, D> Fit<D> for P
where
    D: ?Sized,
    P: ParamGuard,
    P::Checked: Fit<D>,
    <P::Checked as Fit<D>>::Error: From<P::Error>,
{
    type Fitted = <P::Checked as Fit<D>>::Fitted;
    type Error = <P::Checked as Fit<D>>::Error;
    fn fit(&self, data: &D) -> Result<Self::Fitted, Self::Error> {
        self.check()?.fit(data)
    }
}

/// Statistics of parts of a log combine into the statistics of the whole.
///
/// `a.merge(&b)` adds `b` into `a`; afterwards `a` equals what one pass
/// over `a`'s data followed by `b`'s would have given (exactly, or to the
/// rounding a type documents). An error when the two are not compatible
/// (fitted with different params, different vocabularies that cannot be
/// joined); `a` is unchanged then. Every implementation runs
/// [`check_merge_law`] in its tests.
pub trait Merge {
    /// Why two values cannot be merged.
    type Error;
    /// Adds `other` into `self`.
    fn merge(&mut self, other: &Self) -> Result<(), Self::Error>;

    /// `self` with `other` added (a convenience over [`Merge::merge`]).
    fn merged(mut self, other: &Self) -> Result<Self, Self::Error>
    where
        Self: Sized,
    {
        self.merge(other)?;
        Ok(self)
    }
}

/// Merges `parts` left to right and checks the result equals `whole`:
/// the property test every [`Merge`] type runs (with parts split at
/// arbitrary points by proptest).
///
/// ```
/// use threatstat_core::model::{check_merge_law, Merge};
/// #[derive(Debug, Clone, PartialEq)]
/// struct Total(u64);
/// impl Merge for Total {
///     type Error = std::convert::Infallible;
///     fn merge(&mut self, o: &Total) -> Result<(), Self::Error> { self.0 += o.0; Ok(()) }
/// }
/// check_merge_law(&Total(6), &[Total(1), Total(2), Total(3)]).unwrap();
/// assert!(check_merge_law(&Total(7), &[Total(1), Total(2), Total(3)]).is_err());
/// ```
pub fn check_merge_law<T>(whole: &T, parts: &[T]) -> Result<(), String>
where
    T: Merge + Clone + PartialEq + std::fmt::Debug,
    T::Error: std::fmt::Display,
{
    let Some((first, rest)) = parts.split_first() else {
        return Err("no parts to merge".into());
    };
    let mut acc = first.clone();
    for p in rest {
        acc.merge(p).map_err(|e| format!("merge failed: {e}"))?;
    }
    if &acc == whole {
        Ok(())
    } else {
        Err(format!(
            "merging {} parts differs from the whole:\n merged: {acc:?}\n whole: {whole:?}",
            parts.len()
        ))
    }
}

/// A fitted model saved as a file: JSON in a versioned envelope.
///
/// The file is the model's serde form with two leading fields, `format`
/// (a name that says which model this is) and `version` (bumped when the
/// fields change), so a file of another model or of a newer build is
/// refused with a message instead of being misread. The body is
/// [`ModelFile::File`]: the model itself when its serde form is its file
/// form, or a separate serde type when the model holds derived tables
/// that are rebuilt on load ([`ModelFile::from_file`] validates and
/// rebuilds).
///
/// `save` writes whole or not at all (beside the target, then renamed);
/// `load` names the file in every error.
pub trait ModelFile: Sized {
    /// The format name written to `format`.
    const FORMAT: &'static str;
    /// The version written to `version`.
    const VERSION: u32;
    /// The oldest version this build still reads (default: only
    /// [`Self::VERSION`]); files of versions outside `OLDEST_VERSION..=VERSION`
    /// are refused. A model whose new version only leaves something out
    /// (and rebuilds it in [`Self::from_file`]) can keep reading old files.
    const OLDEST_VERSION: u32 = Self::VERSION;
    /// Whether `to_json` indents (for files meant to be read by people).
    const PRETTY: bool = false;
    /// The error type; core errors (I/O, a bad file) convert into it.
    type Error: From<Error>;
    /// The serde form of the file's body (without `format` and `version`).
    type File: Serialize + DeserializeOwned;

    /// The body written to the file.
    fn to_file(&self) -> Result<Self::File, Self::Error>;
    /// The model from a file's body (validate it: the file may be edited).
    fn from_file(file: Self::File) -> Result<Self, Self::Error>;

    /// The model as versioned JSON.
    fn to_json(&self) -> Result<String, Self::Error> {
        let env = Envelope {
            format: Self::FORMAT.into(),
            version: Self::VERSION,
            body: self.to_file()?,
        };
        let s = if Self::PRETTY {
            serde_json::to_string_pretty(&env)
        } else {
            serde_json::to_string(&env)
        };
        s.map_err(|e| {
            Error::model_file(
                None::<&Path>,
                format!("serialising a {} model: {e}", Self::FORMAT),
            )
            .into()
        })
    }

    /// Reads JSON written by [`ModelFile::to_json`], checking format and version.
    fn from_json(s: &str) -> Result<Self, Self::Error> {
        Self::from_file(parse_envelope::<Self::File>(
            s,
            Self::FORMAT,
            Self::OLDEST_VERSION..=Self::VERSION,
        )?)
    }

    /// Writes the model to `path` (whole or not at all).
    fn save(&self, path: &Path) -> Result<(), Self::Error> {
        let json = self.to_json()?;
        crate::atomic::write_atomically(path, |w| std::io::Write::write_all(w, json.as_bytes()))?;
        Ok(())
    }

    /// Loads a model from `path` (gzip allowed); envelope errors name the file.
    fn load(path: &Path) -> Result<Self, Self::Error> {
        let s = crate::reader::read_to_string(path)?;
        let file =
            parse_envelope::<Self::File>(&s, Self::FORMAT, Self::OLDEST_VERSION..=Self::VERSION)
                .map_err(|e| e.in_file(path))?;
        Self::from_file(file)
    }
}

/// `{"format": …, "version": …, …body}`.
#[derive(Serialize, Deserialize)]
struct Envelope<B> {
    format: String,
    version: u32,
    #[serde(flatten)]
    body: B,
}

/// The body of a model file after checking its format name and version.
fn parse_envelope<B: DeserializeOwned>(
    s: &str,
    format: &str,
    versions: std::ops::RangeInclusive<u32>,
) -> Result<B, Error> {
    let v: serde_json::Value = serde_json::from_str(s)
        .map_err(|e| Error::model_file(None::<&str>, format!("model file is not JSON: {e}")))?;
    let found = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if found != format {
        return Err(Error::model_file(
            None::<&str>,
            format!("wrong kind of model file (format `{found}`, expected `{format}`)"),
        ));
    }
    let found = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
    if !(u64::from(*versions.start())..=u64::from(*versions.end())).contains(&found) {
        let reads = if versions.start() == versions.end() {
            format!("version {}", versions.end())
        } else {
            format!("versions {} to {}", versions.start(), versions.end())
        };
        return Err(Error::model_file(
            None::<&str>,
            format!("model format version {found} is not supported (this build reads {reads})"),
        ));
    }
    let mut v = v;
    if let Some(o) = v.as_object_mut() {
        o.remove("format");
        o.remove("version");
    }
    serde_json::from_value(v)
        .map_err(|e| Error::model_file(None::<&str>, format!("invalid model file: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Toy {
        weights: Vec<f64>,
    }
    impl ModelFile for Toy {
        const FORMAT: &'static str = "toy";
        const VERSION: u32 = 2;
        type Error = Error;
        type File = Toy;
        fn to_file(&self) -> Result<Toy, Error> {
            Ok(self.clone())
        }
        fn from_file(f: Toy) -> Result<Toy, Error> {
            if f.weights.iter().any(|w| !w.is_finite()) {
                return Err(Error::data("weights", "must be finite"));
            }
            Ok(f)
        }
    }

    #[test]
    fn a_model_file_round_trips_floats_exactly() {
        let t = Toy {
            weights: vec![0.1, 1.0 / 3.0, 1e-300, -2.5e17],
        };
        let back = Toy::from_json(&t.to_json().unwrap()).unwrap();
        assert_eq!(back, t);
        let dir = std::env::temp_dir().join(format!("ts-core-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("toy.json");
        t.save(&p).unwrap();
        assert_eq!(Toy::load(&p).unwrap(), t);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_format_version_or_body_is_refused_with_the_reason() {
        let e = Toy::from_json(r#"{"format":"markov","version":2,"weights":[]}"#).unwrap_err();
        assert!(
            e.to_string().contains("format `markov`, expected `toy`"),
            "{e}"
        );
        let e = Toy::from_json(r#"{"format":"toy","version":3,"weights":[]}"#).unwrap_err();
        assert!(e.to_string().contains("version 3 is not supported"), "{e}");
        let e = Toy::from_json(r#"{"format":"toy","version":2,"weights":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid model file"), "{e}");
        let e = Toy::from_json("[").unwrap_err();
        assert!(e.to_string().contains("not JSON"), "{e}");
    }

    /// A model that still reads its previous version: versions 1 and 2
    /// load, 0 and 3 are refused naming the range.
    #[test]
    fn an_oldest_version_widens_what_is_read() {
        /// [`Toy`] (version 2) still reading version 1.
        #[derive(Debug)]
        struct ReadsV1(Toy);
        impl ModelFile for ReadsV1 {
            const FORMAT: &'static str = Toy::FORMAT;
            const VERSION: u32 = Toy::VERSION;
            const OLDEST_VERSION: u32 = 1;
            type Error = Error;
            type File = Toy;
            fn to_file(&self) -> Result<Toy, Error> {
                self.0.to_file()
            }
            fn from_file(f: Toy) -> Result<ReadsV1, Error> {
                Toy::from_file(f).map(ReadsV1)
            }
        }
        for v in [1, 2] {
            let json = format!(r#"{{"format":"toy","version":{v},"weights":[1.5]}}"#);
            assert_eq!(ReadsV1::from_json(&json).unwrap().0.weights, [1.5]);
        }
        for v in [0, 3] {
            let json = format!(r#"{{"format":"toy","version":{v},"weights":[]}}"#);
            let e = ReadsV1::from_json(&json).unwrap_err().to_string();
            assert!(e.contains("this build reads versions 1 to 2"), "{e}");
        }
        let t = ReadsV1(Toy { weights: vec![2.0] });
        assert!(t.to_json().unwrap().contains(r#""version":2"#));
    }

    #[test]
    fn load_names_the_file() {
        let dir = std::env::temp_dir().join(format!("ts-core-model-l-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("other.json");
        std::fs::write(&p, r#"{"format":"x","version":1}"#).unwrap();
        let e = Toy::load(&p).unwrap_err().to_string();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
