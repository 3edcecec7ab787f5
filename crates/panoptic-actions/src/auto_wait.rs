//! Auto-wait: poll the page until the target is attached, visible, stable, enabled and not
//! covered (as the action needs), with a short backoff and never a fixed sleep.

use std::time::Duration;

use panoptic_core::locator::Locator;
use panoptic_core::page::{ElementInfo, Page, PageError, ResolveOpts};
use panoptic_core::results::StepError;
use tokio::time::Instant;

/// Polling delays, as Playwright: quick at first, then every 100 ms.
const BACKOFF_MS: &[u64] = &[0, 20, 50, 100];

/// Sleeps for the `n`th poll delay, never past `deadline`.
pub(crate) async fn backoff(n: usize, deadline: Instant) {
    tokio::time::sleep_until(delay_end(n, deadline)).await;
}

fn delay_end(n: usize, deadline: Instant) -> Instant {
    let ms = BACKOFF_MS[n.min(BACKOFF_MS.len() - 1)];
    (Instant::now() + Duration::from_millis(ms)).min(deadline)
}

/// The waits between the checks of a poll on the page: the same delays, each cut short when
/// the page changes ([`Page::changed_within`]), so a check sees a new state as soon as there
/// is one. After a change that did not satisfy the check the next wait is a whole one: a page
/// that changes all the time is checked at most twice per delay, not at its pace.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    n: usize,
    woke: bool,
}

impl Backoff {
    /// Waits before the next check, never past `deadline`.
    pub(crate) async fn wait(&mut self, page: &mut dyn Page, deadline: Instant) {
        let until = delay_end(self.n, deadline);
        self.n += 1;
        let left = until.saturating_duration_since(Instant::now());
        if !left.is_zero() && !self.woke && page.changed_within(left).await {
            self.woke = true;
            return;
        }
        self.woke = false;
        tokio::time::sleep_until(until).await;
    }
}

/// What an action needs of its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Need {
    /// Visible.
    pub visible: bool,
    /// Enabled.
    pub enabled: bool,
    /// Accepts text.
    pub editable: bool,
    /// Stable and receives pointer events at its centre.
    pub pointer: bool,
    /// The locator must match exactly one element (`settings.strict_locators`).
    pub strict: bool,
    /// Take the target's fingerprint (for self-healing in later runs).
    pub fingerprint: bool,
}

impl Need {
    /// The same need, strict about several matches when `on`.
    pub fn strict_if(self, on: bool) -> Need {
        Need { strict: on, ..self }
    }

    /// Attached only.
    pub const ATTACHED: Need = Need {
        visible: false,
        enabled: false,
        editable: false,
        pointer: false,
        strict: false,
        fingerprint: false,
    };
    /// Visible.
    pub const VISIBLE: Need = Need {
        visible: true,
        enabled: false,
        editable: false,
        pointer: false,
        strict: false,
        fingerprint: false,
    };
    /// Clicks and hovers.
    pub const POINTER: Need = Need {
        visible: true,
        enabled: true,
        editable: false,
        pointer: true,
        strict: false,
        fingerprint: false,
    };
    /// Typing.
    pub const EDITABLE: Need = Need {
        visible: true,
        enabled: true,
        editable: true,
        pointer: false,
        strict: false,
        fingerprint: false,
    };
    /// Other form operations (select, check via script, submit, upload).
    pub const ENABLED: Need = Need {
        visible: false,
        enabled: true,
        editable: false,
        pointer: false,
        strict: false,
        fingerprint: false,
    };

    fn describe(self) -> &'static str {
        if self.pointer {
            "visible, stable, enabled and not covered"
        } else if self.editable {
            "visible, enabled and editable"
        } else if self.visible && self.enabled {
            "visible and enabled"
        } else if self.visible {
            "visible"
        } else if self.enabled {
            "attached and enabled"
        } else {
            "attached"
        }
    }
}

/// Why the first match is not ready, or `None` when it is.
fn unmet(el: &ElementInfo, need: Need) -> Option<String> {
    if need.visible && !el.visible {
        return Some("element is not visible".into());
    }
    if need.enabled && !el.enabled {
        return Some("element is disabled".into());
    }
    if need.editable && !el.editable {
        return Some(format!("element <{}> is not editable", el.tag));
    }
    if need.pointer && !el.stable {
        return Some("element is still moving (not stable)".into());
    }
    if need.pointer
        && let Some(c) = &el.covered_by
    {
        return Some(format!("element is covered by <{c}>"));
    }
    None
}

/// Waits until the first element `locator` matches meets `need`; the error names the locator,
/// the condition and what was last seen.
pub async fn wait_for_element(
    page: &mut dyn Page,
    locator: &Locator,
    need: Need,
    timeout: Duration,
) -> Result<ElementInfo, StepError> {
    wait_until(page, locator, need, Instant::now() + timeout, timeout).await
}

/// [`wait_for_element`] with an absolute deadline; `timeout` is the configured limit, for messages.
pub(crate) async fn wait_until(
    page: &mut dyn Page,
    locator: &Locator,
    need: Need,
    deadline: Instant,
    timeout: Duration,
) -> Result<ElementInfo, StepError> {
    let opts = ResolveOpts {
        actionable: need.pointer,
        fingerprint: need.fingerprint,
    };
    let mut last: String;
    let mut wait = Backoff::default();
    loop {
        match page.resolve(locator, opts).await {
            Ok(found) if need.strict && found.len() > 1 => return Err(strict_violation(locator, &found)),
            Ok(found) => match found.into_iter().next() {
                Some(el) => match unmet(&el, need) {
                    None => return Ok(el),
                    Some(why) => last = why,
                },
                None => last = "no element matches".into(),
            },
            Err(PageError::Detached) => last = "the page navigated while resolving".into(),
            Err(e @ (PageError::Closed(_) | PageError::Invalid(_))) => {
                return Err(StepError::msg(e.to_string()));
            }
            Err(e) => last = e.to_string(),
        }
        if Instant::now() >= deadline {
            break;
        }
        wait.wait(page, deadline).await;
    }
    Err(StepError {
        message: format!(
            "timed out after {} waiting for `{locator}` to be {}: {last}",
            fmt_ms(timeout),
            need.describe()
        ),
        locator: Some(locator.source.clone()),
        expected: Some(need.describe().into()),
        actual: Some(last),
    })
}

/// Playwright's "strict mode violation": the locator names several elements, listed.
pub(crate) fn strict_violation(locator: &Locator, found: &[ElementInfo]) -> StepError {
    let listed: Vec<String> = found
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, e)| {
            let text: String = e.text.chars().take(40).collect();
            format!("{}) <{}> {text:?}", i + 1, e.tag)
        })
        .collect();
    let more = found.len().saturating_sub(10);
    StepError {
        message: format!(
            "strict mode: `{locator}` matches {} elements, not one: {}{}",
            found.len(),
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
        locator: Some(locator.source.clone()),
        expected: Some("exactly one element".into()),
        actual: Some(format!("{} elements", found.len())),
    }
}

pub(crate) fn fmt_ms(d: Duration) -> String {
    panoptic_core::duration::format_duration(d)
}
