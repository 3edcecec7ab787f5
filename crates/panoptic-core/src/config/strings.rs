//! Mapping the user strings inside action payloads through a function (how `${…}` is expanded
//! when a step runs), for the payload types every action module shares.

use serde_json::Value;

use crate::duration::DurationValue;

/// Maps the user strings inside a payload value (identity for values that hold none).
pub trait MapStrings: Sized {
    /// The same value with every user string passed through `f`.
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String>;
}

impl MapStrings for String {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        f(self)
    }
}

impl<T: MapStrings> MapStrings for Option<T> {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        self.as_ref().map(|v| v.map_strings(f)).transpose()
    }
}

impl<T: MapStrings> MapStrings for Vec<T> {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        self.iter().map(|v| v.map_strings(f)).collect()
    }
}

impl<T: MapStrings> MapStrings for Box<T> {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(Box::new(self.as_ref().map_strings(f)?))
    }
}

macro_rules! keep_strings {
    ($($t:ty),*) => {$(
        impl MapStrings for $t {
            fn map_strings(&self, _: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
                Ok(self.clone())
            }
        }
    )*};
}
pub(crate) use keep_strings;

keep_strings!(bool, i64, u32, u64, f64, DurationValue, VarName);

/// The name a step's result is saved under (`save_as`): a name, never expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarName(pub String);

impl<A: MapStrings, B: MapStrings> MapStrings for (A, B) {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok((self.0.map_strings(f)?, self.1.map_strings(f)?))
    }
}

impl MapStrings for Value {
    /// Every string inside the value; object keys stay as written.
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            Value::String(s) => Value::String(f(s)?),
            Value::Array(items) => Value::Array(items.iter().map(|v| v.map_strings(f)).collect::<Result<_, _>>()?),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), v.map_strings(f)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}
