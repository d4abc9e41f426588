//! `flows.txt`: network flow events.

use super::names::{ComputerId, Names};
use super::reader::{LanlReader, LanlRecord, opt_name, shown, uint};
use crate::DatasetError;
use std::fmt;
use std::path::Path;
use threatstat_core::BadRowPolicy;

/// A port of a flow: a number, or LANL's anonymised form `N123`.
///
/// ```
/// use threatstat_datasets::lanl::Port;
/// assert_eq!(Port::parse(b"389"), Ok(Port::Number(389)));
/// assert_eq!(Port::parse(b"N10451"), Ok(Port::Anonymised(10451)));
/// assert_eq!(Port::Anonymised(7).to_string(), "N7");
/// assert!(Port::parse(b"70000").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    /// A port number, 0..=65535.
    Number(u16),
    /// An anonymised port `N<k>`.
    Anonymised(u32),
}

impl Port {
    /// Parses `80` or `N123` (not `?`); the error says what was expected.
    #[inline]
    pub fn parse(b: &[u8]) -> Result<Port, String> {
        let bad = || {
            format!(
                "expected a port number (0 to 65535), `N` and a number, or `?`, found `{}`",
                shown(b)
            )
        };
        match b.first() {
            Some(b'N') => uint(&b[1..])
                .ok()
                .and_then(|v| u32::try_from(v).ok())
                .map(Port::Anonymised)
                .ok_or_else(bad),
            _ => uint(b)
                .ok()
                .and_then(|v| u16::try_from(v).ok())
                .map(Port::Number)
                .ok_or_else(bad),
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Number(p) => write!(f, "{p}"),
            Port::Anonymised(k) => write!(f, "N{k}"),
        }
    }
}

/// One line of `flows.txt`:
/// `time,duration,source computer,source port,destination computer,destination port,protocol,packet count,byte count`.
///
/// Computers and ports may be `?` (`None`); the numbers must be present:
/// `duration`, `packet count` and `byte count` non-negative integers,
/// `protocol` an IP protocol number 0 to 255.
///
/// ```
/// use threatstat_datasets::lanl::{FlowReader, Port};
/// let mut r = FlowReader::from_reader("flows.txt",
///     std::io::Cursor::new("1,0,C1065,389,C3799,N10451,6,10,5323\n"));
/// let f = r.next_event().unwrap().unwrap();
/// assert_eq!((f.time, f.duration, f.protocol, f.packets, f.bytes), (1, 0, 6, 10, 5323));
/// assert_eq!(r.names().computer(f.src_computer.unwrap()), "C1065");
/// assert_eq!((f.src_port, f.dst_port), (Some(Port::Number(389)), Some(Port::Anonymised(10451))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowEvent {
    /// Seconds from the data set's epoch (the first second is 1).
    pub time: u64,
    /// Duration in seconds.
    pub duration: u64,
    /// Source computer.
    pub src_computer: Option<ComputerId>,
    /// Source port.
    pub src_port: Option<Port>,
    /// Destination computer.
    pub dst_computer: Option<ComputerId>,
    /// Destination port.
    pub dst_port: Option<Port>,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, ...).
    pub protocol: u8,
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
}

impl LanlRecord for FlowEvent {
    const FILE: &'static str = "flows.txt";
    const FIELDS: &'static [&'static str] = &[
        "time",
        "duration",
        "source computer",
        "source port",
        "destination computer",
        "destination port",
        "protocol",
        "packet count",
        "byte count",
    ];

    #[inline]
    fn parse(f: &[&[u8]], names: &mut Names) -> Result<Self, (usize, String)> {
        let time = uint(f[0]).map_err(|m| (0, m))?;
        let duration = uint(f[1]).map_err(|m| (1, m))?;
        let src_computer = opt_name(f[2], 2, |b| names.intern_computer_bytes(b))?;
        let src_port = port(f[3]).map_err(|m| (3, m))?;
        let dst_computer = opt_name(f[4], 4, |b| names.intern_computer_bytes(b))?;
        let dst_port = port(f[5]).map_err(|m| (5, m))?;
        let protocol = uint(f[6])
            .ok()
            .and_then(|v| u8::try_from(v).ok())
            .ok_or_else(|| {
                (
                    6,
                    format!(
                        "expected an IP protocol number (0 to 255), found `{}`",
                        shown(f[6])
                    ),
                )
            })?;
        let packets = uint(f[7]).map_err(|m| (7, m))?;
        let bytes = uint(f[8]).map_err(|m| (8, m))?;
        Ok(FlowEvent {
            time,
            duration,
            src_computer,
            src_port,
            dst_computer,
            dst_port,
            protocol,
            packets,
            bytes,
        })
    }
}

#[inline]
fn port(b: &[u8]) -> Result<Option<Port>, String> {
    if b == b"?" {
        Ok(None)
    } else {
        Port::parse(b).map(Some)
    }
}

/// Calls `f` with the vocabulary and each event of the `flows.txt` at
/// `path` (plain or gzip); bad lines stop the read or are skipped as
/// `policy` says.
///
/// ```
/// use threatstat_core::BadRowPolicy;
/// use threatstat_datasets::lanl::for_each_flow;
/// let p = std::env::temp_dir().join("threatstat-doc-lanl-flows.txt");
/// std::fs::write(&p, "1,0,C1065,389,C3799,N10451,6,10,5323\n1,0,C1,80,C2,N1,6,1,x\n").unwrap();
/// let mut bytes = 0;
/// let s = for_each_flow(&p, BadRowPolicy::Skip, |_, f| bytes += f.bytes).unwrap();
/// assert_eq!((bytes, s.events, s.skipped), (5323, 1, 1));
/// ```
pub fn for_each_flow(
    path: impl AsRef<Path>,
    policy: BadRowPolicy,
    f: impl FnMut(&Names, &FlowEvent),
) -> Result<super::ReadSummary, DatasetError> {
    LanlReader::<FlowEvent>::open(path)?
        .bad_rows(policy)
        .visit(f)
}
