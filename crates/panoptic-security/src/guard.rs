//! The URL policy at run time: a [`RequestGuard`] over `settings.allow` that the page applies
//! to every navigation it starts itself (links, `location = …`, redirects, frames) and — when
//! `allow.hosts` is set — to every request it makes. The judgement is the validator's
//! (`panoptic_core::config::absolute_url_allowed`, WHATWG parsing as the browser does), so a
//! URL is judged the same at validation, after `${…}` expansion and in the browser.

use panoptic_core::config::{Allow, absolute_url_allowed};
use panoptic_core::page::RequestGuard;

/// `settings.allow` as a guard for the page's own requests.
#[derive(Clone, Debug)]
pub struct UrlGuard {
    allow: Allow,
}

impl UrlGuard {
    /// The guard for one test's settings.
    pub fn new(allow: &Allow) -> UrlGuard {
        UrlGuard { allow: allow.clone() }
    }
}

impl RequestGuard for UrlGuard {
    fn all_requests(&self) -> bool {
        !self.allow.hosts.is_empty()
    }

    fn refuse(&self, url: &str, navigation: bool) -> Option<String> {
        if navigation {
            return absolute_url_allowed(url, &self.allow).err();
        }
        // A resource: its host must be listed (schemes are the page's business: `data:` and
        // `blob:` never reach the network).
        if self.allow.hosts.is_empty() {
            return None;
        }
        let any_scheme = Allow {
            schemes: vec![url::Url::parse(url).map(|u| u.scheme().to_owned()).unwrap_or_default()],
            ..self.allow.clone()
        };
        absolute_url_allowed(url, &any_scheme).err()
    }
}

#[cfg(test)]
mod tests;
