//! One column's values and its type.

/// A column's type, as written to Parquet/Arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit signed integer (`int64`).
    I64,
    /// 64-bit float (`double`).
    F64,
    /// Boolean.
    Bool,
    /// UTF-8 text (`string`).
    Utf8,
    /// A calendar day (`date32`, days since 1970-01-01; `YYYY-MM-DD` in CSV).
    Date,
    /// An instant (`timestamp[ns, tz=UTC]`; ISO 8601 in CSV).
    Timestamp,
    /// A list of texts (`list<string>`; in CSV the items joined by the
    /// separator the [`Schema`](crate::Schema) names).
    ListUtf8,
    /// A list of floats (`list<double>`; in CSV joined as lists of texts).
    ListF64,
}

impl Kind {
    /// The name the README's tables use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::I64 => "int64",
            Kind::F64 => "double",
            Kind::Bool => "bool",
            Kind::Utf8 => "string",
            Kind::Date => "date32",
            Kind::Timestamp => "timestamp[ns, UTC]",
            Kind::ListUtf8 => "list<string>",
            Kind::ListF64 => "list<double>",
        }
    }
}

/// A column's values; `None` is a null (an empty CSV cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// [`Kind::I64`].
    I64(Vec<Option<i64>>),
    /// [`Kind::F64`].
    F64(Vec<Option<f64>>),
    /// [`Kind::Bool`].
    Bool(Vec<Option<bool>>),
    /// [`Kind::Utf8`].
    Utf8(Vec<Option<String>>),
    /// [`Kind::Date`]: days since 1970-01-01.
    Date(Vec<Option<i32>>),
    /// [`Kind::Timestamp`]: nanoseconds since 1970-01-01T00:00:00Z.
    Timestamp(Vec<Option<i64>>),
    /// [`Kind::ListUtf8`].
    ListUtf8(Vec<Option<Vec<String>>>),
    /// [`Kind::ListF64`].
    ListF64(Vec<Option<Vec<f64>>>),
}

impl Column {
    /// A text column without nulls.
    pub fn utf8<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Self {
        Column::Utf8(values.into_iter().map(|s| Some(s.into())).collect())
    }

    /// A float column without nulls.
    pub fn f64s(values: impl IntoIterator<Item = f64>) -> Self {
        Column::F64(values.into_iter().map(Some).collect())
    }

    /// An integer column without nulls.
    pub fn i64s(values: impl IntoIterator<Item = i64>) -> Self {
        Column::I64(values.into_iter().map(Some).collect())
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::I64(v) | Column::Timestamp(v) => v.len(),
            Column::F64(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Utf8(v) => v.len(),
            Column::Date(v) => v.len(),
            Column::ListUtf8(v) => v.len(),
            Column::ListF64(v) => v.len(),
        }
    }

    /// Whether the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its type.
    pub fn kind(&self) -> Kind {
        match self {
            Column::I64(_) => Kind::I64,
            Column::F64(_) => Kind::F64,
            Column::Bool(_) => Kind::Bool,
            Column::Utf8(_) => Kind::Utf8,
            Column::Date(_) => Kind::Date,
            Column::Timestamp(_) => Kind::Timestamp,
            Column::ListUtf8(_) => Kind::ListUtf8,
            Column::ListF64(_) => Kind::ListF64,
        }
    }

    /// An empty column of `kind`.
    pub fn empty(kind: Kind) -> Self {
        match kind {
            Kind::I64 => Column::I64(Vec::new()),
            Kind::F64 => Column::F64(Vec::new()),
            Kind::Bool => Column::Bool(Vec::new()),
            Kind::Utf8 => Column::Utf8(Vec::new()),
            Kind::Date => Column::Date(Vec::new()),
            Kind::Timestamp => Column::Timestamp(Vec::new()),
            Kind::ListUtf8 => Column::ListUtf8(Vec::new()),
            Kind::ListF64 => Column::ListF64(Vec::new()),
        }
    }
}
