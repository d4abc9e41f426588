//! Every event's parameters in one arena: names interned, values back to
//! back in one text buffer, events as ranges of parameters.

use crate::strpool::StrPool;

/// Marks a parameter without a value in `value_ends`.
const NO_VALUE_BIT: u64 = 1 << 63;

/// The parameters of a sequence of events, each event's in their original
/// order.
///
/// A parameter costs 12 bytes plus its value's bytes (names are interned);
/// an event 8 bytes. Events are added by [`EventParams::push`]ing their
/// parameters and then [`EventParams::finish_event`]; parameters pushed
/// since the last finished event can be dropped with
/// [`EventParams::discard_open`] (a row that turned out bad).
///
/// ```
/// use threatstat_markov::io::EventParams;
/// let mut p = EventParams::default();
/// p.push("Identity", Some("bob"));
/// p.push("Force", None);
/// p.finish_event();
/// p.finish_event(); // an event with no parameters
/// p.push("Identity", Some("half-read row"));
/// p.discard_open();
/// assert_eq!(p.len(), 2);
/// assert_eq!(p.of(0).collect::<Vec<_>>(), vec![("Identity", Some("bob")), ("Force", None)]);
/// assert_eq!(p.of(1).count(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventParams {
    names: StrPool,
    /// Each parameter's name id in `names`.
    name_ids: Vec<u32>,
    /// Each parameter's value end offset in `values`, `NO_VALUE_BIT` set
    /// when it has no value (its start is the previous parameter's end).
    value_ends: Vec<u64>,
    values: String,
    /// Each event's end index into `name_ids`.
    event_ends: Vec<usize>,
}

impl EventParams {
    /// Adds a parameter to the event being built.
    pub fn push(&mut self, name: &str, value: Option<&str>) {
        self.name_ids.push(self.names.intern(name));
        let end = match value {
            Some(v) => {
                self.values.push_str(v);
                self.values.len() as u64
            }
            None => self.values.len() as u64 | NO_VALUE_BIT,
        };
        self.value_ends.push(end);
    }

    /// Ends the event being built (with the parameters pushed since the
    /// last finished event).
    pub fn finish_event(&mut self) {
        self.event_ends.push(self.name_ids.len());
    }

    /// Drops the parameters pushed since the last finished event.
    pub fn discard_open(&mut self) {
        let n = self.event_ends.last().copied().unwrap_or(0);
        self.name_ids.truncate(n);
        self.value_ends.truncate(n);
        self.values.truncate(self.value_start(n));
    }

    /// Start offset in `values` of parameter `i`.
    fn value_start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            (self.value_ends[i - 1] & !NO_VALUE_BIT) as usize
        }
    }

    /// Number of finished events.
    pub fn len(&self) -> usize {
        self.event_ends.len()
    }

    /// True when no event was finished.
    pub fn is_empty(&self) -> bool {
        self.event_ends.is_empty()
    }

    /// The parameters of event `event` in their original order: name and
    /// optional value.
    ///
    /// # Panics
    /// If `event >= len()`.
    pub fn of(&self, event: usize) -> impl ExactSizeIterator<Item = (&str, Option<&str>)> {
        let start = if event == 0 {
            0
        } else {
            self.event_ends[event - 1]
        };
        (start..self.event_ends[event]).map(move |i| {
            let end = self.value_ends[i];
            let value =
                (end & NO_VALUE_BIT == 0).then(|| &self.values[self.value_start(i)..end as usize]);
            (self.names.resolve(self.name_ids[i]), value)
        })
    }

    /// Approximate heap bytes held (buffer capacities).
    pub fn heap_bytes(&self) -> usize {
        self.names.heap_bytes()
            + self.name_ids.capacity() * size_of::<u32>()
            + self.value_ends.capacity() * size_of::<u64>()
            + self.values.capacity()
            + self.event_ends.capacity() * size_of::<usize>()
    }
}
