//! Real input through `Input.*`: mouse moves and clicks at an element's re-measured centre,
//! key events for chords.

use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType, MouseButton,
};
use panoptic_core::page::{ElementInfo, PageError};
use serde_json::Value;

use super::CdpPage;
use super::eval::cdp_error;
use crate::keys::{modifier_key, parse_chord};

impl CdpPage {
    /// Where to click the element now: its centre, re-measured, when it would receive the click.
    pub(super) async fn point(&self, el: &ElementInfo, arm: bool) -> Result<(f64, f64), PageError> {
        let v = self
            .on_element(el, |h| format!("window.__panoptic.point({h}, {arm})"))
            .await?;
        match (v.get(0).and_then(Value::as_f64), v.get(1).and_then(Value::as_f64)) {
            (Some(x), Some(y)) => self.to_top(el, (x, y)),
            _ => Ok(el.rect.center()),
        }
    }

    pub(super) async fn mouse(
        &self,
        kind: DispatchMouseEventType,
        x: f64,
        y: f64,
        clicks: i64,
    ) -> Result<(), PageError> {
        let mut p = DispatchMouseEventParams::new(kind.clone(), x, y);
        if kind != DispatchMouseEventType::MouseMoved {
            p.button = Some(MouseButton::Left);
            p.buttons = Some(if kind == DispatchMouseEventType::MousePressed {
                1
            } else {
                0
            });
            p.click_count = Some(clicks);
        }
        self.page.execute(p).await.map_err(cdp_error)?;
        Ok(())
    }

    async fn key(
        &self,
        kind: DispatchKeyEventType,
        key: &str,
        code: &str,
        key_code: i64,
        mask: i64,
        text: Option<&str>,
    ) -> Result<(), PageError> {
        let mut p = DispatchKeyEventParams::new(kind);
        p.key = Some(key.to_owned());
        p.code = Some(code.to_owned());
        p.windows_virtual_key_code = Some(key_code);
        p.native_virtual_key_code = Some(key_code);
        p.modifiers = Some(mask);
        if let Some(t) = text {
            p.text = Some(t.to_owned());
            p.unmodified_text = Some(t.to_owned());
        }
        if mask & 2 != 0 && key.eq_ignore_ascii_case("a") {
            // Chromium on Linux does not map Control+A to select-all for synthetic events.
            p.commands = Some(vec!["selectAll".to_owned()]);
        }
        self.page.execute(p).await.map_err(cdp_error)?;
        Ok(())
    }

    /// Presses a chord: modifiers down, the key down and up, modifiers up in reverse.
    pub(super) async fn press_chord(&self, key: &str) -> Result<(), PageError> {
        let chord = parse_chord(key).map_err(PageError::Invalid)?;
        let mut mask = 0;
        for m in &chord.modifiers {
            let (bit, code, key_code) = modifier_key(m);
            mask |= bit;
            self.key(DispatchKeyEventType::RawKeyDown, m, code, key_code, mask, None)
                .await?;
        }
        let down = if chord.text.is_some() {
            DispatchKeyEventType::KeyDown
        } else {
            DispatchKeyEventType::RawKeyDown
        };
        let text = chord.text.as_deref();
        self.key(down, &chord.key, &chord.code, chord.key_code, chord.mask, text)
            .await?;
        self.key(
            DispatchKeyEventType::KeyUp,
            &chord.key,
            &chord.code,
            chord.key_code,
            chord.mask,
            None,
        )
        .await?;
        for m in chord.modifiers.iter().rev() {
            let (bit, code, key_code) = modifier_key(m);
            mask &= !bit;
            self.key(DispatchKeyEventType::KeyUp, m, code, key_code, mask, None)
                .await?;
        }
        Ok(())
    }
}
