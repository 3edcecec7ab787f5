//! Where `${VAR}` and `${secret:NAME}` values come from: supplied by the caller, so that `core`
//! reads no environment itself.

/// Answers whether `${VAR}` / `${secret:NAME}` references resolve.
pub trait Lookup {
    /// Value of an environment variable.
    fn var(&self, name: &str) -> Option<String>;
    /// Value of a secret.
    fn secret(&self, name: &str) -> Option<String>;
}

/// Resolves nothing: every `${VAR}` and `${secret:NAME}` is reported as missing. For texts whose
/// author may not read the environment (the serve API's non-admin keys) and for examples.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLookup;

impl Lookup for NoLookup {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn secret(&self, _: &str) -> Option<String> {
        None
    }
}
