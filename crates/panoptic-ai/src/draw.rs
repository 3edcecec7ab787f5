//! Boxes and numbers drawn on a PNG screenshot (`vision_report`): each element's outline in
//! its kind's colour, its number on a tab at the top-left corner. Digits come from a 3×5 pixel
//! font, so nothing outside this file is needed to draw them.

/// One element to mark.
pub(crate) struct Mark {
    pub(crate) number: usize,
    /// x, y, width, height in CSS pixels.
    pub(crate) bbox: [f64; 4],
    pub(crate) colour: [u8; 3],
}

/// A colour per kind, told apart at a glance.
pub(crate) fn colour_of(kind: &str) -> [u8; 3] {
    match kind {
        "button" => [220, 38, 38],
        "link" => [37, 99, 235],
        "textfield" | "textarea" => [22, 163, 74],
        "checkbox" | "radio" | "switch" => [147, 51, 234],
        "select" | "slider" | "file" => [234, 88, 12], // tidy: not an action (element kinds)
        "image" => [13, 148, 136],
        "heading" => [100, 116, 139],
        _ => [219, 39, 119],
    }
}

const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// An RGBA picture.
struct Canvas {
    width: usize,
    height: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        let clamp = |v: i64, max: usize| v.clamp(0, max as i64) as usize;
        let (x0, x1) = (clamp(x0, self.width), clamp(x1, self.width));
        let (y0, y1) = (clamp(y0, self.height), clamp(y1, self.height));
        for y in y0..y1 {
            for x in x0..x1 {
                let i = (y * self.width + x) * 4;
                self.px[i..i + 4].copy_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
    }

    fn outline(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, t: i64, c: [u8; 3]) {
        self.fill(x0, y0, x1, y0 + t, c);
        self.fill(x0, y1 - t, x1, y1, c);
        self.fill(x0, y0, x0 + t, y1, c);
        self.fill(x1 - t, y0, x1, y1, c);
    }

    /// `n` in white on a tab of colour `c` whose top-left corner is at (x, y).
    fn number(&mut self, x: i64, y: i64, n: usize, s: i64, c: [u8; 3]) {
        let text = n.to_string();
        let w = text.len() as i64 * 4 * s + s;
        self.fill(x, y, x + w, y + 7 * s, c);
        for (k, d) in text.bytes().enumerate() {
            let glyph = DIGITS[usize::from(d - b'0')];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        let px = x + s + (k as i64 * 4 + col) * s;
                        let py = y + s + row as i64 * s;
                        self.fill(px, py, px + s, py + s, [255, 255, 255]);
                    }
                }
            }
        }
    }
}

/// `png` with every mark drawn; `css_width` is the viewport's width in CSS pixels (the
/// screenshot may have more pixels: the device scale factor).
pub(crate) fn annotate(png_bytes: &[u8], css_width: f64, marks: &[Mark]) -> Result<Vec<u8>, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let (width, height) = (frame.width as usize, frame.height as usize);
    let px = match frame.color_type {
        png::ColorType::Rgba => buf[..width * height * 4].to_vec(),
        png::ColorType::Rgb => buf[..width * height * 3]
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf[..width * height * 2]
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf[..width * height].iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return Err("an indexed PNG was not expanded".into()),
    };
    let mut canvas = Canvas { width, height, px };
    let scale = if css_width > 0.0 { width as f64 / css_width } else { 1.0 };
    let t = (2.0 * scale).round().max(1.0) as i64;
    let s = (2.0 * scale).round().max(1.0) as i64;
    for m in marks {
        let [x, y, w, h] = m.bbox.map(|v| (v * scale).round() as i64);
        canvas.outline(x, y, x + w, y + h, t, m.colour);
        canvas.number(x, (y - 7 * s).max(0), m.number, s, m.colour);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width as u32, height as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(&canvas.px).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
