//! `auth.txt`: authentication events.

use super::names::{ComputerId, LabelId, Names, UserId};
use super::reader::{LanlReader, LanlRecord, opt_name, shown, uint};
use crate::DatasetError;
use std::path::Path;
use threatstat_core::BadRowPolicy;

/// The logon type of an authentication event (Windows logon types as LANL
/// spells them).
///
/// Spellings this crate does not know are kept as [`LogonType::Other`] with
/// the text interned in the reader's [`Names`] (so an unexpected value in a
/// 1-billion-line file is data, not a failure). An `Other` id is only
/// meaningful with the `Names` it came from.
///
/// ```
/// use threatstat_datasets::lanl::{LogonType, Names};
/// let mut n = Names::default();
/// assert_eq!(LogonType::from_bytes(b"RemoteInteractive", &mut n), LogonType::RemoteInteractive);
/// assert!(LogonType::CachedInteractive.is_interactive());
/// assert!(!LogonType::Network.is_interactive());
/// let odd = LogonType::from_bytes(b"Weird", &mut n);
/// assert_eq!(odd.name(&n), "Weird");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogonType {
    /// `Interactive`: at the computer's console.
    Interactive,
    /// `RemoteInteractive`: remote desktop.
    RemoteInteractive,
    /// `CachedInteractive`: console logon with cached credentials.
    CachedInteractive,
    /// `Network`.
    Network,
    /// `Batch`: scheduled tasks.
    Batch,
    /// `Service`.
    Service,
    /// `Unlock`: unlocking a locked workstation.
    Unlock,
    /// `NetworkCleartext`.
    NetworkCleartext,
    /// `NewCredentials`.
    NewCredentials,
    /// Another spelling, interned as a label.
    Other(LabelId),
}

impl LogonType {
    /// The known logon types, in declaration order.
    pub const KNOWN: [LogonType; 9] = [
        LogonType::Interactive,
        LogonType::RemoteInteractive,
        LogonType::CachedInteractive,
        LogonType::Network,
        LogonType::Batch,
        LogonType::Service,
        LogonType::Unlock,
        LogonType::NetworkCleartext,
        LogonType::NewCredentials,
    ];

    /// The known logon type spelled `b`, if any.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LogonType;
    /// assert_eq!(LogonType::known(b"Batch"), Some(LogonType::Batch));
    /// assert_eq!(LogonType::known(b"batch"), None);
    /// ```
    #[inline]
    pub fn known(b: &[u8]) -> Option<LogonType> {
        Some(match b {
            b"Interactive" => LogonType::Interactive,
            b"RemoteInteractive" => LogonType::RemoteInteractive,
            b"CachedInteractive" => LogonType::CachedInteractive,
            b"Network" => LogonType::Network,
            b"Batch" => LogonType::Batch,
            b"Service" => LogonType::Service,
            b"Unlock" => LogonType::Unlock,
            b"NetworkCleartext" => LogonType::NetworkCleartext,
            b"NewCredentials" => LogonType::NewCredentials,
            _ => return None,
        })
    }

    /// The logon type spelled `b` (UTF-8, not `?`), interning an unknown
    /// spelling in `names`. Invalid UTF-8 is interned lossily.
    #[inline]
    pub fn from_bytes(b: &[u8], names: &mut Names) -> LogonType {
        LogonType::known(b)
            .unwrap_or_else(|| LogonType::Other(names.intern_label(&String::from_utf8_lossy(b))))
    }

    /// The spelling of a known type (`None` for [`LogonType::Other`]).
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LogonType;
    /// assert_eq!(LogonType::NewCredentials.as_str(), Some("NewCredentials"));
    /// ```
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            LogonType::Interactive => "Interactive",
            LogonType::RemoteInteractive => "RemoteInteractive",
            LogonType::CachedInteractive => "CachedInteractive",
            LogonType::Network => "Network",
            LogonType::Batch => "Batch",
            LogonType::Service => "Service",
            LogonType::Unlock => "Unlock",
            LogonType::NetworkCleartext => "NetworkCleartext",
            LogonType::NewCredentials => "NewCredentials",
            LogonType::Other(_) => return None,
        })
    }

    /// The spelling, looking up [`LogonType::Other`] in `names`.
    pub fn name(self, names: &Names) -> &str {
        match (self, self.as_str()) {
            (_, Some(s)) => s,
            (LogonType::Other(id), None) => names.label(id),
            (_, None) => unreachable!("only Other has no static spelling"),
        }
    }

    /// `Interactive`, `RemoteInteractive` or `CachedInteractive`: a person
    /// at a keyboard (the logon types [`OwnerRule`](super::OwnerRule) counts by default).
    #[inline]
    pub fn is_interactive(self) -> bool {
        matches!(
            self,
            LogonType::Interactive | LogonType::RemoteInteractive | LogonType::CachedInteractive
        )
    }
}

