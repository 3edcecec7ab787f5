//! Unit tests of the marks drawn on screenshots.

use super::*;

fn png_of(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let data: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
    enc.write_header().unwrap().write_image_data(&data).unwrap();
    out
}

fn pixel(png_bytes: &[u8], x: usize, y: usize) -> [u8; 4] {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let f = reader.next_frame(&mut buf).unwrap();
    assert_eq!(f.color_type, png::ColorType::Rgba);
    let i = (y * f.width as usize + x) * 4;
    buf[i..i + 4].try_into().unwrap()
}

#[test]
fn a_box_is_outlined_in_its_colour_and_numbered() {
    let shot = png_of(100, 80, [255, 255, 255]);
    let red = colour_of("button");
    let marks = [Mark {
        number: 7,
        bbox: [20.0, 30.0, 40.0, 20.0],
        colour: red,
    }];
    let out = annotate(&shot, 100.0, &marks).unwrap();
    // The outline, its inside untouched, and the number's tab above the box.
    assert_eq!(pixel(&out, 20, 40), [red[0], red[1], red[2], 255]);
    assert_eq!(pixel(&out, 59, 40), [red[0], red[1], red[2], 255]);
    assert_eq!(pixel(&out, 40, 40), [255, 255, 255, 255]);
    assert_eq!(pixel(&out, 20, 16), [red[0], red[1], red[2], 255]);
    // The digit 7's top row is white on the tab.
    assert_eq!(pixel(&out, 22, 18), [255, 255, 255, 255]);
}

#[test]
fn boxes_scale_with_the_device_pixels_and_clip_at_the_edges() {
    // Twice as many pixels as CSS pixels: the box lands at twice the coordinates.
    let shot = png_of(200, 100, [0, 0, 0]);
    let marks = [
        Mark {
            number: 1,
            bbox: [10.0, 10.0, 20.0, 20.0],
            colour: [0, 255, 0],
        },
        Mark {
            number: 123,
            bbox: [90.0, 40.0, 50.0, 50.0],
            colour: [0, 0, 255],
        },
    ];
    let out = annotate(&shot, 100.0, &marks).unwrap();
    assert_eq!(pixel(&out, 20, 40), [0, 255, 0, 255]);
    assert_eq!(pixel(&out, 10, 40), [0, 0, 0, 255]);
    assert_eq!(pixel(&out, 199, 99), [0, 0, 0, 255], "the far box's edge is outside");
    assert!(annotate(b"not a png", 100.0, &marks).is_err());
}
