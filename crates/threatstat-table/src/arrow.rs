//! Columns to Arrow arrays and back.

use crate::Column;
use arrow_array::builder::{Float64Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
    TimestampNanosecondArray,
};
use arrow_schema::{DataType, Field, TimeUnit};
use std::sync::Arc;
use threatstat_core::{Error, Location};

/// The Arrow field of a column named `name` (nullable).
pub(crate) fn field(name: &str, c: &Column) -> Field {
    let t = match c {
        Column::I64(_) => DataType::Int64,
        Column::F64(_) => DataType::Float64,
        Column::Bool(_) => DataType::Boolean,
        Column::Utf8(_) => DataType::Utf8,
        Column::Date(_) => DataType::Date32,
        Column::Timestamp(_) => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        Column::ListUtf8(_) => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        Column::ListF64(_) => DataType::List(Arc::new(Field::new("item", DataType::Float64, true))),
    };
    Field::new(name, t, true)
}

/// The Arrow array of a column.
pub(crate) fn array(c: &Column) -> ArrayRef {
    match c {
        Column::I64(v) => Arc::new(Int64Array::from(v.clone())),
        Column::F64(v) => Arc::new(Float64Array::from(v.clone())),
        Column::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
        Column::Utf8(v) => Arc::new(v.iter().map(Option::as_deref).collect::<StringArray>()),
        Column::Date(v) => Arc::new(Date32Array::from(v.clone())),
        Column::Timestamp(v) => {
            Arc::new(TimestampNanosecondArray::from(v.clone()).with_timezone("UTC"))
        }
        Column::ListUtf8(v) => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for row in v {
                match row {
                    Some(items) => {
                        for s in items {
                            b.values().append_value(s);
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
        Column::ListF64(v) => {
            let mut b = ListBuilder::new(Float64Builder::new());
            for row in v {
                match row {
                    Some(items) => {
                        b.values().append_slice(items);
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
    }
}

fn prim<T: arrow_array::ArrowPrimitiveType, U>(
    a: &dyn Array,
    f: impl Fn(T::Native) -> Option<U>,
    at: &Location,
) -> Result<Vec<Option<U>>, Error> {
    let p = a.as_primitive::<T>();
    p.iter()
        .map(|v| match v {
            None => Ok(None),
            Some(x) => f(x).map(Some).ok_or_else(|| {
                Error::parse(at.clone(), "a value outside the 64-bit range".to_string())
            }),
        })
        .collect()
}

fn strings(a: &dyn Array) -> Option<Vec<Option<String>>> {
    let own = |s: Option<&str>| s.map(str::to_string);
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().iter().map(own).collect()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().iter().map(own).collect()),
        DataType::Utf8View => Some(a.as_string_view().iter().map(own).collect()),
        _ => None,
    }
}

fn unsupported(a: &dyn Array, at: &Location) -> Error {
    Error::parse(
        at.clone(),
        format!(
            "unsupported column type {} (expected integers, floats, booleans, strings, \
             dates, timestamps or lists of strings)",
            a.data_type()
        ),
    )
}

/// A column from an Arrow array (integers widen to `i64`, `float` to
/// `double`, any string layout to text, any timestamp unit to ns);
/// `at` names the file and column for errors.
pub(crate) fn column(a: &dyn Array, at: &Location) -> Result<Column, Error> {
    let i = |x: i64| Some(x);
    Ok(match a.data_type() {
        DataType::Int8 => Column::I64(prim::<Int8Type, _>(a, |x| i(x.into()), at)?),
        DataType::Int16 => Column::I64(prim::<Int16Type, _>(a, |x| i(x.into()), at)?),
        DataType::Int32 => Column::I64(prim::<Int32Type, _>(a, |x| i(x.into()), at)?),
        DataType::Int64 => Column::I64(prim::<Int64Type, _>(a, i, at)?),
        DataType::UInt8 => Column::I64(prim::<UInt8Type, _>(a, |x| i(x.into()), at)?),
        DataType::UInt16 => Column::I64(prim::<UInt16Type, _>(a, |x| i(x.into()), at)?),
        DataType::UInt32 => Column::I64(prim::<UInt32Type, _>(a, |x| i(x.into()), at)?),
        DataType::UInt64 => Column::I64(prim::<UInt64Type, _>(a, |x| i64::try_from(x).ok(), at)?),
        DataType::Float32 => Column::F64(prim::<Float32Type, _>(a, |x| Some(x.into()), at)?),
        DataType::Float64 => Column::F64(prim::<Float64Type, _>(a, Some, at)?),
        DataType::Boolean => Column::Bool(a.as_boolean().iter().collect()),
        DataType::Date32 => Column::Date(prim::<Date32Type, _>(a, Some, at)?),
        DataType::Date64 => Column::Date(prim::<Date64Type, _>(
            a,
            |ms| i32::try_from(ms.div_euclid(86_400_000)).ok(),
            at,
        )?),
        DataType::Timestamp(unit, _) => {
            let scale = |k: i64| move |x: i64| x.checked_mul(k);
            Column::Timestamp(match unit {
                TimeUnit::Second => prim::<TimestampSecondType, _>(a, scale(1_000_000_000), at)?,
                TimeUnit::Millisecond => {
                    prim::<TimestampMillisecondType, _>(a, scale(1_000_000), at)?
                }
                TimeUnit::Microsecond => prim::<TimestampMicrosecondType, _>(a, scale(1_000), at)?,
                TimeUnit::Nanosecond => prim::<TimestampNanosecondType, _>(a, Some, at)?,
            })
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let rows: Vec<Option<ArrayRef>> = match a.data_type() {
                DataType::List(_) => a.as_list::<i32>().iter().collect(),
                _ => a.as_list::<i64>().iter().collect(),
            };
            // Lists of numbers (nulls as NaN) or of texts (nulls as "").
            let floats = |items: &ArrayRef| match column(items.as_ref(), at) {
                Ok(Column::F64(v)) => Some(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()),
                Ok(Column::I64(v)) => Some(
                    v.into_iter()
                        .map(|x| x.map_or(f64::NAN, |x| x as f64))
                        .collect(),
                ),
                _ => None,
            };
            let numeric = match a.data_type() {
                DataType::List(f) | DataType::LargeList(f) => f.data_type().is_numeric(),
                _ => false,
            };
            if numeric {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(match r {
                        None => None,
                        Some(items) => Some(floats(&items).ok_or_else(|| unsupported(a, at))?),
                    });
                }
                Column::ListF64(out)
            } else {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(match r {
                        None => None,
                        Some(items) => {
                            let s = strings(&items).ok_or_else(|| unsupported(a, at))?;
                            Some(s.into_iter().map(Option::unwrap_or_default).collect())
                        }
                    });
                }
                Column::ListUtf8(out)
            }
        }
        _ => match strings(a) {
            Some(s) => Column::Utf8(s),
            None => return Err(unsupported(a, at)),
        },
    })
}

/// Appends `more` to `acc` (both of one kind: a file's batches share its schema).
pub(crate) fn extend(acc: &mut Column, more: Column) {
    match (acc, more) {
        (Column::I64(a), Column::I64(b)) | (Column::Timestamp(a), Column::Timestamp(b)) => {
            a.extend(b)
        }
        (Column::F64(a), Column::F64(b)) => a.extend(b),
        (Column::Bool(a), Column::Bool(b)) => a.extend(b),
        (Column::Utf8(a), Column::Utf8(b)) => a.extend(b),
        (Column::Date(a), Column::Date(b)) => a.extend(b),
        (Column::ListUtf8(a), Column::ListUtf8(b)) => a.extend(b),
        (Column::ListF64(a), Column::ListF64(b)) => a.extend(b),
        _ => unreachable!("the batches of one file share its schema"),
    }
}