/// The authentication orientation of an event.
///
/// Unknown spellings are [`Orientation::Other`], as for [`LogonType`].
///
/// ```
/// use threatstat_datasets::lanl::{Names, Orientation};
/// let mut n = Names::default();
/// assert_eq!(Orientation::from_bytes(b"TGS", &mut n), Orientation::Tgs);
/// assert_eq!(Orientation::LogOn.as_str(), Some("LogOn"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// `LogOn`.
    LogOn,
    /// `LogOff`.
    LogOff,
    /// `TGS`: Kerberos service ticket.
    Tgs,
    /// `TGT`: Kerberos ticket-granting ticket.
    Tgt,
    /// `AuthMap`.
    AuthMap,
    /// Another spelling, interned as a label.
    Other(LabelId),
}

impl Orientation {
    /// The known orientation spelled `b`, if any.
    #[inline]
    pub fn known(b: &[u8]) -> Option<Orientation> {
        Some(match b {
            b"LogOn" => Orientation::LogOn,
            b"LogOff" => Orientation::LogOff,
            b"TGS" => Orientation::Tgs,
            b"TGT" => Orientation::Tgt,
            b"AuthMap" => Orientation::AuthMap,
            _ => return None,
        })
    }

    /// The orientation spelled `b`, interning an unknown spelling in `names`.
    #[inline]
    pub fn from_bytes(b: &[u8], names: &mut Names) -> Orientation {
        Orientation::known(b)
            .unwrap_or_else(|| Orientation::Other(names.intern_label(&String::from_utf8_lossy(b))))
    }

    /// The spelling of a known orientation (`None` for [`Orientation::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Orientation::LogOn => "LogOn",
            Orientation::LogOff => "LogOff",
            Orientation::Tgs => "TGS",
            Orientation::Tgt => "TGT",
            Orientation::AuthMap => "AuthMap",
            Orientation::Other(_) => return None,
        })
    }

    /// The spelling, looking up [`Orientation::Other`] in `names`.
    pub fn name(self, names: &Names) -> &str {
        match (self, self.as_str()) {
            (_, Some(s)) => s,
            (Orientation::Other(id), None) => names.label(id),
            (_, None) => unreachable!("only Other has no static spelling"),
        }
    }
}

/// The last field of `auth.txt`: `Success` or `Fail` (nothing else is
/// accepted; `?` is `None` in [`AuthEvent::outcome`]).
///
/// ```
/// use threatstat_datasets::lanl::Outcome;
/// assert_eq!(Outcome::from_bytes(b"Fail"), Some(Outcome::Fail));
/// assert_eq!(Outcome::from_bytes(b"Failure"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `Success`.
    Success,
    /// `Fail`.
    Fail,
}

impl Outcome {
    /// `Success` or `Fail` exactly.
    #[inline]
    pub fn from_bytes(b: &[u8]) -> Option<Outcome> {
        match b {
            b"Success" => Some(Outcome::Success),
            b"Fail" => Some(Outcome::Fail),
            _ => None,
        }
    }

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "Success",
            Outcome::Fail => "Fail",
        }
    }
}

