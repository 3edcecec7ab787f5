//! Where `${VAR}` and `${secret:NAME}` values come from: supplied by the caller, so that `core`
//! reads no environment itself.

/// Answers whether `${VAR}` / `${secret:NAME}` references resolve.
pub trait Lookup {
    /// Value of an environment variable.
    fn var(&self, name: &str) -> Option<String>;
    /// Value of a secret.
    fn secret(&self, name: &str) -> Option<String>;
}