/// One line of `auth.txt`:
/// `time,source user@domain,destination user@domain,source computer,destination computer,authentication type,logon type,authentication orientation,success/failure`.
///
/// Names are ids in the reader's [`Names`]; every field but `time` may be
/// `?` in the file, which is `None` here.
///
/// ```
/// use threatstat_datasets::lanl::{AuthReader, LogonType, Orientation, Outcome};
/// let mut r = AuthReader::from_reader("auth.txt",
///     std::io::Cursor::new("1,C625$@DOM1,U147@DOM1,C625,C625,Negotiate,Batch,LogOn,Success\n"));
/// let e = r.next_event().unwrap().unwrap();
/// let n = r.names();
/// assert_eq!(e.time, 1);
/// assert_eq!(n.user(e.dst_user.unwrap()), "U147@DOM1");
/// assert_eq!(n.computer(e.src_computer.unwrap()), "C625");
/// assert_eq!(n.label(e.auth_type.unwrap()), "Negotiate");
/// assert_eq!(e.logon_type, Some(LogonType::Batch));
/// assert_eq!(e.orientation, Some(Orientation::LogOn));
/// assert_eq!(e.outcome, Some(Outcome::Success));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthEvent {
    /// Seconds from the data set's epoch (the first second is 1).
    pub time: u64,
    /// Source `user@domain`.
    pub src_user: Option<UserId>,
    /// Destination `user@domain`.
    pub dst_user: Option<UserId>,
    /// Source computer.
    pub src_computer: Option<ComputerId>,
    /// Destination computer.
    pub dst_computer: Option<ComputerId>,
    /// Authentication type (`Negotiate`, `Kerberos`, `NTLM`, ...), as a label.
    pub auth_type: Option<LabelId>,
    /// Logon type.
    pub logon_type: Option<LogonType>,
    /// Authentication orientation.
    pub orientation: Option<Orientation>,
    /// Success or failure.
    pub outcome: Option<Outcome>,
}

impl LanlRecord for AuthEvent {
    const FILE: &'static str = "auth.txt";
    const FIELDS: &'static [&'static str] = &[
        "time",
        "source user@domain",
        "destination user@domain",
        "source computer",
        "destination computer",
        "authentication type",
        "logon type",
        "authentication orientation",
        "success/failure",
    ];

    #[inline]
    fn parse(f: &[&[u8]], names: &mut Names) -> Result<Self, (usize, String)> {
        let time = uint(f[0]).map_err(|m| (0, m))?;
        let src_user = opt_name(f[1], 1, |b| names.intern_user_bytes(b))?;
        // Source and destination are often the same name: intern it once.
        let dst_user = if f[2] == f[1] {
            src_user
        } else {
            opt_name(f[2], 2, |b| names.intern_user_bytes(b))?
        };
        let src_computer = opt_name(f[3], 3, |b| names.intern_computer_bytes(b))?;
        let dst_computer = if f[4] == f[3] {
            src_computer
        } else {
            opt_name(f[4], 4, |b| names.intern_computer_bytes(b))?
        };
        let auth_type = opt_name(f[5], 5, |b| names.intern_label_bytes(b))?;
        let logon_type = opt_name(f[6], 6, |b| match LogonType::known(b) {
            Some(t) => Ok(t),
            None => names.intern_label_bytes(b).map(LogonType::Other),
        })?;
        let orientation = opt_name(f[7], 7, |b| match Orientation::known(b) {
            Some(o) => Ok(o),
            None => names.intern_label_bytes(b).map(Orientation::Other),
        })?;
        let outcome = match f[8] {
            b"?" => None,
            b => Some(Outcome::from_bytes(b).ok_or_else(|| {
                (
                    8,
                    format!("expected `Success`, `Fail` or `?`, found `{}`", shown(b)),
                )
            })?),
        };
        Ok(AuthEvent {
            time,
            src_user,
            dst_user,
            src_computer,
            dst_computer,
            auth_type,
            logon_type,
            orientation,
            outcome,
        })
    }
}

/// Calls `f` with the vocabulary and each event of the `auth.txt` at `path`
/// (plain or gzip); bad lines stop the read or are skipped as `policy` says.
///
/// ```
/// use threatstat_core::BadRowPolicy;
/// use threatstat_datasets::lanl::for_each_auth;
/// let p = std::env::temp_dir().join("threatstat-doc-lanl-auth.txt");
/// std::fs::write(&p, "1,U1@DOM1,U1@DOM1,C1,C1,?,Interactive,LogOn,Success\n").unwrap();
/// let mut n = 0;
/// let s = for_each_auth(&p, BadRowPolicy::Error, |_, _| n += 1).unwrap();
/// assert_eq!((n, s.events), (1, 1));
/// ```
pub fn for_each_auth(
    path: impl AsRef<Path>,
    policy: BadRowPolicy,
    f: impl FnMut(&Names, &AuthEvent),
) -> Result<super::ReadSummary, DatasetError> {
    LanlReader::<AuthEvent>::open(path)?
        .bad_rows(policy)
        .visit(f)
}
